"""An instrument's history: closed lots, checks against IBKR, the snapshot series."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flexledger.db.database import Database
from flexledger.db.repositories.instrument_history import (
    ClosedLot,
    InstrumentHistoryRepository,
    LedgerCheck,
    SnapshotPoint,
)


@dataclass(frozen=True, slots=True)
class InstrumentHistory:
    """What led to the instrument's current state.

    Attributes:
        closures: every lot closure, newest first.
        checks: every ledger check (ours beside IBKR's), newest first.
        series: the daily snapshots, oldest first.
    """

    closures: list[ClosedLot]
    checks: list[LedgerCheck]
    series: list[SnapshotPoint]

    def check_of_fill(self, fill_id: uuid.UUID) -> LedgerCheck | None:
        """The realized-P&L check of one closing fill, if IBKR gave a figure."""
        for check in self.checks:
            if check.event_trade_fill_id == fill_id:
                return check
        return None


def instrument_history(
    database: Database, instrument_id: uuid.UUID
) -> InstrumentHistory:
    """The instrument's closures, checks and snapshots (empty for an unknown id)."""
    with database.unit_of_work() as uow:
        repository = InstrumentHistoryRepository(uow)
        return InstrumentHistory(
            closures=repository.closures(instrument_id),
            checks=repository.checks(instrument_id),
            series=repository.series(instrument_id),
        )
