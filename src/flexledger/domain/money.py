"""Exact decimal rules for money, quantities and FX rates (SPEC §4).

Money and quantities are stored as ``numeric(24,8)`` and FX rates as
``numeric(24,10)``; rounding is half-even. Values are never floats.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation


@dataclass(frozen=True, slots=True)
class DecimalScale:
    """A fixed decimal precision and scale, as in SQL ``numeric(precision, scale)``.

    Attributes:
        precision: total number of significant digits allowed.
        scale: digits after the decimal point.
    """

    precision: int
    scale: int
    # Derived once: to_scale runs for every stored amount (millions per import).
    quantum: Decimal = field(init=False, compare=False, repr=False)
    bound: Decimal = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantum", _quantum(self.scale))
        object.__setattr__(
            self, "bound", Decimal(1).scaleb(self.precision - self.scale)
        )


@functools.lru_cache(maxsize=64)
def _quantum(scale: int) -> Decimal:
    # Cached: every mapped amount is rounded, and building the quantum each time
    # was a tenth of the mapping time.
    return Decimal(1).scaleb(-scale)


MONEY = DecimalScale(24, 8)
QUANTITY = DecimalScale(24, 8)
FX_RATE = DecimalScale(24, 10)


class DecimalOutOfRangeError(ValueError):
    """A decimal does not fit the column's precision or is not a finite number."""


def to_scale(value: Decimal, scale: DecimalScale) -> Decimal:
    """Round `value` half-even to `scale` and check that it fits.

    Args:
        value: the exact value.
        scale: the target precision and scale.

    Returns:
        The value quantized to ``scale.scale`` decimal places.

    Raises:
        DecimalOutOfRangeError: when the value is NaN or infinite, or has more
            integer digits than ``precision - scale``.
    """
    if not value.is_finite():
        raise DecimalOutOfRangeError(f"{value} is not a finite number")
    try:
        # Positional: C decimal parses keyword arguments slowly (half the cost).
        rounded = value.quantize(scale.quantum, ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise DecimalOutOfRangeError(
            f"{value} does not fit numeric({scale.precision},{scale.scale})"
        ) from exc
    # At most precision - scale integer digits: |rounded| < 10^(precision - scale).
    if abs(rounded) >= scale.bound:
        raise DecimalOutOfRangeError(
            f"{value} does not fit numeric({scale.precision},{scale.scale})"
        )
    return rounded


def money_or_none(value: Decimal | None) -> Decimal | None:
    """`value` at the money scale, None kept (amounts a row may lack)."""
    return None if value is None else to_scale(value, MONEY)


def rate_or_none(value: Decimal | None) -> Decimal | None:
    """`value` at the FX-rate scale, None kept."""
    return None if value is None else to_scale(value, FX_RATE)
