"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no exact decimal type: its NUMERIC affinity turns ``12345678901234.12345678``
into a float and loses digits. `ExactDecimal` therefore stores fixed-scale decimal text
on SQLite and native ``numeric(p,s)`` on PostgreSQL, rounding half-even to the column's
scale on the way in on both. `UtcDateTime` refuses naive datetimes and always returns
UTC-aware ones, since SQLite keeps no zone and PostgreSQL answers in the session zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from flexledger.domain.money import DecimalScale, to_scale


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``numeric(precision, scale)`` that round-trips `Decimal` exactly everywhere."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.scale_rule = DecimalScale(precision, scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Text on SQLite, native numeric elsewhere."""
        if dialect.name == "sqlite":
            # Text keeps every digit; the width covers sign, point and all digits.
            return dialect.type_descriptor(String(self.scale_rule.precision + 2))
        return dialect.type_descriptor(
            Numeric(self.scale_rule.precision, self.scale_rule.scale, asdecimal=True)
        )

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Round to the column scale; refuse floats and out-of-range values."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            # Floats would carry binary noise into a money column.
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            else:
                kind = type(value).__name__
                raise TypeError(f"money and quantity columns take Decimal, got {kind}")
        exact = to_scale(value, self.scale_rule)
        return format(exact, "f") if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a Decimal at the column scale."""
        if value is None:
            return None
        if isinstance(value, str):
            # Our own fixed-scale text (SQLite): exact as written, no rounding needed.
            return Decimal(value)
        return to_scale(Decimal(str(value)), self.scale_rule)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A ``timestamptz`` that takes and returns timezone-aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(
                f"instants must be timezone-aware datetimes, got {value!r}"
            )
        utc = value.astimezone(dt.UTC)
        # SQLite stores the text without a zone; by contract it is always UTC.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


def money() -> ExactDecimal:
    """Column type for money and quantities: ``numeric(24,8)`` (SCHEMA conventions)."""
    return ExactDecimal(24, 8)


def fx_rate() -> ExactDecimal:
    """Column type for FX rates: ``numeric(24,10)`` (SCHEMA conventions)."""
    return ExactDecimal(24, 10)
