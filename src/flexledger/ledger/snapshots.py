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
from typing import NamedTuple

from flexledger.domain.events import FxSource
from flexledger.domain.ids import KeyPrefix, natural_key_id
from flexledger.domain.records import record
from flexledger.ledger.engine import q8
from flexledger.ledger.fx import RateTable
from flexledger.ledger.model import ZERO, Book, DayCursor, DayEnd, LedgerCode
from flexledger.ledger.valuation import InstrumentMarks, Mark, Marks


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


@record
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
    writer = _Writer(book, inputs, marks.of(book.instrument_id), rates)
    out: list[Snapshot] = []
    cash_index = flag_index = 0
    for date in candidates:
        state = cursor.on(date)
        if cash_index < len(cash) and cash[cash_index].business_date <= date:
            while cash_index < len(cash) and cash[cash_index].business_date <= date:
                writer.add_cash(cash[cash_index])
                cash_index += 1
            writer.cash_changed()
        if flag_index < len(flags) and flags[flag_index][0] <= date:
            while flag_index < len(flags) and flags[flag_index][0] <= date:
                writer.flag(flags[flag_index][1])
                flag_index += 1
            writer.flags_changed()
        position = state.position if state else ZERO
        if date not in activity and position == 0:
            continue
        if since is not None and date < since:
            continue
        out.append(writer.snapshot(date, state))
    return out


# The two parts below are named tuples, not frozen dataclasses: one is built per
# snapshot of an activity day, and a frozen dataclass sets each field through
# object.__setattr__.


class _StateFigures(NamedTuple):
    """What a snapshot takes from the book's day-end state alone."""

    position: Decimal
    position_qty: Decimal
    open_cost: Decimal
    open_cost_base: Decimal | None
    cost_basis: Decimal | None
    realized: Decimal
    realized_local: Decimal
    charges: Decimal
    fx_missing: bool

    @classmethod
    def of(cls, state: DayEnd | None) -> _StateFigures:
        position = state.position if state else ZERO
        open_cost_base = state.open_cost_base if state else ZERO
        realized_base = state.realized_base if state else ZERO
        return cls(
            position=position,
            position_qty=q8(position),
            open_cost=state.open_cost if state else ZERO,
            open_cost_base=open_cost_base,
            cost_basis=(
                q8(open_cost_base)
                if position != 0 and state is not None and open_cost_base is not None
                else None
            ),
            realized=q8(realized_base or ZERO),
            realized_local=q8(state.realized if state else ZERO),
            charges=q8((state.charges_base if state else ZERO) or ZERO),
            fx_missing=state is not None
            and (state.realized_base is None or state.charges_base is None),
        )


class _Valuation(NamedTuple):
    """What a snapshot takes from the mark and the rate of its date."""

    mark_price: Decimal | None
    valuation_source: str | None
    fx_source: str | None
    unrealized_local: Decimal | None
    unrealized_base: Decimal
    codes: frozenset[LedgerCode]


_NOT_HELD = _Valuation(None, None, None, None, ZERO, frozenset())


