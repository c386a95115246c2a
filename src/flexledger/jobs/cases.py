"""Manual corporate-action cases: list them, resolve or dismiss one (SPEC §10).

Closing a case and recomputing what it touched is one unit of work: the ledger of
every instrument the case's legs name is replayed (`recompute`, since=None) in the
same transaction, so the snapshots' provisional flag and `unresolved_cases` move
with the case, and a failed recompute leaves the case open. The run lock is held
meanwhile, as for a reprocess, so an ingestion run never writes the same
snapshots at the same time.

Adjustments a resolution records are stored with the case; the ledger does not
apply them to lots yet (SPEC §10: manual quantity/basis adjustments are post-MVP).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flexledger.db.database import Database
from flexledger.db.repositories.cases import CaseFilter, CaseRepository
from flexledger.db.session import UnitOfWork
from flexledger.domain.cases import (
    CorpActionCase,
    closing_note,
    cost_adjustment,
    quantity_adjustment,
)
from flexledger.domain.clock import utc_now
from flexledger.jobs.ledger import recompute

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of cases and how many match in all."""

    cases: list[CorpActionCase]
    total: int


@dataclass(frozen=True, slots=True)
class CaseChange:
    """What closing a case changed.

    Attributes:
        case: the case as stored now.
        unresolved_cases: each instrument the case touches, with the open cases
            still counted against it (0: no longer provisional for a case).
        ledger: the recompute's details (rows written, findings), empty when the
            case names no instrument.
    """

    case: CorpActionCase
    unresolved_cases: Mapping[uuid.UUID, int]
    ledger: Mapping[str, Any] = field(default_factory=dict)


def list_cases(
    database: Database,
    filters: CaseFilter | None = None,
    *,
    sort_by: str = "created_at_utc",
    sort_dir: str = "desc",
    limit: int | None = None,
    offset: int = 0,
) -> CasePage:
    """Cases matching `filters`, newest first by default (all when `limit` is None)."""
    with database.unit_of_work() as uow:
        cases, total = CaseRepository(uow).list_cases(
            filters or CaseFilter(),
            sort_by=sort_by,
            sort_dir=sort_dir,
            limit=limit,
            offset=offset,
        )
    return CasePage(cases, total)


def get_case(database: Database, case_id: uuid.UUID) -> CorpActionCase:
    """One case.

    Raises:
        NotFoundError: no such case.
    """
    with database.unit_of_work() as uow:
        return CaseRepository(uow).get(case_id)


def resolve_case(
    database: Database,
    case_id: uuid.UUID,
    *,
    note: str,
    owner: str | None = None,
    quantity: Decimal | None = None,
    cost: Decimal | None = None,
    clock: Clock = utc_now,
) -> CaseChange:
    """Resolve an open case and recompute the instruments it touches.

    Args:
        database: the database.
        case_id: the case.
        note: what was decided; required.
        owner: who resolved it (None keeps the stored owner).
        quantity: the quantity adjustment to record, if any.
        cost: the cost-basis adjustment to record, if any.
        clock: gives the resolution instant (aware UTC).

    Raises:
        CaseNoteRequiredError: the note is blank.
        InvalidRequestError: INVALID_ADJUSTMENT, an adjustment does not fit.
        NotFoundError: no such case.
        CaseAlreadyClosedError: the case is closed already.
        RunAlreadyActiveError: a run holds the run lock; nothing changed.
    """
    # Checked before the lock: a bad request is refused as such even during a run.
    closing_note(note)
    quantity_adjustment(quantity)
    cost_adjustment(cost)
    with database.run_lock(), database.unit_of_work() as uow:
        cases = CaseRepository(uow)
        case = cases.resolve(
            case_id,
            note=note,
            closed_at=clock(),
            owner=owner,
            quantity=quantity,
            cost=cost,
        )
        return _recompute(uow, case)


def dismiss_case(
    database: Database,
    case_id: uuid.UUID,
    *,
    note: str,
    owner: str | None = None,
    clock: Clock = utc_now,
) -> CaseChange:
    """Dismiss an open case (nothing to adjust) and recompute what it touches.

    Raises:
        CaseNoteRequiredError: the note is blank.
        NotFoundError: no such case.
        CaseAlreadyClosedError: the case is closed already.
        RunAlreadyActiveError: a run holds the run lock; nothing changed.
    """
    closing_note(note)
    with database.run_lock(), database.unit_of_work() as uow:
        cases = CaseRepository(uow)
        case = cases.dismiss(case_id, note=note, closed_at=clock(), owner=owner)
        return _recompute(uow, case)


def _recompute(uow: UnitOfWork, case: CorpActionCase) -> CaseChange:
    cases = CaseRepository(uow)
    instruments = cases.instruments_of(case.case_id)
    if not instruments:
        return CaseChange(case=case, unresolved_cases={})
    details = recompute(uow, instruments, since=None, ingestion_run_id=None)
    return CaseChange(
        case=case,
        unresolved_cases=cases.open_counts(instruments),
        ledger=details,
    )
