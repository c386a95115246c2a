"""Flex attribute text reads as exact decimals, dates, UTC instants and sides."""

from __future__ import annotations

import datetime as dt
import decimal
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexledger.domain.money import (
    FX_RATE,
    MONEY,
    DecimalOutOfRangeError,
    DecimalScale,
    to_scale,
)
from flexledger.mapping.values import (
    NULL_TOKENS,
    FieldError,
    _parse_number,
    clean_text,
    is_cancellation_side,
    is_date_only,
    normalize_side,
    parse_date,
    parse_decimal,
    parse_instant,
)

NEW_YORK = "America/New_York"
DATE_FORMAT_HINT = (
    "In Client Portal, edit the Flex Query and set Date Format to yyyyMMdd."
)
NULLS = [None, "", "   ", "-", "--", "N/A", "n/a", "MULTI", " MULTI ", "\t--\n"]


def utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def _reason(excinfo: pytest.ExceptionInfo[FieldError]) -> str:
    return excinfo.value.reason


# ---------------------------------------------------------------- FieldError


def test_field_error_carries_reason_and_hint() -> None:
    error = FieldError("bad value", hint="do this")
    assert isinstance(error, ValueError)
    assert str(error) == "bad value"
    assert error.reason == "bad value"
    assert error.hint == "do this"
    assert FieldError("bad value").hint is None


def test_field_error_survives_pickling_with_its_hint() -> None:
    restored = pickle.loads(pickle.dumps(FieldError("bad", hint="fix it")))  # noqa: S301
    assert isinstance(restored, FieldError)
    assert (restored.reason, restored.hint, str(restored)) == ("bad", "fix it", "bad")


# ---------------------------------------------------------------- clean_text


def test_null_tokens_are_exactly_the_flex_placeholders() -> None:
    assert frozenset({"", "-", "--", "N/A", "n/a", "MULTI"}) == NULL_TOKENS


@pytest.mark.parametrize("value", NULLS)
def test_clean_text_reads_null_tokens_as_absent(value: str | None) -> None:
    assert clean_text(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  AAPL ", "AAPL"),
        ("multi", "multi"),
        ("N/a", "N/a"),
        ("---", "---"),
        ("0", "0"),
        ("a - b", "a - b"),
    ],
)
def test_clean_text_strips_and_keeps_other_text(value: str, expected: str) -> None:
    assert clean_text(value) == expected


# ---------------------------------------------------------------- parse_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("187.25", "187.25"),
        ("-0.00000001", "-1E-8"),
        ("0", "0"),
        ("100.000000", "100.000000"),
        ("  42 ", "42"),
        ("+5", "5"),
        ("+0.5", "0.5"),
        (".5", "0.5"),
        ("1234.", "1234"),
        ("1,234.50", "1234.50"),
        ("-12,000", "-12000"),
        ("+1,234", "1234"),
        ("1,234,567.891", "1234567.891"),
        ("12,345,678,901,234.12345678", "12345678901234.12345678"),
        ("1e3", "1E+3"),
        ("-2.5E-4", "-0.00025"),
        (
            "12345678901234567890.123456789012345",
            "12345678901234567890.123456789012345",
        ),
    ],
)
def test_parse_decimal_reads_exact_values(value: str, expected: str) -> None:
    result = parse_decimal(value)
    assert result == Decimal(expected)
    assert isinstance(result, Decimal)


def test_parse_decimal_keeps_the_exact_digits() -> None:
    assert str(parse_decimal("1,234.50")) == "1234.50"
    assert str(parse_decimal("100.000000")) == "100.000000"
    assert str(parse_decimal("1e3")) == "1E+3"
    assert str(parse_decimal("0.1234567890123456789012345678901234")) == (
        "0.1234567890123456789012345678901234"
    )