class _Writer:
    """One instrument's snapshots, date after date in ascending order.

    Most snapshots of a daily calendar repeat the day before: the same day-end
    state, cash, mark and rate. Each part of a snapshot is therefore computed when
    what it depends on changes (compared by identity, so a reused figure is the
    very value a recomputation would give) and the rest of the time reused.
    """

    def __init__(
        self,
        book: Book,
        inputs: InstrumentInputs,
        marks: InstrumentMarks,
        rates: RateTable,
    ) -> None:
        self._instrument_id = book.instrument_id
        # snapshot_id_for's key: the account leads, the instrument ends it.
        self._ids = KeyPrefix("pnl_snapshot_daily", inputs.account_id)
        self._instrument_key = str(book.instrument_id)
        self._inputs = inputs
        self._marks = marks
        self._rates = rates
        self._totals = dict.fromkeys(CashKind, ZERO)
        self._cash_known = True
        self._flagged: set[LedgerCode] = set()
        self._cash = self._cash_figures()
        self._base_codes = self._standing_codes()
        self._state: DayEnd | None = None
        self._figures = _StateFigures.of(None)
        self._valued_for: tuple[_StateFigures, Mark, Decimal | None, FxSource] | None
        self._valued_for = None
        self._valuation = _NOT_HELD
        self._code_text: dict[tuple[object, ...], str | None] = {}

    # -- what accumulates ------------------------------------------------------------

    def add_cash(self, item: CashItem) -> None:
        if item.amount_base is None:
            self._cash_known = False
        else:
            self._totals[item.kind] += item.amount_base

    def cash_changed(self) -> None:
        self._cash = self._cash_figures()
        self._base_codes = self._standing_codes()

    def flag(self, code: LedgerCode) -> None:
        self._flagged.add(code)

    def flags_changed(self) -> None:
        self._base_codes = self._standing_codes()

    def _cash_figures(self) -> tuple[Decimal, Decimal, Decimal]:
        """Other fees, withholding and dividends so far, at the stored scale."""
        totals = self._totals
        return (
            q8(totals[CashKind.OTHER_FEES]),
            q8(totals[CashKind.WITHHOLDING_TAX]),
            q8(totals[CashKind.DIVIDENDS]),
        )

    def _standing_codes(self) -> frozenset[LedgerCode]:
        """Codes every snapshot from now on carries, whatever its state and mark."""
        codes = set(self._flagged)
        if not self._cash_known:
            codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
        if self._inputs.unresolved_cases:
            codes.add(LedgerCode.CORP_ACTION_OPEN_CASE)
        return frozenset(codes)

    # -- one date --------------------------------------------------------------------

    def snapshot(self, date: dt.date, state: DayEnd | None) -> Snapshot:
        if state is not self._state:
            self._state, self._figures = state, _StateFigures.of(state)
        figures = self._figures
        valuation = self._value(date, figures) if figures.position != 0 else _NOT_HELD
        provisional, codes = self._codes(figures.fx_missing, valuation.codes)
        other_fees, withholding, dividends = self._cash
        inputs = self._inputs
        return Snapshot(
            snapshot_id=self._ids.id(date.isoformat(), self._instrument_key),
            account_id=inputs.account_id,
            instrument_id=self._instrument_id,
            business_date=date,
            position_qty=figures.position_qty,
            cost_basis=figures.cost_basis,
            realized_pnl=figures.realized,
            unrealized_pnl=valuation.unrealized_base,
            total_pnl=figures.realized + valuation.unrealized_base,
            fees=figures.charges + other_fees,
            withholding_tax=withholding,
            dividends=dividends,
            other_fees=other_fees,
            currency=inputs.base_currency,
            provisional=provisional,
            valuation_source=valuation.valuation_source,
            fx_source=valuation.fx_source,
            local_currency=inputs.currency,
            realized_pnl_local=figures.realized_local,
            unrealized_pnl_local=valuation.unrealized_local,
            mark_price=valuation.mark_price,
            unresolved_cases=inputs.unresolved_cases,
            diagnostic_codes=codes,
        )

    def _value(self, date: dt.date, figures: _StateFigures) -> _Valuation:
        """The held position at the date's mark and rate."""
        mark = self._marks.on(date)
        rate, fx_source = self._rates.rate(self._inputs.currency, date)
        last = self._valued_for
        if (
            last is None
            or last[0] is not figures
            or last[1] is not mark
            or last[2] is not rate
            or last[3] is not fx_source
        ):
            self._valued_for = (figures, mark, rate, fx_source)
            self._valuation = _valuation(figures, mark, rate, fx_source)
        return self._valuation

    def _codes(
        self, fx_missing: bool, valuation_codes: frozenset[LedgerCode]
    ) -> tuple[bool, str | None]:
        """Whether the snapshot is provisional, and its codes as stored."""
        key = (self._base_codes, fx_missing, valuation_codes)
        text = self._code_text.get(key)
        if text is None and key not in self._code_text:
            codes = set(self._base_codes) | valuation_codes
            if fx_missing:
                codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
            text = self._code_text[key] = ",".join(sorted(codes)) or None
        return text is not None, text


def _valuation(
    figures: _StateFigures,
    mark: Mark,
    rate: Decimal | None,
    fx_source: FxSource,
) -> _Valuation:
    codes: set[LedgerCode] = set()
    if mark.code is not None:
        codes.add(mark.code)
    unrealized_local: Decimal | None = None
    unrealized_base = ZERO
    if mark.price is not None:
        value = figures.position * mark.price
        unrealized_local = q8(value - figures.open_cost)
        open_base = figures.open_cost_base
        if rate is None or open_base is None:
            codes.add(LedgerCode.FX_RATE_MISSING_ALL_SOURCES)
        else:
            unrealized_base = q8(value * rate - open_base)
    return _Valuation(
        mark_price=mark.price,
        valuation_source=mark.source.value,
        fx_source=fx_source.value if fx_source else None,
        unrealized_local=unrealized_local,
        unrealized_base=unrealized_base,
        codes=frozenset(codes),
    )
