"""The change tokens of the watched tables (migrations 0012, 0013), for read caches."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import DataVersionRow, IngestionRunRow

# An upsert, as in the triggers: a token row deleted by hand comes back.
_BUMP = text(
    "INSERT INTO data_version (table_name, version) VALUES (:table_name, :version) "
    "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version"
)


def bump_tokens(session: Session, tables: Iterable[str]) -> None:
    """Move the tokens of `tables` in the session's transaction.

    For the tables runs write in bulk, which have no row triggers on SQLite
    (migration 0013): their repositories call this once per write instead.
    """
    session.execute(
        _BUMP,
        [
            # 62 bits: a positive BIGINT in both databases.
            {"table_name": name, "version": secrets.randbits(62)}
            for name in sorted(set(tables))
        ],
    )


class DataVersionRepository:
    """Reads `data_version`: one small indexed table, whatever the ledger's size."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def tokens(self) -> tuple[tuple[str, int], ...]:
        """Every watched table with its token, by name.

        A token changes in the transaction of any write to its table, from any
        process (database triggers; on SQLite the bulk tables' writers move theirs,
        see `bump_tokens`), so two equal results mean no watched table was
        written in between.
        """
        rows = self._session.execute(
            select(DataVersionRow.table_name, DataVersionRow.version).order_by(
                DataVersionRow.table_name
            )
        )
        return tuple((name, version) for name, version in rows)

    def runs(self) -> tuple[object, ...]:
        """How many runs there are, the last start and the last end.

        Raw rows are not watched (an import writes hundreds of thousands); they
        are only ever added by a run, which moves this when it starts and ends.
        """
        return tuple(
            self._session.execute(
                select(
                    func.count(),
                    func.max(IngestionRunRow.started_at_utc),
                    func.max(IngestionRunRow.ended_at_utc),
                )
            ).one()
        )
