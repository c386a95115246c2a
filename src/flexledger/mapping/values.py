"""Flex attribute text → typed values: decimals, dates, UTC instants, trade sides.

Every Flex attribute arrives as text, and the same statement can spell a value in
several ways depending on how the Flex Query was configured (date format, time
format, thousands separators) and on the section it came from. Reading those
spellings in one place keeps mappers from each growing their own half-right parser,
and lets the rules be strict where guessing would corrupt the ledger:

* Numbers become exact `Decimal`s, never floats; NaN and infinities are refused.
* Day/month order cannot be told from ``05/02/2013``, so such dates are refused with
  a hint to change the query's Date Format, never guessed.
* A time zone abbreviation means one fixed UTC offset (``EDT`` is -4 all year):
  IBKR prints the abbreviation that was in force, so re-deriving it would be wrong.
* A date without a time is not turned into an instant at some invented time.

These functions run once per attribute for hundreds of thousands of rows, so the
common spellings (``yyyyMMdd;HHmmss``, plain decimals) take a short path first. A
value that cannot be read raises `FieldError`; the mapper turns it into a row
diagnostic, so one odd row never aborts a run.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import NoReturn

from flexledger.domain.money import DecimalOutOfRangeError, DecimalScale, to_scale

__all__ = [
    "NULL_TOKENS",
    "FieldError",
    "clean_text",
    "is_cancellation_side",
    "is_date_only",
    "normalize_side",
    "parse_date",
    "parse_decimal",
    "parse_instant",
    "parse_scaled_decimal",
]

# "n/a" is listed beside "N/A" so a null check stays one set lookup.
NULL_TOKENS: frozenset[str] = frozenset({"", "-", "--", "N/A", "n/a", "MULTI"})

_DATE_FORMAT_HINT = (
    "In Client Portal, edit the Flex Query and set Date Format to yyyyMMdd."
)

# Long values (a corrupt cell, a hostile upload) would otherwise be copied whole
# into every diagnostic that quotes them.
_SHOWN_MAX = 80

# re.ASCII throughout: with Unicode \d, Arabic-Indic or full-width digits would
# pass the pattern and int() would happily read them.
_DATE_HEAD = re.compile(
    r"(\d{4})([-/]?)(\d{2})\2(\d{2})(?=\Z|[;, T])",
    re.ASCII,
)
# A trailing separator with nothing after it still carries no time of day.
_DATE_ONLY = re.compile(r"(\d{4})([-/]?)(\d{2})\2(\d{2})[;,]?\Z", re.ASCII)
_AMBIGUOUS_DATE = re.compile(
    r"(?:\d{1,2}([-/.])\d{1,2}\1\d{2}(?:\d{2})?"
    r"|\d{1,2}([-/ ])[A-Za-z]{3}\2\d{2}(?:\d{2})?)"
    r"(?=\Z|[;, T])",
    re.ASCII,
)
_INSTANT = re.compile(
    r"""
    (?P<year>\d{4})(?P<dsep>[-/]?)(?P<month>\d{2})(?P=dsep)(?P<day>\d{2})
    (?:;\ ?|,\ ?|\ |T)
    (?:
        (?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})
      | (?P<xhour>\d{2}):(?P<xminute>\d{2})(?::(?P<xsecond>\d{2}))?
    )
    (?:\ ?(?P<zone>[A-Za-z]{1,10}|[+-]\d{2}(?::?\d{2})?))?
    \Z
    """,
    re.ASCII | re.VERBOSE,
)
# The whole grouping is checked, not just the commas removed: "12,5" is a European
# decimal comma, and reading it as 125 would be silently wrong.
# Sign, up to 13 integer digits, optional fraction: fits numeric(24,8) and
# numeric(24,10) even after rounding carries, so it needs no range check. Longer
# numbers take the general path, which reads them the same, only slower.
_PLAIN_NUMBER = re.compile(r"-?\d{1,13}(?:\.\d*)?\Z", re.ASCII)
# Columns with this many integer digits (precision - scale) or more hold any of
# them: 13 digits rounded up is at most 10^13.
_PLAIN_COLUMN_DIGITS = 14
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\Z", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:s?nan\d*|inf(?:inity)?)\Z", re.ASCII | re.I)
_SIDE = re.compile(r"(BUY|SELL)(\ ?\(CA\.\))?\Z", re.ASCII | re.I)
_PLAIN_SIDES = {"BUY": "BUY", "SELL": "SELL"}


def _hours(offset: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=offset))


# Fixed offsets on purpose: IBKR prints the abbreviation in force at that instant,
# so "EDT" in a January row means -4, and re-deriving it from a region would hide
# the inconsistency instead of honouring what the file says.
_ZONE_OFFSETS: dict[str, dt.timezone] = {
    "EST": _hours(-5),
    "EDT": _hours(-4),
    "CST": _hours(-6),
    "CDT": _hours(-5),
    "MST": _hours(-7),
    "MDT": _hours(-6),
    "PST": _hours(-8),
    "PDT": _hours(-7),
    "GMT": dt.UTC,
    "UTC": dt.UTC,
    "Z": dt.UTC,
    "BST": _hours(1),
    "CET": _hours(1),
    "CEST": _hours(2),
    "EET": _hours(2),
    "EEST": _hours(3),
    "HKT": _hours(8),
    "SGT": _hours(8),
    "JST": _hours(9),
    "AEST": _hours(10),
    "AEDT": _hours(11),
}
# India (+5:30), Israel (+2) and Irish summer time (+1) all print as IST.
_AMBIGUOUS_ZONES = frozenset({"IST"})


class FieldError(ValueError):
    """A value that cannot be read.

    Attributes:
        reason: What is wrong, quoting the offending text; also ``str(exc)``.
        hint: What the user can change so the value reads, when there is such a
            thing (a Flex Query setting, for instance); otherwise None.
    """

    def __init__(self, reason: str, *, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def _shown(text: str) -> str:
    # repr() quotes the value and escapes control characters, so a hostile value
    # cannot forge extra lines in a log or diagnostic.
    if len(text) > _SHOWN_MAX:
        text = text[:_SHOWN_MAX] + "…"
    return repr(text)


def clean_text(value: str | None) -> str | None:
    """Strip an attribute's text and read Flex's placeholders as absent.

    Args:
        value: The attribute text, or None when the attribute is missing.

    Returns:
        The stripped text, or None when it is missing, blank or one of
        `NULL_TOKENS` (``-``, ``--``, ``N/A``, ``n/a``, ``MULTI``).
    """
    if value is None:
        return None
    text = value.strip()
    if text in NULL_TOKENS:
        return None
    return text


def parse_decimal(
    value: str | None, *, scale: DecimalScale | None = None
) -> Decimal | None:
    """Read a Flex number as an exact Decimal.

    Accepts what `Decimal` reads (including a leading ``+`` and exponents such as
    ``1e3``) and US thousands grouping such as ``1,234.50`` or ``-12,000``. No
    rounding is applied: the result has exactly the digits of the text.

    Args:
        value: The attribute text, or None.
        scale: The column the value is stored in, if any: a value that cannot
            fit it (``1e999``, seventeen integer digits in ``numeric(24,8)``) is
            refused here, so rounding it to the column later cannot fail.

    Returns:
        The number, or None for absent or null-token text.

    Raises:
        FieldError: The text is not a number, is NaN or an infinity, groups its
            digits other than in threes (``12,5``), or does not fit `scale`.
    """
    if value is not None and (plain := _plain_number(value, scale)) is not None:
        return plain
    text = clean_text(value)
    if text is None:
        return None
    number = _parse_number(text)
    if scale is not None:
        _fitted(number, scale, text)
    return number


def parse_scaled_decimal(value: str | None, scale: DecimalScale) -> Decimal | None:
    """Read a Flex number as its column stores it: rounded half-even to `scale`.

    The same as ``to_scale(parse_decimal(value, scale=scale), scale)``, which most
    fields of a mapped row go through, without rounding twice.

    Raises:
        FieldError: As `parse_decimal`.
    """
    if value is not None and (plain := _plain_number(value, scale)) is not None:
        # A plain number is finite and too short to overflow the column, so the
        # rounding is all that is left of to_scale. Positional: C decimal parses
        # keyword arguments slowly, a third of the rounding's cost.
        return plain.quantize(scale.quantum, ROUND_HALF_EVEN)
    text = clean_text(value)
    if text is None:
        return None
    return _fitted(_parse_number(text), scale, text)


def _fitted(number: Decimal, scale: DecimalScale, text: str) -> Decimal:
    """`number` rounded to `scale`; FieldError quoting `text` if it cannot fit."""
    try:
        return to_scale(number, scale)
    except DecimalOutOfRangeError:
        raise FieldError(
            f"out of range for numeric({scale.precision},{scale.scale}): {_shown(text)}"
        ) from None


def _plain_number(value: str, scale: DecimalScale | None) -> Decimal | None:
    """The usual Flex number ("-12.5") read at once; None for any other text.

    Such text passes every check of the general path unchanged, and with fewer
    integer digits than the scale allows, rounding to it cannot overflow.
    """
    if _PLAIN_NUMBER.match(value) is None or (
        scale is not None and scale.precision - scale.scale < _PLAIN_COLUMN_DIGITS
    ):
        return None
    return Decimal(value)


def _parse_number(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return _parse_grouped_decimal(text)
    if not number.is_finite():
        # Checked against the text because a caller's context with
        # InvalidOperation untrapped turns any garbage into NaN instead of raising.
        if _NON_FINITE.match(text):
            raise FieldError(f"not a finite number: {_shown(text)}")
        raise FieldError(f"not a number: {_shown(text)}")
    # Decimal also reads "1_000" and non-ASCII digits; no Flex file writes either,
    # so their presence means the value is not what it seems.
    if "_" in text or not text.isascii():
        raise FieldError(f"not a number: {_shown(text)}")
    return number


def _parse_grouped_decimal(text: str) -> Decimal:
    if _GROUPED_NUMBER.match(text) is None:
        raise FieldError(f"not a number: {_shown(text)}")
    return Decimal(text.replace(",", ""))


def _raise_unreadable_date(text: str, reason: str) -> NoReturn:
    if _AMBIGUOUS_DATE.match(text):
        raise FieldError(f"ambiguous date {_shown(text)}", hint=_DATE_FORMAT_HINT)
    raise FieldError(f"{reason}: {_shown(text)}")


def _date_from_match(match: re.Match[str], text: str, reason: str) -> dt.date:
    try:
        return dt.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        raise FieldError(f"{reason}: {_shown(text)}") from None


def parse_date(value: str | None) -> dt.date | None:
    """Read a Flex date.

    Accepts ``yyyyMMdd``, ``yyyy-MM-dd`` and ``yyyy/MM/dd``. When the value also
    carries a time (anything after ``;``, ``,``, a space or ``T``), only the date
    part is read and the rest is not looked at.

    Args:
        value: The attribute text, or None.

    Returns:
        The date, or None for absent or null-token text.

    Raises:
        FieldError: The date puts the day or month first (``05/02/2013``,
            ``05-Feb-13``), which cannot be read without guessing; the error's
            hint says which Flex Query setting to change. Also raised for text
            that is not a date and for impossible dates such as ``20230230``.
    """
    text = clean_text(value)
    if text is None:
        return None
    if len(text) == 8 and text.isascii() and text.isdigit():
        # fromisoformat reads basic yyyyMMdd since 3.11, in C: several times
        # faster than slicing and int(); the shape check above keeps it strict.
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError(f"not a date: {_shown(text)}") from None
    match = _DATE_HEAD.match(text)
    if match is None:
        _raise_unreadable_date(text, "not a date")
    return _date_from_match(match, text, "not a date")


@functools.lru_cache(maxsize=64)
def _source_zone(name: str) -> zoneinfo.ZoneInfo:
    # ZoneInfo caches instances itself, but going through its constructor per row
    # costs more than one lru_cache hit. Failures are not cached: a bad name is a
    # configuration error, and it fails every row the same way.
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise FieldError(
            f"unknown source time zone {_shown(name)}",
            hint="Use an IANA time zone name such as 'America/New_York'.",
        ) from None


def _zone_from_text(zone: str) -> dt.tzinfo:
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or "0")
        if hours > 23 or minutes > 59:
            raise FieldError(f"unknown time zone {_shown(zone)}")
        offset = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-offset if zone[0] == "-" else offset)
    abbreviation = zone.upper()
    if abbreviation in _AMBIGUOUS_ZONES:
        raise FieldError(f"ambiguous time zone {_shown(zone)}")
    fixed = _ZONE_OFFSETS.get(abbreviation)
    if fixed is None:
        raise FieldError(f"unknown time zone {_shown(zone)}")
    return fixed


def _to_utc(
    parts: tuple[int, int, int, int, int, int], tzinfo: dt.tzinfo, text: str
) -> dt.datetime:
    # fold=0 (the constructor's default) is the documented choice for wall times
    # that a DST switch skips or repeats; see parse_instant.
    try:
        local = dt.datetime(*parts, tzinfo=tzinfo)
        return local.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise FieldError(f"not a date-time: {_shown(text)}") from None


def parse_instant(value: str | None, source_timezone: str) -> dt.datetime | None:
    """Read a Flex date-time as an aware UTC datetime.

    The date part reads as in `parse_date`. It is followed by ``;``, ``,``,
    ``, ``, a space or ``T``, then a time as ``HHmmss``, ``HH:mm:ss`` or
    ``HH:mm``, then optionally a zone: an abbreviation such as ``EDT`` (after an
    optional space), ``Z``, or a numeric offset such as ``+0200`` or ``-05:00``.
    Real examples: ``20000205;120842``, ``2026-04-02;11:08:05 EDT``,
    ``2013-03-05, 19:45:00``, ``2017-01-02, 090000``, ``2025-01-15T15:00:00``.

    An abbreviation stands for one fixed offset whatever the date (``EDT`` is
    UTC-4 even in January). A value without a zone is wall time in
    ``source_timezone``. A wall time that a DST switch skips (02:30 on a
    spring-forward night) or repeats (01:30 on a fall-back night) is read with
    ``fold=0``: the offset in force before the switch. For New York that puts
    2025-03-09 02:30 at 07:30 UTC and 2025-11-02 01:30 at 05:30 UTC (its first
    occurrence).

    Args:
        value: The attribute text, or None.
        source_timezone: IANA name of the zone that zone-less wall times are in,
            such as ``America/New_York``. Only consulted when the value has no
            zone of its own.

    Returns:
        The instant in UTC; None for absent or null-token text, and None for a
        valid date with no time (no time of day is invented; `is_date_only` tells
        that case from an absent value).

    Raises:
        FieldError: The date is ambiguous (hint says which Flex Query setting to
            change), the zone abbreviation is ambiguous (``IST``) or unknown,
            ``source_timezone`` is not a known zone, or the text is not a
            date-time (including impossible dates and times).
    """
    text = clean_text(value)
    if text is None:
        return None
    if (
        len(text) == 15
        and text[8] == ";"
        and text.isascii()
        and text[:8].isdigit()
        and text[9:].isdigit()
    ):
        # Looked up before the try: its FieldError is a ValueError too, and must
        # not turn into "not a date-time".
        zone_info = _source_zone(source_timezone)
        try:
            wall = dt.datetime.fromisoformat(f"{text[:8]}T{text[9:]}")
            return wall.replace(tzinfo=zone_info).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise FieldError(f"not a date-time: {_shown(text)}") from None
    match = _INSTANT.match(text)
    if match is None:
        _check_date_only(text)
        return None
    if match["hour"] is not None:
        hour, minute, second = match["hour"], match["minute"], match["second"]
    else:
        hour, minute, second = match["xhour"], match["xminute"], match["xsecond"]
    parts = (
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        int(hour),
        int(minute),
        int(second or "0"),
    )
    zone = match["zone"]
    tzinfo = _source_zone(source_timezone) if zone is None else _zone_from_text(zone)
    return _to_utc(parts, tzinfo, text)


def _check_date_only(text: str) -> None:
    # Text that is not a full date-time is fine only as a real date on its own.
    match = _DATE_ONLY.match(text)
    if match is None:
        _raise_unreadable_date(text, "not a date-time")
    _date_from_match(match, text, "not a date-time")


def is_date_only(value: str | None) -> bool:
    """Tell whether a date-time attribute holds only a date.

    `parse_instant` returns None both for an absent value and for a date with no
    time; this tells the two apart. It never raises.

    Args:
        value: The attribute text, or None.

    Returns:
        True when the cleaned text is a valid, unambiguous date with no time part
        (a trailing ``;`` or ``,`` alone is allowed); False otherwise, including
        for absent, null-token, ambiguous or unreadable text.
    """
    text = clean_text(value)
    if text is None:
        return False
    match = _DATE_ONLY.match(text)
    if match is None:
        return False
    try:
        dt.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return False
    return True


def normalize_side(value: str | None) -> str | None:
    """Read a ``buySell`` attribute as ``BUY`` or ``SELL``.

    Case does not matter, and the ``(Ca.)`` suffix IBKR puts on cancelled
    executions is dropped; `is_cancellation_side` reports it.

    Args:
        value: The attribute text, or None.

    Returns:
        ``"BUY"`` or ``"SELL"``, or None for absent or null-token text.

    Raises:
        FieldError: The text is neither side.
    """
    text = clean_text(value)
    if text is None:
        return None
    plain = _PLAIN_SIDES.get(text)
    if plain is not None:
        return plain
    match = _SIDE.match(text)
    if match is None:
        raise FieldError(f"not BUY or SELL: {_shown(text)}")
    return match[1].upper()


def is_cancellation_side(value: str | None) -> bool:
    """Tell whether a ``buySell`` attribute marks a cancellation (``BUY (Ca.)``).

    Args:
        value: The attribute text, or None.

    Returns:
        True when the text is a side with the ``(Ca.)`` suffix (any case); False
        otherwise. It never raises: `normalize_side` reports unreadable sides.
    """
    text = clean_text(value)
    if text is None or text in _PLAIN_SIDES:
        # Nearly every row says plain BUY or SELL: no suffix, no pattern to run.
        return False
    match = _SIDE.match(text)
    return match is not None and match[2] is not None
