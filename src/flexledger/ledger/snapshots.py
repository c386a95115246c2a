"""Daily snapshots of one instrument, from its book, cash, marks and rates.

A snapshot exists on every date the instrument had activity (fills, cash, actions)
and on every statement date (`toDate`, SPEC D-9) while a position is open.
Realized P&L, fees, withholding and dividends are cumulative from the first event,
so a report over a range takes the difference of two snapshots; unrealized P&L is
as of the date. Base-currency figures use each fill's execution rate for realized
P&L and the date's rate for the position's value (SPEC §9).

Broker view: `total_pnl` = realized + unrealized. Economic view adds dividends,
withholding and other fees (SPEC D-13, SCHEMA pnl_snapshot_daily).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.events import FxSource, ValuationSource
from flexledger.domain.ids import natural_key_id
from flexledger.ledger.engine import q8
from flexledger.ledger.fx import RateTable
from flexledger.ledger.model import ZERO, Book, DayCursor, DayEnd, LedgerCode
from flexledger.ledger.valuation import Marks


class CashKind(enum.StrEnum):
    """Which snapshot column an instrument's cash row adds to."""

    DIVIDENDS = "dividends"
    WITHHOLDING_TAX = "withholding_tax"
    OTHER_FEES = "other_fees"


@dataclass(frozen=True, slots=True)
class CashItem:
    """One cash row attributable to an instrument, in base currency."""

    business_date: dt.date
    kind: CashKind
    amount_base: Decimal | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One pnl_snapshot_daily row."""

    snapshot_id: uuid.UUID
    account_id: str
    instrument_id: uuid.UUID
    business_date: dt.date
    position_qty: Decimal
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    total_pnl: Decimal
    fees: Decimal
    withholding_tax: Decimal
    dividends: Decimal
    other_fees: Decimal
    currency: str
    provisional: bool
    valuation_source: str | None
    fx_source: str | None
    local_currency: str
    realized_pnl_local: Decimal
    unrealized_pnl_local: Decimal | None
    mark_price: Decimal | None
    unresolved_cases: int
    diagnostic_codes: str | None

    @property
    def economic_total(self) -> Decimal:
        """Broker total plus dividends, withholding and other fees (signed)."""
        return self.total_pnl + self.dividends + self.withholding_tax + self.other_fees


@dataclass(frozen=True, slots=True)
class InstrumentInputs:
    """Everything besides the book that one instrument's snapshots need."""

    account_id: str
    base_currency: str
    currency: str
    cash: Sequence[CashItem]
    unresolved_cases: int
    flagged_dates: Sequence[tuple[dt.date, LedgerCode]]


@dataclass(slots=True)
class _Running:
    """Cumulative cash per column and the codes flagged so far."""

    totals: dict[CashKind, Decimal]
    cash_known: bool
    codes: set[LedgerCode]


def snapshot_id_for(
    account_id: str, business_date: dt.date, instrument_id: uuid.UUID
) -> uuid.UUID:
    """UUIDv5(account_id:report_date_local:instrument_id)."""
    return natural_key_id(
        "pnl_snapshot_daily", account_id, business_date.isoformat(), str(instrument_id)
    )


def build_snapshots(
    book: Book,
    inputs: InstrumentInputs,
    calendar: Sequence[dt.date],
    marks: Marks,
    rates: RateTable,
    *,
    since: dt.date | None = None,
) -> list[Snapshot]:
    """The instrument's snapshots, in date order (only from `since` when given)."""
    activity = {day.business_date for day in book.days} | {
        c.business_date for c in inputs.cash
    }
    if not activity:
        return []
    first = min(activity)
    cursor = DayCursor(book.days)
    cash = sorted(inputs.cash, key=lambda c: c.business_date)
    flags = sorted(inputs.flagged_dates)
    candidates = sorted(activity | {d for d in calendar if d >= first})
    out: list[Snapshot] = []
    cash_index = flag_index = 0
    running = _Running(dict.fromkeys(CashKind, ZERO), cash_known=True, codes=set())
    for date in candidates:
        state = cursor.on(date)
        while cash_index < len(cash) and cash[cash_index].business_date <= date:
            item = cash[cash_index]
            if item.amount_base is None:
                running.cash_known = False
            else:
                running.totals[item.kind] += item.amount_base
            cash_index += 1
        while flag_index < len(flags) and flags[flag_index][0] <= date:
            running.codes.add(flags[flag_index][1])
            flag_index += 1
        position = state.position if state else ZERO
        if date not in activity and position == 0:
            continue
        if since is not None and date < since:
            continue
        out.append(_snapshot(book, inputs, date, state, running, marks, rates))
    return out


def _snapshot(
    book: Book,
    inputs: InstrumentInputs,
    date: dt.date,
    state: DayEnd | None,
    running: _Running,
    marks: Marks,
    rates: RateTable,
) -> Snapshot:
    codes = set(running.codes)
    totals = running.totals
    position = state.position if state else ZERO
    open_cost = state.open_cost if state else ZERO
    realized_local = state.realized if state else ZERO
    realized_base = state.realized_base if state else ZERO
    charges_base = (state.charges_base if state else ZERO) or ZERO
    if state is not None and (
        state.realized_base is None or state.charges_base is None
    ):
        codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
    if not running.cash_known:
        codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
    mark_price: Decimal | None = None
    valuation: ValuationSource | None = None
    unrealized_local: Decimal | None = None
    unrealized_base = ZERO
    fx_source: FxSource | None = None
    if position != 0:
        mark = marks.mark(book.instrument_id, date)
        mark_price, valuation = mark.price, mark.source
        if mark.code is not None:
            codes.add(mark.code)
        rate, fx_source = rates.rate(inputs.currency, date)
        if mark.price is not None:
            value = position * mark.price
            unrealized_local = q8(value - open_cost)
            open_base = state.open_cost_base if state else ZERO
            if rate is None or open_base is None:
                codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
            else:
                unrealized_base = q8(value * rate - open_base)
    if inputs.unresolved_cases:
        codes.add(LedgerCode.CORP_ACTION_OPEN_CASE)
    realized = q8(realized_base or ZERO)
    other_fees = q8(totals[CashKind.OTHER_FEES])
    cost_basis = None
    if position != 0 and state is not None and state.open_cost_base is not None:
        cost_basis = q8(state.open_cost_base)
    return Snapshot(
        snapshot_id=snapshot_id_for(inputs.account_id, date, book.instrument_id),
        account_id=inputs.account_id,
        instrument_id=book.instrument_id,
        business_date=date,
        position_qty=q8(position),
        cost_basis=cost_basis,
        realized_pnl=realized,
        unrealized_pnl=unrealized_base,
        total_pnl=realized + unrealized_base,
        fees=q8(charges_base) + other_fees,
        withholding_tax=q8(totals[CashKind.WITHHOLDING_TAX]),
        dividends=q8(totals[CashKind.DIVIDENDS]),
        other_fees=other_fees,
        currency=inputs.base_currency,
        provisional=bool(codes),
        valuation_source=valuation.value if valuation else None,
        fx_source=fx_source.value if fx_source else None,
        local_currency=inputs.currency,
        realized_pnl_local=q8(realized_local),
        unrealized_pnl_local=unrealized_local,
        mark_price=mark_price,
        unresolved_cases=inputs.unresolved_cases,
        diagnostic_codes=",".join(sorted(codes)) or None,
    )
