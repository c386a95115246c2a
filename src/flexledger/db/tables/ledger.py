"""Derived ledger state: lots, closures, daily snapshots, checks against IBKR.

All of it is rebuilt from canonical events.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at, updated_at, uuid_pk
from flexledger.db.tables.columns import one_of
from flexledger.db.types import UtcDateTime, money
from flexledger.domain.lots import LotDirection, LotStatus

_ZERO = text("0")


class PositionLotRow(Base):
    """A lot opened by one fill; quantities are magnitudes, `direction` the sign."""

    __tablename__ = "position_lot"
    __table_args__ = (
        # CAST: on SQLite the column holds exact decimal text (db/types.py).
        CheckConstraint(
            "CAST(remaining_quantity AS NUMERIC) >= 0", name="remaining_non_negative"
        ),
        one_of("status", LotStatus),
        one_of("direction", LotDirection),
        Index("ix_position_lot_instrument_status", "instrument_id", "status"),
        Index("ix_position_lot_account_instrument", "account_id", "instrument_id"),
    )

    # UUIDv5(account_id:instrument_id:open_event_trade_fill_id), supplied by the ledger
    # (a seeded lot: UUIDv5 over instrument, "broker_opening" and its date).
    position_lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    # [new] Null, as opened_at_utc, for a lot seeded from IBKR's OpenPositions
    # (history before the first import): no fill opened it, its open instant is
    # unknown and so is the holding period of its closures.
    open_event_trade_fill_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event_trade_fill.event_trade_fill_id")
    )
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    opened_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    open_quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    remaining_quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    open_price: Mapped[Decimal] = mapped_column(money(), nullable=False)
    cost_basis_open: Mapped[Decimal] = mapped_column(money(), nullable=False)
    # [new] the basis at the opening fill's execution FX, for base-currency P&L.
    cost_basis_open_base: Mapped[Decimal | None] = mapped_column(money())
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    realized_pnl_to_date: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    status: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=LotStatus.OPEN.value
    )
    # [new] where the cost came from: `lots` (an imported fill) or
    # `broker_position` (seeded from OpenPositions.costBasisMoney).
    basis_source: Mapped[str] = mapped_column(
        Text, nullable=False, server_default="lots"
    )
    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()


class PnlSnapshotDailyRow(Base):
    """Position and P&L of one instrument on one business date, in base currency.

    Economic total = total_pnl + dividends + withholding_tax + other_fees (signed).
    """

    __tablename__ = "pnl_snapshot_daily"
    __table_args__ = (
        UniqueConstraint(
            "account_id",
            "report_date_local",
            "instrument_id",
            name="uq_pnl_snapshot_daily_account_date_instrument",
        ),
        Index(
            "ix_pnl_snapshot_daily_report_date_instrument",
            "report_date_local",
            "instrument_id",
        ),
        Index(
            "ix_pnl_snapshot_daily_provisional_report_date",
            "provisional",
            "report_date_local",
        ),
    )

    # UUIDv5(account_id:report_date_local:instrument_id), supplied by the ledger.
    pnl_snapshot_daily_id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    position_qty: Mapped[Decimal] = mapped_column(money(), nullable=False)
    cost_basis: Mapped[Decimal | None] = mapped_column(money())
    realized_pnl: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    unrealized_pnl: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    total_pnl: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    fees: Mapped[Decimal] = mapped_column(money(), nullable=False, server_default=_ZERO)
    withholding_tax: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    dividends: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    other_fees: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    provisional: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    valuation_source: Mapped[str | None] = mapped_column(Text)
    fx_source: Mapped[str | None] = mapped_column(Text)
    # [new] the same figures in the instrument's currency, the mark used, how many
    # open corporate-action cases touch the instrument, and why it is provisional.
    local_currency: Mapped[str] = mapped_column(Text, nullable=False)
    realized_pnl_local: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    unrealized_pnl_local: Mapped[Decimal | None] = mapped_column(money())
    mark_price: Mapped[Decimal | None] = mapped_column(money())
    unresolved_cases: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=_ZERO
    )
    diagnostic_codes: Mapped[str | None] = mapped_column(Text)
    ingestion_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ingestion_run.ingestion_run_id")
    )
    created_at_utc: Mapped[dt.datetime] = created_at()


class LotClosureRow(Base):
    """[new] One lot (or part of one) closed by one fill: the realized P&L's proof."""

    __tablename__ = "lot_closure"
    __table_args__ = (
        one_of("direction", LotDirection),
        Index(
            "ix_lot_closure_instrument_close_date", "instrument_id", "close_date_local"
        ),
        Index("ix_lot_closure_close_fill", "close_event_trade_fill_id"),
        # Deleting a lot makes the database look for closures pointing at it
        # (the foreign key): without this, a scan of every closure per lot.
        Index("ix_lot_closure_position_lot", "position_lot_id"),
    )

    # UUIDv5(account_id:close fill:lot or "broker":sequence), supplied by the ledger.
    lot_closure_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    # Null when no known lot covered the quantity (history before the first import).
    position_lot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("position_lot.position_lot_id")
    )
    close_event_trade_fill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_trade_fill.event_trade_fill_id"), nullable=False
    )
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    cost: Mapped[Decimal | None] = mapped_column(money())
    proceeds: Mapped[Decimal] = mapped_column(money(), nullable=False)
    realized_pnl: Mapped[Decimal | None] = mapped_column(money())
    realized_pnl_base: Mapped[Decimal | None] = mapped_column(money())
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    opened_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at_utc: Mapped[dt.datetime] = mapped_column(UtcDateTime, nullable=False)
    open_date_local: Mapped[dt.date | None] = mapped_column(Date)
    close_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    holding_days: Mapped[int | None] = mapped_column(Integer)
    basis_source: Mapped[str] = mapped_column(Text, nullable=False)


class LedgerCheckRow(Base):
    """[new] One of our figures beside IBKR's, judged by the tolerance matrix."""

    __tablename__ = "ledger_check"
    __table_args__ = (
        Index("ix_ledger_check_instrument_date", "instrument_id", "report_date_local"),
        Index("ix_ledger_check_kind_passed", "check_kind", "passed"),
    )

    # UUIDv5(account_id:check_kind:subject), supplied by the ledger.
    ledger_check_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    check_kind: Mapped[str] = mapped_column(Text, nullable=False)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    event_trade_fill_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event_trade_fill.event_trade_fill_id")
    )
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    metric: Mapped[str] = mapped_column(Text, nullable=False)
    ours: Mapped[Decimal | None] = mapped_column(money())
    broker: Mapped[Decimal] = mapped_column(money(), nullable=False)
    difference: Mapped[Decimal | None] = mapped_column(money())
    tolerance_abs: Mapped[Decimal] = mapped_column(money(), nullable=False)
    tolerance_rel: Mapped[Decimal] = mapped_column(money(), nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason_code: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
