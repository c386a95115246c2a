"""The change tokens of the watched tables (migration 0012), for read caches."""

from __future__ import annotations

from sqlalchemy import func, select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import DataVersionRow, IngestionRunRow


class DataVersionRepository:
    """Reads `data_version`: one small indexed table, whatever the ledger's size."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def tokens(self) -> tuple[tuple[str, int], ...]:
        """Every watched table with its token, by name.

        A token changes in the transaction of any write to its table, from any
        process (database triggers), so two equal results mean no watched table
        was written in between.
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
