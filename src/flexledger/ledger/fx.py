"""FX into the base currency by the SPEC §8 fallbacks.

Execution rate: the row's `fxRateToBase` (> 0), else |netCashInBase| / |netCash| at
10 places, else ConversionRates on the date or the nearest earlier one. Valuation
uses ConversionRates the same way. The base currency itself is 1.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from flexledger.domain.events import FxSource

_RATE = Decimal("0.0000000001")
ONE = Decimal(1)


class RateTable:
    """Daily rates of each currency into the base currency."""

    def __init__(
        self, base_currency: str, rates: Iterable[tuple[str, dt.date, Decimal]]
    ) -> None:
        """Keep the rates into `base_currency`; for one date the last given wins."""
        self.base_currency = base_currency
        by_currency: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
        for currency, day, rate in rates:
            if rate > 0:
                by_currency[currency][day] = rate
        self._days = {c: sorted(days) for c, days in by_currency.items()}
        self._rates = {
            c: [days[d] for d in self._days[c]] for c, days in by_currency.items()
        }

    def rate(self, currency: str, day: dt.date) -> tuple[Decimal | None, FxSource]:
        """The rate on `day`, else the nearest earlier one; None when neither."""
        if currency == self.base_currency:
            return ONE, FxSource.IDENTITY_BASE
        days = self._days.get(currency)
        if not days:
            return None, FxSource.MISSING
        index = bisect.bisect_right(days, day) - 1
        if index < 0:
            return None, FxSource.MISSING
        return self._rates[currency][index], FxSource.CONVERSION_RATES

    def convert(
        self, amount: Decimal, currency: str, target: str, day: dt.date
    ) -> Decimal | None:
        """`amount` of `currency` in `target`, through the base currency."""
        if currency == target:
            return amount
        source, _ = self.rate(currency, day)
        into, _ = self.rate(target, day)
        if source is None or into is None:
            return None
        return amount * source / into


def execution_rate(
    currency: str,
    fx_rate_to_base: Decimal | None,
    net_cash: Decimal | None,
    net_cash_in_base: Decimal | None,
    day: dt.date,
    table: RateTable,
) -> tuple[Decimal | None, FxSource]:
    """SPEC §8 execution FX for one row (currency → base)."""
    if fx_rate_to_base is not None and fx_rate_to_base > 0:
        return fx_rate_to_base, FxSource.TRADE_FX_RATE_TO_BASE
    if net_cash and net_cash_in_base is not None:
        ratio = abs(net_cash_in_base) / abs(net_cash)
        return ratio.quantize(_RATE, rounding=ROUND_HALF_EVEN), (
            FxSource.DERIVED_NET_CASH_RATIO
        )
    return table.rate(currency, day)
