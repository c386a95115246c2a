"""Which labels each instrument carries, for tables that list many instruments."""

from __future__ import annotations

import uuid

from flexledger.db.database import Database
from flexledger.db.repositories.reports import ReportRepository


def labels_by_instrument(database: Database) -> dict[uuid.UUID, list[str]]:
    """Every instrument's label names, by name (one query for all of them)."""
    with database.unit_of_work() as uow:
        labels = ReportRepository(uow).labels()
    found: dict[uuid.UUID, list[str]] = {}
    for label in labels:
        for instrument_id in label.instrument_ids:
            found.setdefault(instrument_id, []).append(label.name)
    for names in found.values():
        names.sort(key=str.casefold)
    return found
