"""The database-backed Flex call log (`adapter.flex_client.CallLog`).

Each call is its own short transaction, independent of the run's: the pace must
hold even for calls of a run that later fails and rolls back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from flexledger.db.database import Database
from flexledger.db.tables import FlexCallRow

# Only the last minute paces; an hour is kept for a person reading the table.
_KEEP = dt.timedelta(hours=1)


class DatabaseCallLog:
    """Flex calls per token fingerprint, in the ledger's database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def recent(self, key: str, since: float) -> list[float]:
        """Epoch seconds of the key's calls at or after `since`."""
        start = dt.datetime.fromtimestamp(since, tz=dt.UTC)
        with self._database.unit_of_work() as uow:
            found = uow.session.scalars(
                select(FlexCallRow.called_at_utc).where(
                    FlexCallRow.token_fingerprint == key,
                    FlexCallRow.called_at_utc >= start,
                )
            )
            return sorted(at.timestamp() for at in found)

    def record(self, key: str, at: float) -> None:
        """Add one call of the key, and forget calls older than an hour."""
        instant = dt.datetime.fromtimestamp(at, tz=dt.UTC)
        with self._database.unit_of_work() as uow:
            uow.session.execute(
                delete(FlexCallRow).where(FlexCallRow.called_at_utc < instant - _KEEP)
            )
            uow.session.add(FlexCallRow(token_fingerprint=key, called_at_utc=instant))