@pytest.mark.parametrize("value", NULLS)
def test_parse_decimal_reads_null_tokens_as_absent(value: str | None) -> None:
    assert parse_decimal(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "1.2.3",
        "12,5",
        "1,23,456",
        "1234,567",
        ",",
        "1,",
        ",123",
        "1,234e3",
        "1 234",
        "1_000",
        "\u0661\u0662\u0663",
        "\uff11\uff12",
        "+",
        "+-1",
        "$12",
        "12%",
        "0x10",
    ],
)
def test_parse_decimal_rejects_what_is_not_a_number(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_decimal(value)
    assert _reason(excinfo) == f"not a number: {value!r}"
    assert excinfo.value.hint is None


@pytest.mark.parametrize(
    "value", ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "+Inf"]
)
def test_parse_decimal_rejects_non_finite_numbers(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_decimal(value)
    assert _reason(excinfo) == f"not a finite number: {value!r}"


def test_parse_decimal_rejects_garbage_even_with_invalid_operation_untrapped() -> None:
    with decimal.localcontext() as context:
        context.traps[decimal.InvalidOperation] = False
        with pytest.raises(FieldError) as excinfo:
            parse_decimal("abc")
    assert _reason(excinfo) == "not a number: 'abc'"


def test_parse_decimal_shortens_long_values_in_its_reason() -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_decimal("x" * 10_000)
    assert _reason(excinfo) == "not a number: '" + "x" * 80 + "…'"


def test_parse_decimal_quotes_control_characters_escaped() -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_decimal("1\n2")
    assert _reason(excinfo) == "not a number: '1\\n2'"


@given(
    st.decimals(
        min_value=Decimal("-1e15"),
        max_value=Decimal("1e15"),
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_parse_decimal_reads_back_grouped_formatting(number: Decimal) -> None:
    assert parse_decimal(f"{number:,f}") == number


# ---------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20230315", dt.date(2023, 3, 15)),
        ("2023-03-15", dt.date(2023, 3, 15)),
        ("2023/03/15", dt.date(2023, 3, 15)),
        (" 20240229 ", dt.date(2024, 2, 29)),
        ("20000205;120842", dt.date(2000, 2, 5)),
        ("2026-04-02;11:08:05 EDT", dt.date(2026, 4, 2)),
        ("2013-03-05, 19:45:00", dt.date(2013, 3, 5)),
        ("20130102 01:25:14", dt.date(2013, 1, 2)),
        ("2025-01-15;150000", dt.date(2025, 1, 15)),
        ("2017-01-02, 090000", dt.date(2017, 1, 2)),
        ("2025-01-15T15:00:00", dt.date(2025, 1, 15)),
        ("2025/01/15 15:00", dt.date(2025, 1, 15)),
    ],
)
def test_parse_date_reads_unambiguous_forms(value: str, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", NULLS)
def test_parse_date_reads_null_tokens_as_absent(value: str | None) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "05/02/2013",
        "02/05/2013",
        "05/02/13",
        "02/05/13",
        "05-02-13",
        "05-Feb-13",
        "20-OCT-13",
        "5/2/2013",
        "05/02/2013;120842",
        "05-Feb-13 12:00:00",
    ],
)
def test_parse_date_refuses_ambiguous_forms_with_a_hint(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_date(value)
    assert _reason(excinfo) == f"ambiguous date {value!r}"
    assert excinfo.value.hint == DATE_FORMAT_HINT
    assert "Date Format" in str(excinfo.value.hint)


@pytest.mark.parametrize(
    "value",
    [
        "20230230",
        "20231301",
        "20230000",
        "00000101",
        "2023-02-29",
        "2023/04/31",
        "2023-13-01",
        "2023-0101",
        "2023-01/01",
        "2023-1-5",
        "202301011",
        "2023010",
        "today",
        "2023",
        "\u0662\u0660\u0662\u0663\u0660\u0661\u0660\u0661",
    ],
)
def test_parse_date_rejects_what_is_not_a_date(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_date(value)
    assert _reason(excinfo) == f"not a date: {value!r}"
    assert excinfo.value.hint is None


# ---------------------------------------------------------------- parse_instant


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20000205;120842", utc(2000, 2, 5, 17, 8, 42)),
        ("2026-04-02;11:08:05 EDT", utc(2026, 4, 2, 15, 8, 5)),
        ("2013-03-05, 19:45:00", utc(2013, 3, 6, 0, 45, 0)),
        ("20130102 01:25:14", utc(2013, 1, 2, 6, 25, 14)),
        ("2025-01-15;150000", utc(2025, 1, 15, 20, 0, 0)),
        ("20230315;10:00:00", utc(2023, 3, 15, 14, 0, 0)),
        ("2017-01-02, 090000", utc(2017, 1, 2, 14, 0, 0)),
        ("2025-01-15T15:00:00", utc(2025, 1, 15, 20, 0, 0)),
    ],
)
def test_parse_instant_reads_the_real_forms(value: str, expected: dt.datetime) -> None:
    result = parse_instant(value, NEW_YORK)
    assert result == expected
    assert result is not None
    assert result.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025/01/15;150000", utc(2025, 1, 15, 20, 0, 0)),
        ("20250115,150000", utc(2025, 1, 15, 20, 0, 0)),
        ("20250115, 15:00:00", utc(2025, 1, 15, 20, 0, 0)),
        ("20250115; 15:00:00", utc(2025, 1, 15, 20, 0, 0)),
        ("2025-01-15 15:00", utc(2025, 1, 15, 20, 0, 0)),
        ("20250115T150000", utc(2025, 1, 15, 20, 0, 0)),
        ("  20250115;150000  ", utc(2025, 1, 15, 20, 0, 0)),
        ("20250115;000000", utc(2025, 1, 15, 5, 0, 0)),
        ("20251231;235959", utc(2026, 1, 1, 4, 59, 59)),
    ],
)
def test_parse_instant_reads_every_separator_and_time_form(
    value: str, expected: dt.datetime
) -> None:
    assert parse_instant(value, NEW_YORK) == expected


