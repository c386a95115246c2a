"""The one tolerance matrix (SPEC §11) every comparison with IBKR is judged by.

The ledger's per-trade checks, the reconciliation reports, the CSV export and the
UI all call `judge`, so a figure cannot pass in one place and fail in another.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

# ISO 4217 minor units; anything unlisted has two. GBX (pence) is GBP/100 and is
# quoted to two places of pence.
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "HUF": 2,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class Metric(enum.StrEnum):
    """The figures compared with IBKR's."""

    REALIZED_PNL = "realized_pnl"
    UNREALIZED_PNL = "unrealized_pnl"
    FEES = "fees"
    WITHHOLDING_TAX = "withholding_tax"
    POSITION_QTY = "position_qty"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Absolute and relative tolerance, and the places both sides are rounded to."""

    absolute: Decimal
    relative: Decimal
    places: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """One comparison: ours (`a`) beside the broker's (`b`), both rounded."""

    metric: Metric
    ours: Decimal
    broker: Decimal
    difference: Decimal
    tolerance: Tolerance
    passed: bool


def minor_unit(currency: str) -> int:
    """Decimal places of the currency's minor unit (USD 2, JPY 0)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def tolerance_for(metric: Metric, currency: str) -> Tolerance:
    """SPEC §11: money within max(0.01, one minor unit) or 0.01 %; qty 0.000001."""
    if metric is Metric.POSITION_QTY:
        return Tolerance(Decimal("0.000001"), Decimal(0), 6)
    places = minor_unit(currency)
    absolute = max(Decimal("0.01"), Decimal(1).scaleb(-places))
    return Tolerance(absolute, Decimal("0.0001"), places)


def judge(metric: Metric, ours: Decimal, broker: Decimal, currency: str) -> Verdict:
    """Round both half-even to the metric's places, then apply the matrix."""
    tolerance = tolerance_for(metric, currency)
    quantum = Decimal(1).scaleb(-tolerance.places)
    a = ours.quantize(quantum, rounding=ROUND_HALF_EVEN)
    b = broker.quantize(quantum, rounding=ROUND_HALF_EVEN)
    difference = a - b
    passed = abs(difference) <= tolerance.absolute
    if not passed and tolerance.relative:
        passed = abs(difference) / max(abs(b), Decimal("1e-9")) <= tolerance.relative
    return Verdict(metric, a, b, difference, tolerance, passed)
