"""The reader and mapping fixes the hostile corpus and the fuzz run led to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexledger.adapter.statement_reader import read_statement
from flexledger.domain.errors import (
    MalformedStatementError,
    NotAFlexStatementError,
    StatementReadError,
    StatementTruncatedError,
    UnsafeXmlError,
)
from flexledger.domain.money import FX_RATE, MONEY
from flexledger.mapping.values import FieldError, parse_decimal

ROOT = (
    b'<FlexQueryResponse queryName="q"><FlexStatements count="0"/></FlexQueryResponse>'
)


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        # Crashed with LookupError / ValueError out of pyexpat.
        (
            b'<?xml version="1.0" encoding="x-none"?>' + ROOT,
            MalformedStatementError,
            "encoding",
        ),
        (
            b'<?xml version="1.0" encoding="shift_jis"?>' + ROOT,
            MalformedStatementError,
            "encoding",
        ),
        # Read by Expat after the ASCII prolog check had let it through.
        (ROOT.decode().encode("utf-16-le"), MalformedStatementError, "UTF-16"),
        (
            b"\xfe\xff" + ROOT.decode().encode("utf-16-be"),
            MalformedStatementError,
            "UTF-16",
        ),
        (
            b"\xff\xfe\x00\x00" + ROOT.decode().encode("utf-32-le"),
            MalformedStatementError,
            "UTF-32",
        ),
        # Were UNSAFE_XML: a short file whose prolog stops is a cut download.
        (b'<?xml version="1.0"', StatementTruncatedError, "cut short"),
        (b"<!-- a comm", StatementTruncatedError, "cut short"),
        (b"<", StatementTruncatedError, "cut short"),
        (b"</FlexQueryResponse>", MalformedStatementError, "XML element"),
        # Were "CSV or TEXT" because of a comma in the first line.
        (b'{"error": 1, "x": 2}', NotAFlexStatementError, "JSON"),
        (b"\x1f\x8b\x08\x00,,,", MalformedStatementError, "gzip-compressed twice"),
        (b"PK\x03\x04,a,b", MalformedStatementError, "binary"),
    ],
)
def test_the_reader_refuses_with_the_right_error(
    body: bytes, error: type[StatementReadError], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        read_statement(body)
    assert type(caught.value) is error
    assert fragment in caught.value.message


def test_a_long_unfinished_prolog_is_still_unsafe() -> None:
    # Past the 64 KiB window a DOCTYPE could hide: that stays a refusal as unsafe.
    with pytest.raises(UnsafeXmlError):
        read_statement(b"<!--" + b"x" * 70_000)


def test_declared_single_byte_encodings_still_read() -> None:
    body = b'<?xml version="1.0" encoding="windows-1252"?>' + ROOT.replace(
        b'queryName="q"', b'queryName="\x80"'
    )
    _, info = read_statement(body)
    assert info.query_name == "\u20ac"


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("1e999", MONEY),
        ("1e999999999", MONEY),
        ("12345678901234567.5", MONEY),
        ("9999999999999999.999999999", MONEY),  # rounds up past the column
        ("-" + "9" * 5000, MONEY),
        ("123456789012345", FX_RATE),
    ],
)
def test_a_number_too_large_for_its_column_is_unreadable(
    text: str, scale: object
) -> None:
    with pytest.raises(FieldError, match="out of range for numeric"):
        parse_decimal(text, scale=scale)  # type: ignore[arg-type]
    assert parse_decimal(text) is not None  # without a column, still exact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9999999999999999.99999999", Decimal("9999999999999999.99999999")),
        ("-0", Decimal("-0")),
        ("1e-999", Decimal("1e-999")),
        ("1,234.5", Decimal("1234.5")),
    ],
)
def test_numbers_that_fit_are_returned_exactly(text: str, expected: Decimal) -> None:
    found = parse_decimal(text, scale=MONEY)
    assert found == expected
    assert str(found) == str(expected)
