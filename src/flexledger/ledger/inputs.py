"""The stored facts the ledger is computed from, as the db layer reads them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from flexledger.domain.cases import CaseStatus
from flexledger.domain.records import record


@record
class FillRecord:
    """One stored trade fill (event_trade_fill)."""

    event_id: uuid.UUID
    instrument_id: uuid.UUID
    ib_exec_id: str
    transaction_id: str | None
    executed_at: dt.datetime
    report_date: dt.date
    quantity: Decimal
    price: Decimal
    commission: Decimal | None
    fees: Decimal | None
    realized_pnl: Decimal | None
    cost: Decimal | None
    net_cash: Decimal | None
    net_cash_in_base: Decimal | None
    fx_rate_to_base: Decimal | None
    currency: str
    commission_currency: str | None
    is_cancellation: bool
    close_price: Decimal | None


@record
class CashRecord:
    """One stored cashflow that names an instrument."""

    instrument_id: uuid.UUID
    report_date: dt.date
    cash_action: str
    amount: Decimal
    amount_in_base: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class RateRecord:
    """One daily rate into the base currency."""

    currency: str
    report_date: dt.date
    rate: Decimal


@dataclass(frozen=True, slots=True)
class LegRecord:
    """One corporate-action leg, with the ratio its description gives."""

    action_id: str
    instrument_id: uuid.UUID
    reorg_code: str
    report_date: dt.date
    quantity: Decimal | None
    requires_manual: bool
    ratio: tuple[Decimal, Decimal] | None


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """An identity change that moved an instrument to a new conid."""

    from_instrument_id: uuid.UUID
    to_instrument_id: uuid.UUID
    action_id: str
    report_date: dt.date


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """An OpenPositions summary row: IBKR's quantity, mark and basis on a date.

    `cost_basis_money` is IBKR's total basis of the position in the instrument's
    currency (negative for a short), `fx_rate_to_base` the row's rate into base.
    """

    instrument_id: uuid.UUID
    report_date: dt.date
    position: Decimal
    mark_price: Decimal | None
    cost_basis_money: Decimal | None = None
    fx_rate_to_base: Decimal | None = None


@dataclass(slots=True)
class LedgerInputs:
    """Everything one ledger computation reads."""

    fills: list[FillRecord] = field(default_factory=list)
    cash: list[CashRecord] = field(default_factory=list)
    rates: list[RateRecord] = field(default_factory=list)
    legs: list[LegRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    positions: list[PositionRecord] = field(default_factory=list)
    calendar: list[dt.date] = field(default_factory=list)
    currencies: dict[uuid.UUID, str] = field(default_factory=dict)
    open_cases: dict[uuid.UUID, int] = field(default_factory=dict)
    # Every stored case with an action id, by action id (any status).
    case_status: dict[str, CaseStatus] = field(default_factory=dict)
