"""One raw Flex row by id, and the kind of an event known only by its id."""

from __future__ import annotations

import uuid

from flexledger.db.database import Database
from flexledger.db.repositories.raw_rows import RawRowRecord, RawRowRepository
from flexledger.domain.errors import NotFoundError
from flexledger.domain.events import EventKind


def get_raw_row(database: Database, raw_record_id: uuid.UUID) -> RawRowRecord:
    """The stored raw row verbatim, its artifact and run, and the events it gave.

    Raises:
        NotFoundError: no raw row has this id.
    """
    with database.unit_of_work() as uow:
        found = RawRowRepository(uow).get(raw_record_id)
    if found is None:
        raise NotFoundError(f"No raw row {raw_record_id}.")
    return found


def event_kind_of(database: Database, event_id: uuid.UUID) -> EventKind:
    """The kind of the canonical event `event_id`.

    Raises:
        NotFoundError: no canonical event has this id.
    """
    with database.unit_of_work() as uow:
        kind = RawRowRepository(uow).event_kind(event_id)
    if kind is None:
        raise NotFoundError(f"No canonical event {event_id}.")
    return kind
