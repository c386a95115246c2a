"""The portfolio as a whole: its value and P&L per business date, and period totals.

Read-only, from the daily snapshots (base currency). A snapshot is written only on
dates an instrument had something to record, so each instrument's last snapshot is
carried forward to later dates: the portfolio on a date is the sum of every
instrument's latest snapshot on or before it.

* value = cost basis + unrealized P&L of the open positions (their marked value);
* P&L = realized + unrealized + dividends + withholding + other fees, cumulative
  (the economic view, SPEC D-13).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexledger.analytics.pnl import InstrumentPnl
from flexledger.db.database import Database
from flexledger.db.repositories.reports import (
    PnlReportFilter,
    ReportRepository,
    SnapshotRecord,
)
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.data_state import data_state

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PortfolioPoint:
    """The portfolio on one business date (base currency)."""

    report_date_local: dt.date
    value: Decimal
    pnl: Decimal
    provisional: bool


@dataclass(frozen=True, slots=True)
class PortfolioHistory:
    """The portfolio per date, in one currency (the base)."""

    currency: str | None
    points: list[PortfolioPoint]


@dataclass(slots=True)
class PortfolioTotals:
    """Period figures summed over every instrument, per currency."""

    currency: str
    realized_pnl: Decimal = _ZERO
    unrealized_pnl: Decimal = _ZERO
    dividends: Decimal = _ZERO
    withholding_tax: Decimal = _ZERO
    fees: Decimal = _ZERO
    other_fees: Decimal = _ZERO
    economic_pnl: Decimal = _ZERO
    value: Decimal = _ZERO
    provisional_count: int = 0
    instrument_ids: list[uuid.UUID] = field(default_factory=list)


def portfolio_history(
    database: Database,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> PortfolioHistory:
    """Value and cumulative P&L on every snapshot date in [from, to].

    Built from every snapshot once per state of the ledger (a 100k-trade account
    has ~100k), then cut to the range.
    """
    key = data_state(database)  # read before the rows (see reports._cached)
    with database.unit_of_work() as uow:
        every = _HISTORY.get(key)
        if every is None:
            # Every snapshot: each date carries each instrument's latest forward.
            records = ReportRepository(uow).history(PnlReportFilter())
            every = PortfolioHistory(
                currency=records[0].currency if records else None,
                points=_carried_forward(records),
            )
            _HISTORY.put(key, every)
    return PortfolioHistory(
        currency=every.currency,
        points=[
            point
            for point in every.points
            if (date_from is None or point.report_date_local >= date_from)
            and (date_to is None or point.report_date_local <= date_to)
        ],
    )


_HISTORY: BoundedCache[tuple[object, ...], PortfolioHistory] = BoundedCache(4)


def totals(rows: Iterable[InstrumentPnl]) -> list[PortfolioTotals]:
    """The period's report rows summed per currency."""
    by_currency: dict[str, PortfolioTotals] = {}
    for row in rows:
        total = by_currency.setdefault(row.currency, PortfolioTotals(row.currency))
        total.realized_pnl += row.realized_pnl
        total.unrealized_pnl += row.unrealized_pnl
        total.dividends += row.dividends
        total.withholding_tax += row.withholding_tax
        total.fees += row.fees
        total.other_fees += row.other_fees
        total.economic_pnl += row.economic_pnl
        total.value += market_value(row)
        total.provisional_count += int(row.provisional)
        total.instrument_ids.append(row.instrument_id)
    return [by_currency[c] for c in sorted(by_currency)]


def market_value(row: InstrumentPnl) -> Decimal:
    """An open position's marked value (cost basis + unrealized); 0 when flat."""
    if row.position_qty == _ZERO:
        return _ZERO
    return (row.cost_basis or _ZERO) + row.unrealized_pnl


def top_positions(
    rows: Sequence[InstrumentPnl], count: int = 10
) -> list[InstrumentPnl]:
    """The open positions with the largest marked value, largest first."""
    open_rows = [row for row in rows if row.position_qty != _ZERO]
    return sorted(open_rows, key=lambda r: abs(market_value(r)), reverse=True)[:count]


def _carried_forward(records: Sequence[SnapshotRecord]) -> list[PortfolioPoint]:
    by_date: dict[dt.date, list[SnapshotRecord]] = {}
    for record in records:
        by_date.setdefault(record.report_date_local, []).append(record)
    latest: dict[uuid.UUID, SnapshotRecord] = {}
    value = pnl = _ZERO
    provisional: set[uuid.UUID] = set()
    points: list[PortfolioPoint] = []
    for day in sorted(by_date):
        for record in by_date[day]:
            before = latest.get(record.instrument_id)
            if before is not None:
                value -= _value(before)
                pnl -= _pnl(before)
            latest[record.instrument_id] = record
            value += _value(record)
            pnl += _pnl(record)
            if record.provisional:
                provisional.add(record.instrument_id)
            else:
                provisional.discard(record.instrument_id)
        points.append(PortfolioPoint(day, value, pnl, bool(provisional)))
    return points


def _value(record: SnapshotRecord) -> Decimal:
    if record.position_qty == _ZERO:
        return _ZERO
    return (record.cost_basis or _ZERO) + record.unrealized_pnl


def _pnl(record: SnapshotRecord) -> Decimal:
    return (
        record.realized_pnl
        + record.unrealized_pnl
        + record.dividends
        + record.withholding_tax
        + record.other_fees
    )