@pytest.mark.parametrize(
    ("zone", "expected_hour_utc", "expected_minute_utc"),
    [
        ("EST", 17, 0),
        ("EDT", 16, 0),
        ("CST", 18, 0),
        ("CDT", 17, 0),
        ("MST", 19, 0),
        ("MDT", 18, 0),
        ("PST", 20, 0),
        ("PDT", 19, 0),
        ("GMT", 12, 0),
        ("UTC", 12, 0),
        ("Z", 12, 0),
        ("BST", 11, 0),
        ("CET", 11, 0),
        ("CEST", 10, 0),
        ("EET", 10, 0),
        ("EEST", 9, 0),
        ("HKT", 4, 0),
        ("SGT", 4, 0),
        ("JST", 3, 0),
        ("AEST", 2, 0),
        ("AEDT", 1, 0),
        ("edt", 16, 0),
        ("+0200", 10, 0),
        ("-0500", 17, 0),
        ("-05:00", 17, 0),
        ("+05:30", 6, 30),
        ("+00:00", 12, 0),
        ("+09", 3, 0),
    ],
)
def test_parse_instant_reads_zones_as_fixed_offsets(
    zone: str, expected_hour_utc: int, expected_minute_utc: int
) -> None:
    # January: a fixed offset, never the region's rule for the date.
    result = parse_instant(f"2025-01-15;12:00:00 {zone}", NEW_YORK)
    assert result == utc(2025, 1, 15, expected_hour_utc, expected_minute_utc, 0)
    assert result is not None
    assert result.tzinfo is dt.UTC


def test_edt_and_est_give_different_instants_for_one_wall_time() -> None:
    edt = parse_instant("20250115;120000 EDT", NEW_YORK)
    est = parse_instant("20250115;120000 EST", NEW_YORK)
    assert edt == utc(2025, 1, 15, 16, 0, 0)
    assert est == utc(2025, 1, 15, 17, 0, 0)
    # The naive wall time in January is EST in New York; "EDT" is not overridden.
    assert parse_instant("20250115;120000", NEW_YORK) == est


