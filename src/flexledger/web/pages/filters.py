"""Jinja filters: money with its currency, quantities, dates and instants.

Every figure reaches a template as a `Decimal`; these filters only format it
(half-even to the shown places, thousands separated), they never compute.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from jinja2 import Environment

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_FLEX_INSTANT = re.compile(r"\d{8};\d{6}")


def money(value: Decimal | None, currency: str | None = None) -> str:
    """``1,234.56 USD``; an em dash for a missing figure."""
    if value is None:
        return "—"
    shown = f"{value.quantize(_CENT):,.2f}"
    if shown == "-0.00":
        shown = "0.00"
    return f"{shown} {currency}" if currency else shown


def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: ``1,250`` or ``0.5``."""
    if value is None:
        return "—"
    if value == _ZERO:
        return "0"
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{normal.quantize(Decimal(1)):,}"
    return f"{normal:,f}"


def price(value: Decimal | None, currency: str | None = None) -> str:
    """A price: up to 6 places, trailing zeros dropped."""
    if value is None:
        return "—"
    shown = quantity(value.quantize(Decimal("0.000001")))
    return f"{shown} {currency}" if currency else shown


def percent(value: Decimal | None) -> str:
    """A ratio as a percentage, up to 4 places: ``0.0001`` is ``0.01 %``."""
    if value is None:
        return "—"
    return f"{quantity((value * 100).quantize(Decimal('0.0001')))} %"


def sign_class(value: Decimal | None) -> str:
    """The CSS class of a signed figure: ``neg``, ``pos`` or ``zero``."""
    if value is None or value == _ZERO:
        return "zero"
    return "neg" if value < _ZERO else "pos"


def instant(value: dt.datetime | str | None) -> str:
    """``2025-01-02 10:00:00 UTC``."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def short_instant(value: dt.datetime | None) -> str:
    """``2025-01-02 10:00`` (UTC), for narrow table cells."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M")


def flex_instant(value: str | None) -> str:
    """IBKR's ``20250102;053000`` as ``2025-01-02 05:30:00``; other text as it is."""
    if not value:
        return "—"
    if not _FLEX_INSTANT.fullmatch(value):
        return value
    d, t = value[:8], value[9:]
    return f"{d[:4]}-{d[4:6]}-{d[6:]} {t[:2]}:{t[2:4]}:{t[4:]}"


def day(value: dt.date | None) -> str:
    """``2025-01-02``."""
    return "—" if value is None else value.isoformat()


def duration(milliseconds: int | None) -> str:
    """``850 ms``, ``12.3 s`` or ``4 min 05 s``."""
    if milliseconds is None:
        return "—"
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def short_id(value: Any) -> str:
    """The first 8 characters of an id, for tables (the link carries the full id)."""
    return str(value)[:8]


def install_filters(environment: Environment) -> None:
    """Register every filter on `environment`."""
    environment.filters.update(
        money=money,
        quantity=quantity,
        price=price,
        percent=percent,
        sign_class=sign_class,
        instant=instant,
        short_instant=short_instant,
        day=day,
        flex_instant=flex_instant,
        duration=duration,
        short_id=short_id,
    )
