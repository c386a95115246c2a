from __future__ import annotations

from decimal import Decimal

import pytest

from flexledger.domain.money import FX_RATE, MONEY, DecimalOutOfRangeError, to_scale


def test_rounds_half_even_to_the_scale() -> None:
    assert to_scale(Decimal("1.000000005"), MONEY) == Decimal("1.00000000")
    assert to_scale(Decimal("1.000000015"), MONEY) == Decimal("1.00000002")
    assert to_scale(Decimal("0.12345678905"), FX_RATE) == Decimal("0.1234567890")


def test_largest_value_fits_and_one_more_digit_does_not() -> None:
    assert to_scale(Decimal("9999999999999999.99999999"), MONEY)
    with pytest.raises(DecimalOutOfRangeError):
        to_scale(Decimal("10000000000000000"), MONEY)
    with pytest.raises(DecimalOutOfRangeError):
        to_scale(Decimal("1E+40"), MONEY)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_values_are_refused(value: str) -> None:
    with pytest.raises(DecimalOutOfRangeError, match="not a finite number"):
        to_scale(Decimal(value), MONEY)
