"""Provenance: the events behind a report row, snapshot or check, and their raw rows.

Pages are kept per state of the stored data (`flexledger.jobs.data_state`: moved
by every write, from any process) and query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from flexledger.db.database import Database
from flexledger.db.repositories.provenance import (
    ProvenanceEvent,
    ProvenanceRepository,
    ProvenanceScope,
    RawSource,
)
from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.events import EventKind
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.data_state import data_state


@dataclass(frozen=True, slots=True)
class ProvenanceRequest:
    """One of the query forms; exactly one of event, instrument, snapshot or check.

    Attributes:
        event: one canonical event as (kind, id).
        instrument_id: an instrument's events between `date_from` and `date_to`.
        snapshot_id: a daily snapshot: its instrument's events up to its date.
        check_id: a ledger check: its fill, or its instrument's events to its date.
    """

    event: tuple[EventKind, uuid.UUID] | None = None
    instrument_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    snapshot_id: uuid.UUID | None = None
    check_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ProvenancePage:
    """One page of events (raw rows inline), how many in all, and the scope.

    `position_rows` are the OpenPositions rows an instrument scope's position,
    basis and marks rest on (none for a one-event scope): a position older than
    the imported history has no event, and its figures still trace to IBKR.
    """

    events: list[ProvenanceEvent]
    total: int
    scope: ProvenanceScope
    position_rows: list[RawSource] = field(default_factory=list)


def trace_provenance(
    database: Database,
    request: ProvenanceRequest,
    *,
    sort_by: str = "report_date_local",
    sort_dir: str = "asc",
    limit: int | None = None,
    offset: int = 0,
) -> ProvenancePage:
    """The events behind the request's figure, each with its raw Flex rows.

    Raises:
        InvalidRequestError: INVALID_FILTER, no query form given.
        NotFoundError: the event, instrument, snapshot or check does not exist.
    """
    # The state is read before the page: a write in between leaves a page newer
    # than its key, replaced on the next request, never an older one.
    key = (data_state(database), request, sort_by, sort_dir, limit, offset)
    page = _PAGES.get_or_build(
        key, lambda: _trace(database, request, sort_by, sort_dir, limit, offset)
    )
    return ProvenancePage(
        list(page.events), page.total, page.scope, list(page.position_rows)
    )


# Pages of the instruments and figures being looked at: each holds up to a page
# of events with their raw rows (a few hundred KB at most).
_PAGES: BoundedCache[tuple[object, ...], ProvenancePage] = BoundedCache(128)


def _trace(
    database: Database,
    request: ProvenanceRequest,
    sort_by: str,
    sort_dir: str,
    limit: int | None,
    offset: int,
) -> ProvenancePage:
    with database.unit_of_work() as uow:
        repository = ProvenanceRepository(uow)
        if request.event is not None:
            scope = repository.scope_of_event(*request.event)
        elif request.snapshot_id is not None:
            scope = repository.scope_of_snapshot(request.snapshot_id)
        elif request.check_id is not None:
            scope = repository.scope_of_check(request.check_id)
        elif request.instrument_id is not None:
            scope = repository.scope_of_instrument(
                request.instrument_id, request.date_from, request.date_to
            )
        else:
            raise InvalidRequestError(
                "Give an event, an instrument, a snapshot or a check.",
                code="INVALID_FILTER",
            )
        events, total = repository.events(
            scope, sort_by=sort_by, sort_dir=sort_dir, limit=limit, offset=offset
        )
        positions = (
            []
            if scope.instrument_id is None
            else repository.position_rows(scope.instrument_id, scope.date_to)
        )
    return ProvenancePage(events, total, scope, positions)
