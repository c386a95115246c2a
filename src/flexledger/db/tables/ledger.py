"""Derived ledger state: open lots and daily P&L snapshots (rebuildable from events)."""

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

    # UUIDv5(account_id:instrument_id:open_event_trade_fill_id), supplied by the ledger.
    position_lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    open_event_trade_fill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_trade_fill.event_trade_fill_id"), nullable=False
    )
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    opened_at_utc: Mapped[dt.datetime] = mapped_column(UtcDateTime, nullable=False)
    closed_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    open_quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    remaining_quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    open_price: Mapped[Decimal] = mapped_column(money(), nullable=False)
    cost_basis_open: Mapped[Decimal] = mapped_column(money(), nullable=False)
    realized_pnl_to_date: Mapped[Decimal] = mapped_column(
        money(), nullable=False, server_default=_ZERO
    )
    status: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=LotStatus.OPEN.value
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
    ingestion_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ingestion_run.ingestion_run_id")
    )
    created_at_utc: Mapped[dt.datetime] = created_at()