@pytest.mark.parametrize(
    "value",
    [
        "2025-01-15T15:00:00Z",
        "2025-01-15T17:00:00+02:00",
        "2025-01-15T10:00:00-0500",
        "20250115;150000 UTC",
    ],
)
def test_parse_instant_ignores_the_source_zone_when_the_value_has_one(
    value: str,
) -> None:
    assert parse_instant(value, "Not/A_Zone") == utc(2025, 1, 15, 15, 0, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 2025-03-09: New York springs forward at 02:00 EST to 03:00 EDT.
        ("20250309;015959", utc(2025, 3, 9, 6, 59, 59)),
        ("20250309;023000", utc(2025, 3, 9, 7, 30, 0)),  # gap: fold=0 reads as EST
        ("20250309;030000", utc(2025, 3, 9, 7, 0, 0)),
        ("20250309;120000", utc(2025, 3, 9, 16, 0, 0)),
        # 2025-11-02: New York falls back at 02:00 EDT to 01:00 EST.
        ("20251102;003000", utc(2025, 11, 2, 4, 30, 0)),
        ("20251102;013000", utc(2025, 11, 2, 5, 30, 0)),  # repeated: fold=0 is EDT
        ("20251102;020000", utc(2025, 11, 2, 7, 0, 0)),
        ("20251102;120000", utc(2025, 11, 2, 17, 0, 0)),
    ],
)
def test_parse_instant_converts_naive_new_york_times_across_dst(
    value: str, expected: dt.datetime
) -> None:
    assert parse_instant(value, NEW_YORK) == expected


@pytest.mark.parametrize(
    ("source_timezone", "expected"),
    [
        ("Europe/Zurich", utc(2025, 7, 1, 10, 0, 0)),
        ("Asia/Tokyo", utc(2025, 7, 1, 3, 0, 0)),
        ("UTC", utc(2025, 7, 1, 12, 0, 0)),
        ("Australia/Sydney", utc(2025, 7, 1, 2, 0, 0)),
    ],
)
def test_parse_instant_reads_naive_times_in_the_source_zone(
    source_timezone: str, expected: dt.datetime
) -> None:
    assert parse_instant("20250701;120000", source_timezone) == expected


