"""End-of-day marks by the SPEC §8 fallbacks.

1. OpenPositions.markPrice for the instrument on that date;
2. Trades.closePrice of a fill that day (latest execution, then highest numeric
   transactionID);
3. the last tradePrice on or before the date: provisional,
   `EOD_MARK_FALLBACK_LAST_TRADE`; a split applied between that trade and the
   date divides it by the split's ratio, so a 4-for-1 split does not value the
   new shares at the old price;
4. none: provisional, `EOD_MARK_MISSING_ALL_SOURCES`, no unrealized P&L.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.events import ValuationSource
from flexledger.ledger.engine import sort_key
from flexledger.ledger.model import Fill, LedgerCode


@dataclass(frozen=True, slots=True)
class Mark:
    """A mark and where it came from; `code` set when it is provisional."""

    price: Decimal | None
    source: ValuationSource
    code: LedgerCode | None = None


@dataclass(frozen=True, slots=True)
class PricedFill:
    """A fill's prices, for marks 2 and 3."""

    fill: Fill
    close_price: Decimal | None


class Marks:
    """Marks of every instrument on any date."""

    def __init__(
        self,
        broker_marks: Iterable[tuple[uuid.UUID, dt.date, Decimal]],
        fills: Iterable[PricedFill],
        splits: Iterable[tuple[uuid.UUID, dt.date, Decimal]] = (),
    ) -> None:
        """Index OpenPositions marks, fill prices and applied splits.

        Args:
            broker_marks: (instrument, date, markPrice).
            fills: every fill with its close price.
            splits: (instrument, business date, new shares per old share) of
                each split the ledger applied.
        """
        self._splits: dict[uuid.UUID, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for instrument_id, day, factor in sorted(
            splits, key=lambda s: (str(s[0]), s[1])
        ):
            self._splits[instrument_id].append((day, factor))
        self._broker = {(i, d): p for i, d, p in broker_marks}
        closes: dict[tuple[uuid.UUID, dt.date], PricedFill] = {}
        trades: dict[uuid.UUID, list[PricedFill]] = defaultdict(list)
        for priced in sorted(
            fills, key=lambda p: (p.fill.business_date, sort_key(p.fill))
        ):
            fill = priced.fill
            if priced.close_price is not None:
                closes[(fill.instrument_id, fill.business_date)] = priced
            trades[fill.instrument_id].append(priced)
        self._closes = {k: v.close_price for k, v in closes.items()}
        self._trade_days = {
            i: [p.fill.business_date for p in rows] for i, rows in trades.items()
        }
        self._trade_prices = {
            i: [p.fill.price for p in rows] for i, rows in trades.items()
        }

    def mark(self, instrument_id: uuid.UUID, day: dt.date) -> Mark:
        """The instrument's end-of-day mark on `day`."""
        broker = self._broker.get((instrument_id, day))
        if broker is not None:
            return Mark(broker, ValuationSource.OPENPOSITIONS_MARK)
        close = self._closes.get((instrument_id, day))
        if close is not None:
            return Mark(close, ValuationSource.TRADES_CLOSE_PRICE)
        days = self._trade_days.get(instrument_id, [])
        index = bisect.bisect_right(days, day) - 1
        if index >= 0:
            price = self._trade_prices[instrument_id][index]
            traded = days[index]
            for split_day, factor in self._splits.get(instrument_id, ()):
                # A split on the trade's own day came before it (IBKR applies
                # it at the open): that price is already the new one.
                if traded < split_day <= day:
                    price = price / factor
            return Mark(
                price,
                ValuationSource.TRADES_LAST_PRICE,
                LedgerCode.EOD_MARK_FALLBACK_LAST_TRADE,
            )
        return Mark(
            None, ValuationSource.MISSING, LedgerCode.EOD_MARK_MISSING_ALL_SOURCES
        )
