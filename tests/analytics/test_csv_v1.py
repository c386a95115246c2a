"""CSV export contracts v1 (SPEC §13): headers, cell formats, formula injection."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest

from flexledger.analytics.csv_v1 import (
    DIFF_COLUMNS,
    INSTRUMENT_COLUMNS,
    LABEL_COLUMNS,
    Column,
    diff_csv,
    format_cell,
    instrument_csv,
    label_csv,
)
from flexledger.analytics.pnl import InstrumentPnl, LabelPnl
from flexledger.domain.errors import ExportContractError

# The contract, written out: changing a column here or in the code is a v2.
INSTRUMENT_HEADER = (
    "report_date_local",
    "instrument_id",
    "conid",
    "symbol",
    "currency",
    "position_qty",
    "cost_basis",
    "realized_pnl",
    "unrealized_pnl",
    "total_pnl",
    "provisional",
)
LABEL_HEADER = (
    "report_date_local",
    "label_id",
    "label_name",
    "instrument_count",
    "realized_pnl",
    "unrealized_pnl",
    "total_pnl",
    "fees",
    "withholding_tax",
    "provisional",
)

DIFF_HEADER = (
    "report_date_local",
    "instrument_id",
    "conid",
    "symbol",
    "metric",
    "broker_value",
    "economic_value",
    "abs_diff",
    "rel_diff",
    "tolerance_abs",
    "tolerance_rel",
    "within_tolerance",
    "formula_context",
    "source_event_id",
    "source_raw_record_id",
    "provisional",
)

_INSTRUMENT_ID = uuid.UUID("0A1B2C3D-0000-4000-8000-00000000ABCD")
_LABEL_ID = uuid.UUID("FFFFFFFF-0000-4000-8000-000000000001")


def _instrument(**changes: object) -> InstrumentPnl:
    row = InstrumentPnl(
        report_date_local=dt.date(2000, 6, 21),
        instrument_id=_INSTRUMENT_ID,
        conid="12345",
        symbol="AGG",
        currency="USD",
        position_qty=Decimal("10"),
        cost_basis=None,
        realized_pnl=Decimal("-12.5"),
        unrealized_pnl=Decimal("3.12345678"),
        total_pnl=Decimal("-9.37654322"),
        fees=Decimal("-1"),
        withholding_tax=Decimal(0),
        dividends=Decimal(0),
        other_fees=Decimal(0),
        economic_pnl=Decimal("-10.37654322"),
        provisional=False,
        unresolved_cases=0,
        diagnostic_codes=(),
    )
    return dataclasses.replace(row, **changes)  # type: ignore[arg-type]


def _label(**changes: object) -> LabelPnl:
    row = LabelPnl(
        report_date_local=dt.date(2000, 6, 21),
        label_id=_LABEL_ID,
        label_name="bonds",
        instrument_count=2,
        instrument_ids=(_INSTRUMENT_ID,),
        currency="USD",
        realized_pnl=Decimal("1.5"),
        unrealized_pnl=Decimal("-0.25"),
        total_pnl=Decimal("1.25"),
        fees=Decimal("-2"),
        withholding_tax=Decimal("-0.3"),
        dividends=Decimal(0),
        other_fees=Decimal(0),
        economic_pnl=Decimal("-1.05"),
        provisional=True,
        unresolved_cases=0,
        diagnostic_codes=(),
    )
    return dataclasses.replace(row, **changes)  # type: ignore[arg-type]


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_instrument_header_is_the_spec_column_list() -> None:
    assert tuple(c.name for c in INSTRUMENT_COLUMNS) == INSTRUMENT_HEADER
    text = instrument_csv([])
    assert text == ",".join(INSTRUMENT_HEADER) + "\r\n"


def test_label_header_is_the_spec_column_list() -> None:
    assert tuple(c.name for c in LABEL_COLUMNS) == LABEL_HEADER
    assert label_csv([]) == ",".join(LABEL_HEADER) + "\r\n"


def test_diff_header_is_the_spec_column_list() -> None:
    assert tuple(c.name for c in DIFF_COLUMNS) == DIFF_HEADER
    assert diff_csv([]) == ",".join(DIFF_HEADER) + "\r\n"


def test_instrument_row_cells_follow_the_formats() -> None:
    text = instrument_csv([_instrument()])
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2
    header, row = _parse(text)
    assert dict(zip(header, row, strict=True)) == {
        "report_date_local": "2000-06-21",
        "instrument_id": "0a1b2c3d-0000-4000-8000-00000000abcd",
        "conid": "12345",
        "symbol": "AGG",
        "currency": "USD",
        "position_qty": "10.00000000",
        "cost_basis": "",
        "realized_pnl": "-12.50000000",
        "unrealized_pnl": "3.12345678",
        "total_pnl": "-9.37654322",
        "provisional": "false",
    }


def test_label_row_cells_and_the_unlabelled_row() -> None:
    rows = _parse(label_csv([_label(), _label(label_id=None, label_name=None)]))
    assert rows[1] == [
        "2000-06-21",
        "ffffffff-0000-4000-8000-000000000001",
        "bonds",
        "2",
        "1.50000000",
        "-0.25000000",
        "1.25000000",
        "-2.00000000",
        "-0.30000000",
        "true",
    ]
    assert rows[2][1:3] == ["", ""]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("-12.5"), "-12.50000000"),
        (Decimal("1E+3"), "1000.00000000"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("-0.000"), "0.00000000"),
        (Decimal("1234567890123456.12345678"), "1234567890123456.12345678"),
    ],
)
def test_decimals_are_plain_with_eight_places(value: Decimal, cell: str) -> None:
    assert format_cell(Column("x", "dec"), value) == cell


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1",
        "-12.5",
        "@SUM(A1)",
        "\tTAB",
        "\rCR",
    ],
)
def test_formula_text_gets_an_apostrophe(text: str) -> None:
    assert format_cell(Column("symbol", "text"), text) == f"'{text}"


def test_injection_is_neutralised_but_numbers_untouched() -> None:
    row = _instrument(symbol='=HYPERLINK("http://evil.example","x")')
    header, cells = _parse(instrument_csv([row]))
    by_name = dict(zip(header, cells, strict=True))
    assert by_name["symbol"] == '\'=HYPERLINK("http://evil.example","x")'
    assert by_name["realized_pnl"] == "-12.50000000"
    labels = dict(zip(*_parse(label_csv([_label(label_name="-12.5")])), strict=True))
    assert labels["label_name"] == "'-12.5"
    assert labels["unrealized_pnl"] == "-0.25000000"


def test_text_with_commas_quotes_and_newlines_is_rfc_4180_quoted() -> None:
    text = instrument_csv([_instrument(symbol='A,"B"\nC')])
    assert '"A,""B""\nC"' in text
    assert _parse(text)[1][3] == 'A,"B"\nC'


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (Column("x", "dec"), Decimal("1.123456789")),
        (Column("x", "dec"), Decimal("12345678901234567")),
        (Column("x", "dec"), Decimal("NaN")),
        (Column("x", "dec"), 1.5),
        (Column("x", "dec"), None),
        (Column("x", "boolean"), 1),
        (Column("x", "integer"), True),
        (Column("x", "date"), dt.datetime(2000, 1, 1, tzinfo=dt.UTC)),
        (Column("x", "uuid"), "0a1b2c3d"),
        (Column("x", "text"), 5),
    ],
)
def test_a_bad_value_breaks_the_contract(column: Column, value: object) -> None:
    with pytest.raises(ExportContractError) as caught:
        format_cell(column, value)
    assert caught.value.code == "EXPORT_CONTRACT_VIOLATION"


def test_a_bad_row_aborts_the_export() -> None:
    with pytest.raises(ExportContractError, match="Row 2"):
        instrument_csv(
            [_instrument(), _instrument(position_qty=Decimal("0.1234567891"))]
        )