@pytest.mark.parametrize("source_timezone", ["Not/A_Zone", "", "/etc/passwd", "../x"])
def test_parse_instant_refuses_an_unknown_source_zone(source_timezone: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_instant("20250701;120000", source_timezone)
    assert _reason(excinfo) == f"unknown source time zone {source_timezone!r}"
    assert excinfo.value.hint is not None


@pytest.mark.parametrize(
    "value", ["20171025", "2017-10-25", "2017/10/25", "20171025;", " 20171025 "]
)
def test_a_date_alone_is_no_instant(value: str) -> None:
    assert parse_instant(value, NEW_YORK) is None
    assert is_date_only(value) is True


@pytest.mark.parametrize("value", NULLS)
def test_parse_instant_reads_null_tokens_as_absent(value: str | None) -> None:
    assert parse_instant(value, NEW_YORK) is None
    assert is_date_only(value) is False


@pytest.mark.parametrize(
    "value",
    [
        "20000205;120842",
        "2025-01-15T15:00:00",
        "20230230",
        "05/02/2013",
        "today",
        "20171025;12",
    ],
)
def test_is_date_only_is_false_for_anything_but_a_valid_bare_date(value: str) -> None:
    assert is_date_only(value) is False


def test_parse_instant_refuses_ambiguous_zone_abbreviations() -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_instant("20250115;120000 IST", NEW_YORK)
    assert _reason(excinfo) == "ambiguous time zone 'IST'"


@pytest.mark.parametrize("zone", ["XYZ", "EDTX", "ABCDEFGHIJ", "+2500", "-05:60"])
def test_parse_instant_refuses_unknown_zones(zone: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_instant(f"20250115;120000 {zone}", NEW_YORK)
    assert _reason(excinfo) == f"unknown time zone {zone!r}"


@pytest.mark.parametrize(
    "value",
    [
        "05/02/2013;120842",
        "02/05/13 12:00:00",
        "05-Feb-13, 12:00:00",
        "05/02/2013",
    ],
)
def test_parse_instant_refuses_ambiguous_dates_with_a_hint(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_instant(value, NEW_YORK)
    assert _reason(excinfo) == f"ambiguous date {value!r}"
    assert excinfo.value.hint == DATE_FORMAT_HINT


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "20250115;1500",
        "20250115;15000",
        "20250115;1500000",
        "20250115;250000",
        "20250115;126000",
        "20250115;12:60:00",
        "20250115;12:00:60",
        "20250115;12:0000",
        "2025-01-15T15:00:00.123",
        "20250115 EDT",
        "20250115;;150000",
        "20250230;120000",
        "20230230",
        "20171025;12",
        "2025-01-15T15:00:00 EDT extra",
        "20250115;12000\u0660",
        "00010101;000000 +0100",
        "99991231;235959 -0500",
    ],
)
def test_parse_instant_rejects_what_is_not_a_date_time(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        parse_instant(value, NEW_YORK)
    assert _reason(excinfo) == f"not a date-time: {value!r}"


# ---------------------------------------------------------------- sides


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BUY", "BUY"),
        ("SELL", "SELL"),
        ("buy", "BUY"),
        ("Sell", "SELL"),
        (" BUY ", "BUY"),
        ("BUY (Ca.)", "BUY"),
        ("SELL (Ca.)", "SELL"),
        ("buy (ca.)", "BUY"),
        ("sell (CA.)", "SELL"),
    ],
)
def test_normalize_side_reads_both_sides(value: str, expected: str) -> None:
    assert normalize_side(value) == expected


@pytest.mark.parametrize("value", NULLS)
def test_normalize_side_reads_null_tokens_as_absent(value: str | None) -> None:
    assert normalize_side(value) is None
    assert is_cancellation_side(value) is False


@pytest.mark.parametrize(
    "value", ["BOT", "SLD", "SHORT", "BUY (Ca.) x", "BUY SELL", "(Ca.)", "\u017fell"]
)
def test_normalize_side_rejects_other_text(value: str) -> None:
    with pytest.raises(FieldError) as excinfo:
        normalize_side(value)
    assert _reason(excinfo) == f"not BUY or SELL: {value!r}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BUY (Ca.)", True),
        ("SELL (Ca.)", True),
        ("sell (ca.)", True),
        ("BUY", False),
        ("SELL", False),
        ("XYZ (Ca.)", False),
        ("(Ca.)", False),
    ],
)
def test_is_cancellation_side_sees_the_ca_suffix(value: str, expected: bool) -> None:
    assert is_cancellation_side(value) is expected


def _general_path(text: str, scale: DecimalScale) -> Decimal | str:
    """What parse_decimal gave before its fast path: the number, or 'refused'."""
    cleaned = clean_text(text)
    assert cleaned is not None
    try:
        number = _parse_number(cleaned)
        to_scale(number, scale)
    except (FieldError, DecimalOutOfRangeError):
        return "refused"
    return number


@given(
    text=st.from_regex(r"-?\d{1,18}(\.\d{0,14})?", fullmatch=True),
    scale=st.sampled_from([MONEY, FX_RATE]),
)
def test_the_plain_number_fast_path_reads_as_the_general_path(
    text: str, scale: DecimalScale
) -> None:
    try:
        fast: Decimal | str | None = parse_decimal(text, scale=scale)
    except FieldError:
        fast = "refused"
    expected = _general_path(text, scale)
    assert fast == expected
    if isinstance(fast, Decimal) and isinstance(expected, Decimal):
        assert fast.as_tuple() == expected.as_tuple()  # the same digits and exponent
