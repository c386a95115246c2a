"""Options and value printing every `flexledger report` command shares."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated

import typer


class OutputFormat(enum.StrEnum):
    """How a report is printed: a table, JSON, or the SPEC §13 CSV v1 table."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def parse_uuid(value: str) -> uuid.UUID:
    """An id option's value."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id (a UUID)") from None


def parse_date(value: str) -> dt.date:
    """A ``YYYY-MM-DD`` option's value."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def decimal_text(value: Decimal | None) -> str:
    """A table cell: plain digits, ``-`` for none."""
    return "-" if value is None else format(value, "f")


def json_value(value: object) -> object:
    """A value as JSON carries it: decimals, ids and dates as strings."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, uuid.UUID | dt.date):
        return str(value)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


FromOption = Annotated[
    dt.date | None,
    typer.Option(
        "--from",
        parser=parse_date,
        metavar="DATE",
        help="First business date (YYYY-MM-DD).",
    ),
]
ToOption = Annotated[
    dt.date | None,
    typer.Option(
        "--to",
        parser=parse_date,
        metavar="DATE",
        help="Last business date (YYYY-MM-DD).",
    ),
]
LabelOption = Annotated[
    uuid.UUID | None,
    typer.Option(
        "--label", parser=parse_uuid, metavar="LABEL_ID", help="Only this label."
    ),
]
InstrumentOption = Annotated[
    uuid.UUID | None,
    typer.Option(
        "--instrument", parser=parse_uuid, metavar="ID", help="Only this instrument."
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="table, json or csv (SPEC §13 v1).")
]


def check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    """Refuse a range that ends before it starts.

    Raises:
        typer.BadParameter: `--from` is after `--to`.
    """
    if date_from and date_to and date_from > date_to:
        raise typer.BadParameter("--from must not be after --to")
