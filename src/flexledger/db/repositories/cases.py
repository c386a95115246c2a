"""Corporate-action manual cases: list, read, and close them (resolve or dismiss).

Mapping opens cases (db/repositories/canonical.py), and so does the ledger job for
a split whose legs disagree with its ratio; this repository is the only place
that changes their status. Closing is one conditional UPDATE, so a case is
closed once even when two requests race; a closed case is never reopened here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import CorpActionCaseRow, EventCorpActionRow, InstrumentRow
from flexledger.domain.cases import (
    CaseStatus,
    CorpActionCase,
    closing_note,
    closing_owner,
    cost_adjustment,
    quantity_adjustment,
)
from flexledger.domain.errors import CaseAlreadyClosedError, NotFoundError

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
CASE_SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at_utc": CorpActionCaseRow.created_at_utc,
    "status": CorpActionCaseRow.status,
}
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Filters of the cases list; None means "any"."""

    status: CaseStatus | None = None
    instrument_id: uuid.UUID | None = None


class CaseRepository:
    """Manual cases with the instrument each names."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def list_cases(
        self,
        filters: CaseFilter,
        *,
        sort_by: str = "created_at_utc",
        sort_dir: str = "desc",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[CorpActionCase], int]:
        """One page of cases (all of them when `limit` is None) and the total count.

        The case id breaks ties, in the direction asked.
        """
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(CorpActionCaseRow.status == filters.status.value)
        if filters.instrument_id is not None:
            conditions.append(CorpActionCaseRow.instrument_id == filters.instrument_id)
        column = CASE_SORT_COLUMNS[sort_by]
        tie_break = CorpActionCaseRow.case_id
        if sort_dir == "desc":
            ordering = (column.desc(), tie_break.desc())
        else:
            ordering = (column.asc(), tie_break.asc())
        total = self._session.execute(
            select(func.count()).select_from(CorpActionCaseRow).where(*conditions)
        ).scalar_one()
        statement = _with_instrument().where(*conditions).order_by(*ordering)
        if limit is not None:
            statement = statement.limit(limit)
        rows = self._session.execute(statement.offset(offset))
        return [_to_domain(case, conid, symbol) for case, conid, symbol in rows], total

    def get(self, case_id: uuid.UUID) -> CorpActionCase:
        """The case with this id.

        Raises:
            NotFoundError: no such case.
        """
        found = self.find(case_id)
        if found is None:
            # SPEC §12: an unknown id is NOT_FOUND whatever the resource.
            raise NotFoundError(
                f"No corporate-action case {case_id}.",
                hint="`flexledger cases list` or GET /corporate-actions/cases "
                "lists the cases and their ids.",
            )
        return found

    def find(self, case_id: uuid.UUID) -> CorpActionCase | None:
        """The case with this id, or None."""
        # populate_existing: a case closed by UPDATE in this session reads fresh.
        row = self._session.execute(
            _with_instrument()
            .where(CorpActionCaseRow.case_id == case_id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None:
            return None
        case, conid, symbol = row
        return _to_domain(case, conid, symbol)

    def resolve(
        self,
        case_id: uuid.UUID,
        *,
        note: str,
        closed_at: dt.datetime,
        owner: str | None = None,
        quantity: Decimal | None = None,
        cost: Decimal | None = None,
    ) -> CorpActionCase:
        """Mark an open case resolved, with the adjustments its resolution records.

        Args:
            case_id: the case.
            note: why it is resolved; required, trimmed.
            closed_at: the instant it is resolved (the caller's clock).
            owner: who resolved it; None keeps the owner it has.
            quantity: the quantity adjustment, if any.
            cost: the cost-basis adjustment, if any.

        Raises:
            CaseNoteRequiredError: the note is blank.
            InvalidRequestError: INVALID_ADJUSTMENT, an adjustment does not fit.
            NotFoundError: no such case.
            CaseAlreadyClosedError: the case is resolved or dismissed already.
        """
        return self._close(
            case_id,
            CaseStatus.RESOLVED,
            note=note,
            closed_at=closed_at,
            owner=owner,
            quantity=quantity_adjustment(quantity),
            cost=cost_adjustment(cost),
        )

    def dismiss(
        self,
        case_id: uuid.UUID,
        *,
        note: str,
        closed_at: dt.datetime,
        owner: str | None = None,
    ) -> CorpActionCase:
        """Mark an open case dismissed: nothing in the ledger needs to change.

        Raises:
            CaseNoteRequiredError: the note is blank.
            NotFoundError: no such case.
            CaseAlreadyClosedError: the case is resolved or dismissed already.
        """
        return self._close(
            case_id,
            CaseStatus.DISMISSED,
            note=note,
            closed_at=closed_at,
            owner=owner,
            quantity=None,
            cost=None,
        )

    def _close(
        self,
        case_id: uuid.UUID,
        status: CaseStatus,
        *,
        note: str,
        closed_at: dt.datetime,
        owner: str | None,
        quantity: Decimal | None,
        cost: Decimal | None,
    ) -> CorpActionCase:
        values: dict[str, Any] = {
            "status": status.value,
            "resolution_note": closing_note(note),
            "resolved_at_utc": closed_at,
            "updated_at_utc": closed_at,
            "quantity_adjustment": quantity,
            "cost_adjustment": cost,
        }
        who = closing_owner(owner)
        if who is not None:
            values["owner"] = who
        changed = self._session.execute(
            update(CorpActionCaseRow)
            .where(
                CorpActionCaseRow.case_id == case_id,
                CorpActionCaseRow.status == CaseStatus.OPEN.value,
            )
            .values(**values)
            .returning(CorpActionCaseRow.case_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if changed is None:
            current = self.get(case_id)
            raise CaseAlreadyClosedError(
                f"Case {case_id} is already {current.status.value} "
                f"({_when(current.resolved_at)})."
            )
        return self.get(case_id)

    def instruments_of(self, case_id: uuid.UUID) -> set[uuid.UUID]:
        """The instruments a case touches: its own and every one its legs name.

        The ledger counts a case against each instrument of its legs
        (LedgerRepository._open_cases), so all of them are recomputed on a change.
        """
        own = self._session.scalar(
            select(CorpActionCaseRow.instrument_id).where(
                CorpActionCaseRow.case_id == case_id
            )
        )
        legs = self._session.scalars(
            select(EventCorpActionRow.instrument_id)
            .join(CorpActionCaseRow, case_of_leg())
            .where(
                CorpActionCaseRow.case_id == case_id,
                EventCorpActionRow.instrument_id.is_not(None),
            )
            .distinct()
        )
        return {i for i in (own, *legs) if i is not None}

    def open_counts(self, instrument_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Per instrument, how many open cases still touch it (0 included).

        Counted as the ledger counts them for `unresolved_cases`: open cases
        reached through the instrument's corporate-action legs.
        """
        wanted = sorted(set(instrument_ids), key=str)
        counts: Counter[uuid.UUID] = Counter()
        for start in range(0, len(wanted), _CHUNK):
            rows = self._session.execute(
                select(EventCorpActionRow.instrument_id, CorpActionCaseRow.case_id)
                .join(CorpActionCaseRow, case_of_leg())
                .where(
                    CorpActionCaseRow.status == CaseStatus.OPEN.value,
                    EventCorpActionRow.instrument_id.in_(
                        wanted[start : start + _CHUNK]
                    ),
                )
                .distinct()
            )
            for instrument_id, _ in rows:
                if instrument_id is not None:
                    counts[instrument_id] += 1
        return {instrument_id: counts[instrument_id] for instrument_id in wanted}


def case_of_leg() -> ColumnElement[bool]:
    """How a corporate-action leg reaches its case.

    Through `manual_case_id` (a case the mapping opened) or through the action id
    (a case the ledger opened for an action the mapping took as automatic).
    """
    return or_(
        CorpActionCaseRow.case_id == EventCorpActionRow.manual_case_id,
        and_(
            CorpActionCaseRow.account_id == EventCorpActionRow.account_id,
            CorpActionCaseRow.action_id == EventCorpActionRow.action_id,
        ),
    )


def _with_instrument() -> Select[CorpActionCaseRow, str, str]:
    # Outer join: a case without an instrument reads None for both columns.
    return select(CorpActionCaseRow, InstrumentRow.conid, InstrumentRow.symbol).join(
        InstrumentRow,
        InstrumentRow.instrument_id == CorpActionCaseRow.instrument_id,
        isouter=True,
    )


def _when(instant: dt.datetime | None) -> str:
    return f"closed {instant.isoformat()}" if instant else "closed"


def _to_domain(
    row: CorpActionCaseRow, conid: str | None, symbol: str | None
) -> CorpActionCase:
    return CorpActionCase(
        case_id=row.case_id,
        account_id=row.account_id,
        action_id=row.action_id,
        action_type=row.action_type,
        instrument_id=row.instrument_id,
        conid=conid,
        symbol=symbol,
        status=CaseStatus(row.status),
        owner=row.owner,
        resolution_note=row.resolution_note,
        resolved_at=row.resolved_at_utc,
        quantity_adjustment=row.quantity_adjustment,
        cost_adjustment=row.cost_adjustment,
        created_at=row.created_at_utc,
        updated_at=row.updated_at_utc,
    )
