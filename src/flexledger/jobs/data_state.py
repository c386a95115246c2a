"""The state of the stored data that read caches key on, in one cheap read."""

from __future__ import annotations

from flexledger.db.database import Database
from flexledger.db.repositories.data_versions import DataVersionRepository


def data_state(database: Database) -> tuple[object, ...]:
    """What changes whenever anything a report reads is written, from any process.

    The database, the watched tables' change tokens (moved by triggers in the
    writing transaction: snapshots, checks, events, instruments, labels,
    memberships, notes, cases, artifacts) and the runs, by which raw rows
    arrive. Two equal states mean equal reports.
    """
    with database.unit_of_work() as uow:
        repository = DataVersionRepository(uow)
        return (database.url, repository.tokens(), repository.runs())
