"""CSV export contracts, schema `v1` (SPEC §13): report rows in, CSV text out.

Pure and framework-free. Each table is one constant tuple of `Column`s (name,
type, nullable) in SPEC order; the header row is their names. Cells:

* UTF-8 text, comma separated, RFC 4180 quoting, CRLF line ends;
* `dec` = `decimal(24,8)`: plain `.` notation with exactly 8 decimal places,
  never an exponent (``-12.5`` → ``-12.50000000``); a value with more than 8
  decimal places or more than 16 integer digits breaks the contract;
* `boolean` → ``true``/``false``; `date` → ``YYYY-MM-DD``; `uuid` lower case;
  `integer` plain; null → empty cell (only in nullable columns);
* `text` cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading
  apostrophe so a spreadsheet does not run them as a formula. Number columns
  are never touched: a negative figure stays a number.

A value that does not fit its column raises `ExportContractError`
(``EXPORT_CONTRACT_VIOLATION``): a bad row aborts the whole export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flexledger.analytics.pnl import InstrumentPnl, LabelPnl
from flexledger.analytics.reconciliation import DiffRow
from flexledger.domain.errors import ExportContractError

SCHEMA_VERSION = "v1"

ColumnType = Literal["date", "uuid", "text", "integer", "dec", "boolean"]

_DEC_PLACES = Decimal("1E-8")
_DEC_MAX_INTEGER_DIGITS = 16  # decimal(24,8)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its header name, SPEC §13 type and whether it may be null."""

    name: str
    type: ColumnType
    nullable: bool = False


# SPEC §13, `/reports/pnl/by-instrument`, columns 1-11 in order.
INSTRUMENT_COLUMNS: tuple[Column, ...] = (
    Column("report_date_local", "date"),
    Column("instrument_id", "uuid"),
    Column("conid", "text"),
    Column("symbol", "text"),
    Column("currency", "text"),
    Column("position_qty", "dec"),
    Column("cost_basis", "dec", nullable=True),
    Column("realized_pnl", "dec"),
    Column("unrealized_pnl", "dec"),
    Column("total_pnl", "dec"),
    Column("provisional", "boolean"),
)

# SPEC §13, `/reports/pnl/by-label`, columns 1-10 in order. SPEC types
# `label_id`/`label_name` as non-null, but the report's one unlabelled row has
# neither: they are nullable here (empty cells) so that row can be exported.
LABEL_COLUMNS: tuple[Column, ...] = (
    Column("report_date_local", "date"),
    Column("label_id", "uuid", nullable=True),
    Column("label_name", "text", nullable=True),
    Column("instrument_count", "integer"),
    Column("realized_pnl", "dec"),
    Column("unrealized_pnl", "dec"),
    Column("total_pnl", "dec"),
    Column("fees", "dec"),
    Column("withholding_tax", "dec"),
    Column("provisional", "boolean"),
)


# SPEC §13, `/reports/reconciliation/diff`, columns 1-16 in order.
DIFF_COLUMNS: tuple[Column, ...] = (
    Column("report_date_local", "date"),
    Column("instrument_id", "uuid"),
    Column("conid", "text"),
    Column("symbol", "text"),
    Column("metric", "text"),
    Column("broker_value", "dec", nullable=True),
    Column("economic_value", "dec", nullable=True),
    Column("abs_diff", "dec"),
    Column("rel_diff", "dec", nullable=True),
    Column("tolerance_abs", "dec"),
    Column("tolerance_rel", "dec"),
    Column("within_tolerance", "boolean"),
    Column("formula_context", "text", nullable=True),
    Column("source_event_id", "uuid", nullable=True),
    Column("source_raw_record_id", "uuid", nullable=True),
    Column("provisional", "boolean"),
)


def diff_csv(rows: Iterable[DiffRow]) -> str:
    """The reconciliation diff CSV v1 text of `rows`, header first."""
    return write_csv(DIFF_COLUMNS, rows)


def instrument_csv(rows: Iterable[InstrumentPnl]) -> str:
    """The by-instrument CSV v1 text of `rows`, header first."""
    return write_csv(INSTRUMENT_COLUMNS, rows)


def label_csv(rows: Iterable[LabelPnl]) -> str:
    """The by-label CSV v1 text of `rows`, header first."""
    return write_csv(LABEL_COLUMNS, rows)


def write_csv(columns: tuple[Column, ...], rows: Iterable[object]) -> str:
    """CSV text: the header, then one line per row (attributes named by columns).

    Raises:
        ExportContractError: a row has a value that does not fit its column.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([column.name for column in columns])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_cell(column, row, number) for column in columns])
    return buffer.getvalue()


def format_cell(column: Column, value: object) -> str:
    """One value as its CSV v1 cell text.

    Raises:
        ExportContractError: the value does not fit the column.
    """
    if value is None:
        if column.nullable:
            return ""
        raise _violation(column, value, "is null")
    if column.type == "dec":
        return _decimal(column, value)
    cell = _FORMATTERS[column.type](value)
    if cell is None:
        raise _violation(column, value, f"is not a {column.type}")
    return cell


def neutralise_formula(text: str) -> str:
    """`text` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _boolean(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None


def _integer(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _date(value: object) -> str | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return None


def _uuid(value: object) -> str | None:
    return str(value).lower() if isinstance(value, uuid.UUID) else None


def _text(value: object) -> str | None:
    return neutralise_formula(value) if isinstance(value, str) else None


_FORMATTERS: Mapping[ColumnType, Callable[[object], str | None]] = {
    "boolean": _boolean,
    "integer": _integer,
    "date": _date,
    "uuid": _uuid,
    "text": _text,
}


def _cell(column: Column, row: object, number: int) -> str:
    try:
        value = getattr(row, column.name)
    except AttributeError:
        raise ExportContractError(
            f"CSV {SCHEMA_VERSION} row {number} has no {column.name!r}."
        ) from None
    try:
        return format_cell(column, value)
    except ExportContractError as error:
        raise ExportContractError(f"Row {number}: {error.message}") from None


def _decimal(column: Column, value: object) -> str:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _violation(column, value, "is not a finite decimal")
    if value.is_zero():
        return "0.00000000"  # never "-0.00000000"
    if value.adjusted() >= _DEC_MAX_INTEGER_DIGITS:
        raise _violation(column, value, "does not fit decimal(24,8)")
    quantized = value.quantize(_DEC_PLACES)
    if quantized != value:
        raise _violation(column, value, "has more than 8 decimal places")
    return format(quantized, "f")


def _violation(column: Column, value: object, problem: str) -> ExportContractError:
    return ExportContractError(
        f"CSV {SCHEMA_VERSION} column {column.name!r} {problem}: {value!r}."
    )
