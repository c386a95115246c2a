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


class InstrumentMarks:
    """One instrument's marks on any date, by the fallbacks above.

    Split per instrument so the daily lookups are keyed by date alone: a snapshot
    per held instrument per business day makes them the hottest path of a
    rebuild, and hashing a UUID is a Python-level call.
    """

    def __init__(
        self,
        broker: dict[dt.date, Decimal],
        closes: dict[dt.date, Decimal],
        trades: list[PricedFill],
        splits: list[tuple[dt.date, Decimal]],
    ) -> None:
        """Index one instrument's marks; `trades` and `splits` in date order."""
        self._broker = broker
        self._closes = closes
        self._trade_days = [p.fill.business_date for p in trades]
        self._trade_prices = [p.fill.price for p in trades]
        self._splits = splits
        # The last-trade fallback repeats day after day while nothing trades:
        # the same price gives the same (immutable) mark.
        self._last_fallback: Mark | None = None

    def on(self, day: dt.date) -> Mark:
        """The end-of-day mark on `day`."""
        broker = self._broker.get(day)
        if broker is not None:
            return Mark(broker, ValuationSource.OPENPOSITIONS_MARK)
        close = self._closes.get(day)
        if close is not None:
            return Mark(close, ValuationSource.TRADES_CLOSE_PRICE)
        index = bisect.bisect_right(self._trade_days, day) - 1
        if index < 0:
            return _MISSING
        price = self._trade_prices[index]
        traded = self._trade_days[index]
        for split_day, factor in self._splits:
            # A split on the trade's own day came before it (IBKR applies
            # it at the open): that price is already the new one.
            if traded < split_day <= day:
                price = price / factor
        last = self._last_fallback
        if last is None or last.price is not price:
            last = self._last_fallback = Mark(
                price,
                ValuationSource.TRADES_LAST_PRICE,
                LedgerCode.EOD_MARK_FALLBACK_LAST_TRADE,
            )
        return last


_MISSING = Mark(None, ValuationSource.MISSING, LedgerCode.EOD_MARK_MISSING_ALL_SOURCES)
_NO_MARKS = InstrumentMarks({}, {}, [], [])


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
        by_split: dict[uuid.UUID, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for instrument_id, day, factor in sorted(
            splits, key=lambda s: (str(s[0]), s[1])
        ):
            by_split[instrument_id].append((day, factor))
        broker: dict[uuid.UUID, dict[dt.date, Decimal]] = defaultdict(dict)
        for instrument_id, day, price in broker_marks:
            broker[instrument_id][day] = price
        closes: dict[uuid.UUID, dict[dt.date, Decimal]] = defaultdict(dict)
        trades: dict[uuid.UUID, list[PricedFill]] = defaultdict(list)
        for priced in sorted(
            fills, key=lambda p: (p.fill.business_date, sort_key(p.fill))
        ):
            fill = priced.fill
            if priced.close_price is not None:
                closes[fill.instrument_id][fill.business_date] = priced.close_price
            trades[fill.instrument_id].append(priced)
        self._by_instrument = {
            instrument_id: InstrumentMarks(
                broker.get(instrument_id, {}),
                closes.get(instrument_id, {}),
                trades.get(instrument_id, []),
                by_split.get(instrument_id, []),
            )
            for instrument_id in broker.keys() | trades.keys() | by_split.keys()
        }

    def of(self, instrument_id: uuid.UUID) -> InstrumentMarks:
        """The instrument's marks (every date missing when nothing is known)."""
        return self._by_instrument.get(instrument_id, _NO_MARKS)

    def mark(self, instrument_id: uuid.UUID, day: dt.date) -> Mark:
        """The instrument's end-of-day mark on `day`."""
        return self.of(instrument_id).on(day)
