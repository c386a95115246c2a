"""Instruments: list them (search, label, open position) and show one in full."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flexledger.db.database import Database
from flexledger.db.repositories.instruments import (
    InstrumentDetail,
    InstrumentFilter,
    InstrumentRepository,
    InstrumentSummary,
)


@dataclass(frozen=True, slots=True)
class InstrumentPage:
    """One page of instruments and how many match in all."""

    instruments: list[InstrumentSummary]
    total: int


def list_instruments(
    database: Database,
    filters: InstrumentFilter | None = None,
    *,
    sort_by: str = "symbol",
    sort_dir: str = "asc",
    limit: int | None = None,
    offset: int = 0,
) -> InstrumentPage:
    """Instruments matching `filters`, by symbol (all of them when `limit` is None)."""
    with database.unit_of_work() as uow:
        instruments, total = InstrumentRepository(uow).list_instruments(
            filters or InstrumentFilter(),
            sort_by=sort_by,
            sort_dir=sort_dir,
            limit=limit,
            offset=offset,
        )
    return InstrumentPage(instruments, total)


def get_instrument(database: Database, instrument_id: uuid.UUID) -> InstrumentDetail:
    """One instrument with aliases, labels, position, lots, snapshot, events, notes.

    Raises:
        NotFoundError: no such instrument.
    """
    with database.unit_of_work() as uow:
        return InstrumentRepository(uow).get(instrument_id)
