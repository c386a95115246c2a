"""Reads of many rows as plain tuples, converted column by column in a tight loop.

The ledger reads every fill of the instruments it replays: 100k rows of 19 columns
at 100k trades. Through the ORM that took several seconds on SQLite, mostly in
per-value type processing (a regex per instant, a checked UUID per id, a wrapper
call per decimal). Here the driver's values are fetched untouched and each column
gets one direct conversion that gives what the column type gives: SQLite's text
for decimals, ids, instants and dates is read straight into Decimal, UUID,
aware UTC datetime and date. Other types, and every type on PostgreSQL (whose
driver builds the Python values itself), keep SQLAlchemy's own processing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Dialect, Select, Uuid, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType, TypeEngine

from flexledger.db.types import ExactDecimal, UtcDateTime
from flexledger.domain.ids import uuid_of_int

_Convert = Callable[[Any], Any] | None


def uuid_from_hex(value: str) -> uuid.UUID:
    """`uuid.UUID(hex=value)` for the 32 lowercase digits SQLite stores, faster.

    UUID's constructor parses and checks several spellings (braces, dashes,
    `urn:`); stored ids have one (a property test holds the two equal in value,
    hash, text and safety).

    Raises:
        ValueError: `value` is not 32 hexadecimal digits.
    """
    if len(value) != 32:  # a UUID has 32 hex digits
        raise ValueError(f"not a stored UUID: {value!r}")
    return uuid_of_int(int(value, 16))


def fetch_tuples(
    session: Session, statement: Select[*tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Every row of `statement` as a tuple, values as its column types give them."""
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return [tuple(row) for row in connection.execute(statement)]
    columns: Sequence[ColumnElement[Any]] = list(statement.selected_columns)
    converters = [_sqlite_converter(column.type, dialect) for column in columns]
    # NullType has no result processing: the driver's values come through as is.
    untouched = statement.with_only_columns(
        *(
            type_coerce(column, NullType()).label(f"c{index}")
            for index, column in enumerate(columns)
        ),
        maintain_column_froms=True,
    )
    rows = connection.execute(untouched).fetchall()
    converted = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not converted:
        return [tuple(row) for row in rows]
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for index, convert in converted:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        out.append(tuple(values))
    return out


def _sqlite_converter(kind: TypeEngine[Any], dialect: Dialect) -> _Convert:
    general = kind.dialect_impl(dialect).result_processor(dialect, None)
    direct: _Convert = None
    if isinstance(kind, ExactDecimal):
        direct = Decimal  # our own fixed-scale text, exact as written
    elif isinstance(kind, Uuid) and kind.as_uuid:
        direct = uuid_from_hex
    elif isinstance(kind, UtcDateTime):
        direct = _utc_instant
    elif isinstance(kind, Date):
        direct = dt.date.fromisoformat
    if direct is None:
        return general
    return _text_or(direct, general)


def _text_or(direct: Callable[[str], Any], general: _Convert) -> _Convert:
    """`direct` for the text SQLite stores; anything else as the type reads it."""

    def convert(value: Any) -> Any:
        if type(value) is str:
            return direct(value)
        return value if general is None else general(value)

    return convert


def _utc_instant(value: Any) -> Any:
    # SQLAlchemy's SQLite DATETIME text, "YYYY-MM-DD HH:MM:SS[.ffffff]", naive UTC.
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


__all__ = ["fetch_tuples", "uuid_from_hex"]
