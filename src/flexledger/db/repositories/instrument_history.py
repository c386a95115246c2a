"""An instrument's history for its page: closed lots, checks against IBKR, snapshots.

Read-only. The instrument repository gives the current state (position, open lots,
latest snapshot); this one gives what led there: every lot closure with its realized
P&L, every ledger check (our figure beside IBKR's), and the daily snapshot series
that the position/price chart is drawn from.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import LedgerCheckRow, LotClosureRow, PnlSnapshotDailyRow


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """One lot (or part of one) closed by one fill, with its realized P&L.

    `realized_pnl` is in `currency` (the instrument's); `realized_pnl_base` in the
    account's base currency; either is None when the basis is unknown.
    """

    lot_closure_id: uuid.UUID
    position_lot_id: uuid.UUID | None
    close_event_trade_fill_id: uuid.UUID
    direction: str
    quantity: Decimal
    cost: Decimal | None
    proceeds: Decimal
    realized_pnl: Decimal | None
    realized_pnl_base: Decimal | None
    currency: str
    open_date_local: dt.date | None
    close_date_local: dt.date
    holding_days: int | None
    basis_source: str


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """One of our figures beside IBKR's, as the tolerance matrix judged it."""

    ledger_check_id: uuid.UUID
    check_kind: str
    event_trade_fill_id: uuid.UUID | None
    report_date_local: dt.date
    metric: str
    ours: Decimal | None
    broker: Decimal
    difference: Decimal | None
    tolerance_abs: Decimal
    tolerance_rel: Decimal
    passed: bool
    reason_code: str | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class SnapshotPoint:
    """One daily snapshot of the instrument (figures in base `currency`)."""

    pnl_snapshot_daily_id: uuid.UUID
    report_date_local: dt.date
    position_qty: Decimal
    mark_price: Decimal | None
    local_currency: str
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    total_pnl: Decimal
    currency: str
    provisional: bool


class InstrumentHistoryRepository:
    """Reads an instrument's closures, checks and snapshot series."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def closures(self, instrument_id: uuid.UUID) -> list[ClosedLot]:
        """Every closure of the instrument, newest close first."""
        rows = self._session.scalars(
            select(LotClosureRow)
            .where(LotClosureRow.instrument_id == instrument_id)
            .order_by(
                LotClosureRow.close_date_local.desc(),
                LotClosureRow.closed_at_utc.desc(),
                LotClosureRow.lot_closure_id,
            )
        )
        return [
            ClosedLot(
                lot_closure_id=r.lot_closure_id,
                position_lot_id=r.position_lot_id,
                close_event_trade_fill_id=r.close_event_trade_fill_id,
                direction=r.direction,
                quantity=r.quantity,
                cost=r.cost,
                proceeds=r.proceeds,
                realized_pnl=r.realized_pnl,
                realized_pnl_base=r.realized_pnl_base,
                currency=r.currency,
                open_date_local=r.open_date_local,
                close_date_local=r.close_date_local,
                holding_days=r.holding_days,
                basis_source=r.basis_source,
            )
            for r in rows
        ]

    def checks(self, instrument_id: uuid.UUID) -> list[LedgerCheck]:
        """Every ledger check of the instrument, newest first."""
        rows = self._session.scalars(
            select(LedgerCheckRow)
            .where(LedgerCheckRow.instrument_id == instrument_id)
            .order_by(
                LedgerCheckRow.report_date_local.desc(),
                LedgerCheckRow.check_kind,
                LedgerCheckRow.ledger_check_id,
            )
        )
        return [
            LedgerCheck(
                ledger_check_id=r.ledger_check_id,
                check_kind=r.check_kind,
                event_trade_fill_id=r.event_trade_fill_id,
                report_date_local=r.report_date_local,
                metric=r.metric,
                ours=r.ours,
                broker=r.broker,
                difference=r.difference,
                tolerance_abs=r.tolerance_abs,
                tolerance_rel=r.tolerance_rel,
                passed=r.passed,
                reason_code=r.reason_code,
                detail=r.detail,
            )
            for r in rows
        ]

    def series(self, instrument_id: uuid.UUID) -> list[SnapshotPoint]:
        """The instrument's daily snapshots, oldest first."""
        rows = self._session.scalars(
            select(PnlSnapshotDailyRow)
            .where(PnlSnapshotDailyRow.instrument_id == instrument_id)
            .order_by(PnlSnapshotDailyRow.report_date_local)
        )
        return [
            SnapshotPoint(
                pnl_snapshot_daily_id=r.pnl_snapshot_daily_id,
                report_date_local=r.report_date_local,
                position_qty=r.position_qty,
                mark_price=r.mark_price,
                local_currency=r.local_currency,
                cost_basis=r.cost_basis,
                realized_pnl=r.realized_pnl,
                unrealized_pnl=r.unrealized_pnl,
                total_pnl=r.total_pnl,
                currency=r.currency,
                provisional=r.provisional,
            )
            for r in rows
        ]
