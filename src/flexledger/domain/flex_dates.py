"""Flex date text → `date`, for the unambiguous formats real statements use."""

from __future__ import annotations

import datetime as dt
import re

_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DASHED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_flex_date(text: str | None) -> dt.date | None:
    """Parse ``yyyyMMdd`` or ``yyyy-MM-dd``; None for empty, ambiguous or bad text.

    ``dd/MM/yy`` and ``MM/dd/yyyy`` are ambiguous and deliberately not guessed.
    """
    if not text:
        return None
    value = text.strip().split(";", 1)[0].split(" ", 1)[0].split(",", 1)[0]
    match = _COMPACT.match(value) or _DASHED.match(value)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
