"""Canonical events mapped from raw rows, and the manual cases corporate actions open.

Every event links to the raw record it came from and the run that first stored it;
ids are UUIDv5 over the natural key (SPEC §0 P5), supplied by the mapper, so a
rebuild from raw reproduces them.
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
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from flexledger.db.base import Base, created_at, updated_at
from flexledger.db.tables.columns import one_of
from flexledger.db.types import UtcDateTime, fx_rate, money
from flexledger.domain.cases import CaseStatus
from flexledger.domain.events import CashAction, FxSource, Side


class _EventProvenance:
    """Columns every event table shares: account, origin run and source raw row."""

    account_id: Mapped[str] = mapped_column(Text, nullable=False)

    @declared_attr
    def ingestion_run_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr
        return mapped_column(
            ForeignKey("ingestion_run.ingestion_run_id"), nullable=False, index=True
        )

    @declared_attr
    def source_raw_record_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr
        return mapped_column(
            ForeignKey("raw_record.raw_record_id"), nullable=False, index=True
        )

    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()


class EventTradeFillRow(_EventProvenance, Base):
    """One stock execution (Flex `Trade` at EXECUTION level)."""

    __tablename__ = "event_trade_fill"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "ib_exec_id", name="uq_event_trade_fill_account_exec"
        ),
        one_of("side", Side),
        Index(
            "ix_event_trade_fill_instrument_report_date",
            "instrument_id",
            "report_date_local",
        ),
    )

    event_trade_fill_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id"), nullable=False
    )
    ib_exec_id: Mapped[str] = mapped_column(Text, nullable=False)
    transaction_id: Mapped[str | None] = mapped_column(Text)
    trade_timestamp_utc: Mapped[dt.datetime] = mapped_column(
        UtcDateTime, nullable=False
    )
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    side: Mapped[str] = mapped_column(Text, nullable=False)
    quantity: Mapped[Decimal] = mapped_column(money(), nullable=False)
    price: Mapped[Decimal] = mapped_column(money(), nullable=False)
    cost: Mapped[Decimal | None] = mapped_column(money())
    commission: Mapped[Decimal | None] = mapped_column(money())
    fees: Mapped[Decimal | None] = mapped_column(money())
    realized_pnl: Mapped[Decimal | None] = mapped_column(money())
    net_cash: Mapped[Decimal | None] = mapped_column(money())
    net_cash_in_base: Mapped[Decimal | None] = mapped_column(money())
    fx_rate_to_base: Mapped[Decimal | None] = mapped_column(fx_rate())
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    functional_currency: Mapped[str] = mapped_column(Text, nullable=False)
    commission_currency: Mapped[str | None] = mapped_column(Text)
    # [new] a cancellation offsets its original instead of trading again; the
    # closing price is the EOD mark's second source (SPEC §8).
    is_cancellation: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    close_price: Mapped[Decimal | None] = mapped_column(money())


class EventCashflowRow(_EventProvenance, Base):
    """One cash transaction: dividend, withholding, fee, interest, deposit and so on."""

    __tablename__ = "event_cashflow"
    __table_args__ = (
        UniqueConstraint(
            "account_id",
            "transaction_id",
            "cash_action",
            "currency",
            name="uq_event_cashflow_account_txn_action_ccy",
        ),
        one_of("cash_action", CashAction),
        Index(
            "ix_event_cashflow_instrument_report_date",
            "instrument_id",
            "report_date_local",
        ),
    )

    event_cashflow_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("instrument.instrument_id")
    )
    transaction_id: Mapped[str] = mapped_column(Text, nullable=False)
    cash_action: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    effective_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    amount: Mapped[Decimal] = mapped_column(money(), nullable=False)
    amount_in_base: Mapped[Decimal | None] = mapped_column(money())
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    functional_currency: Mapped[str] = mapped_column(Text, nullable=False)
    withholding_tax: Mapped[Decimal | None] = mapped_column(money())
    fees: Mapped[Decimal | None] = mapped_column(money())
    is_correction: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    action_id: Mapped[str | None] = mapped_column(Text)


class EventFxRow(_EventProvenance, Base):
    """One daily conversion rate into the base currency (Flex `ConversionRate`)."""

    __tablename__ = "event_fx"
    __table_args__ = (
        UniqueConstraint(
            "account_id",
            "transaction_id",
            "currency",
            "functional_currency",
            name="uq_event_fx_account_txn_ccy_pair",
        ),
        one_of("fx_source", FxSource),
        Index("ix_event_fx_report_date_local", "report_date_local"),
        # SCHEMA [new]: the nearest-earlier rate lookup.
        Index(
            "ix_event_fx_pair_report_date",
            "currency",
            "functional_currency",
            "report_date_local",
        ),
    )

    event_fx_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # SPEC D-2: synthetic CR:{reportDate}:{from}:{to}, since the rows have no id.
    transaction_id: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    functional_currency: Mapped[str] = mapped_column(Text, nullable=False)
    fx_rate: Mapped[Decimal | None] = mapped_column(fx_rate())
    fx_source: Mapped[str] = mapped_column(Text, nullable=False)
    provisional: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    diagnostic_code: Mapped[str | None] = mapped_column(Text)


class CorpActionCaseRow(Base):
    """A corporate action a person must resolve (SPEC §10); legs group by action_id."""

    __tablename__ = "corp_action_case"
    __table_args__ = (
        one_of("status", CaseStatus),
        CheckConstraint(
            "status = 'open' OR "
            "(resolution_note IS NOT NULL AND resolved_at_utc IS NOT NULL)",
            name="closed_case_explained",
        ),
        # Cases opened from the fallback key have no action_id.
        Index(
            "uq_corp_action_case_account_action",
            "account_id",
            "action_id",
            unique=True,
            sqlite_where=text("action_id IS NOT NULL"),
            postgresql_where=text("action_id IS NOT NULL"),
        ),
        Index("ix_corp_action_case_status_created", "status", "created_at_utc"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    action_id: Mapped[str | None] = mapped_column(Text)
    action_type: Mapped[str] = mapped_column(Text, nullable=False)
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("instrument.instrument_id")
    )
    status: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=CaseStatus.OPEN.value
    )
    owner: Mapped[str | None] = mapped_column(Text)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # [new] what a resolution records for the instrument's lots; only a resolved
    # case carries them (SPEC §10 leaves applying them to the ledger post-MVP).
    quantity_adjustment: Mapped[Decimal | None] = mapped_column(money())
    cost_adjustment: Mapped[Decimal | None] = mapped_column(money())
    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()


class EventCorpActionRow(_EventProvenance, Base):
    """One leg of a corporate action; legs of an action share `action_id` (D-3)."""

    __tablename__ = "event_corp_action"
    __table_args__ = (
        CheckConstraint(
            "action_id IS NOT NULL OR transaction_id IS NOT NULL", name="key_present"
        ),
        # SPEC D-3: the leg key treats NULLs as equal. PostgreSQL ≥ 15 says so
        # natively; the two partial indexes below give SQLite the same guarantee
        # (the CHECK above rules out both parts being NULL).
        UniqueConstraint(
            "account_id",
            "action_id",
            "conid",
            "transaction_id",
            name="uq_event_corp_action_leg",
            postgresql_nulls_not_distinct=True,
        ),
        Index(
            "uq_event_corp_action_leg_no_txn",
            "account_id",
            "action_id",
            "conid",
            unique=True,
            sqlite_where=text("transaction_id IS NULL"),
            postgresql_where=text("transaction_id IS NULL"),
        ),
        Index(
            "uq_event_corp_action_leg_no_action",
            "account_id",
            "conid",
            "transaction_id",
            unique=True,
            sqlite_where=text("action_id IS NULL"),
            postgresql_where=text("action_id IS NULL"),
        ),
        UniqueConstraint(
            "account_id",
            "transaction_id",
            "conid",
            "report_date_local",
            "reorg_code",
            name="uq_event_corp_action_fallback",
        ),
        Index(
            "ix_event_corp_action_instrument_report_date",
            "instrument_id",
            "report_date_local",
        ),
        Index("ix_event_corp_action_account_action", "account_id", "action_id"),
    )

    event_corp_action_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("instrument.instrument_id")
    )
    conid: Mapped[str] = mapped_column(Text, nullable=False)
    action_id: Mapped[str | None] = mapped_column(Text)
    transaction_id: Mapped[str | None] = mapped_column(Text)
    reorg_code: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    requires_manual: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    provisional: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=false()
    )
    manual_case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("corp_action_case.case_id")
    )
    quantity: Mapped[Decimal | None] = mapped_column(money())
    amount: Mapped[Decimal | None] = mapped_column(money())
    proceeds: Mapped[Decimal | None] = mapped_column(money())
    currency: Mapped[str | None] = mapped_column(Text)
