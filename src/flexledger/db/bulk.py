"""Inserts of many rows through the driver's executemany, one statement per batch.

A 100k-trade import writes over half a million derived rows. SQLAlchemy's ORM bulk
insert spends most of that time assembling parameters row by row; here each
column's bind processor (the very conversion the ORM applies: ExactDecimal's
rounding and range check, UUIDs, UTC instants, JSON) is looked up once and applied
in a tight loop, and the driver gets plain tuples or dicts. The commonest values
(Decimal, UUID, UTC instants and dates on SQLite) take a direct path that gives the
same stored text as the column type; anything else goes through the type. Column
defaults the rows leave out (audit instants) are filled once per call, as one
insert's instant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Column, Date, Dialect, Table, Uuid, insert
from sqlalchemy.orm import Session

from flexledger.db.base import Base
from flexledger.db.types import ExactDecimal, UtcDateTime
from flexledger.domain.money import DecimalScale, to_scale

BATCH_ROWS = 5_000

_Processor = Callable[[Any], Any] | None


def insert_many(
    session: Session,
    target: type[Base] | Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Insert `rows` (all with the same keys) in the session's transaction.

    Returns:
        How many rows were inserted.

    Raises:
        ValueError: a row's keys differ from the first row's.
    """
    if not rows:
        return 0
    table = target if isinstance(target, Table) else cast("Table", target.__table__)
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    defaults = _missing_defaults(table, names)
    columns = [*names, *defaults]
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    processors = [_processor(table.columns[name], dialect) for name in columns]
    positional = compiled.positiontup is not None
    order = list(compiled.positiontup or columns)
    index = [columns.index(name) for name in order]
    fixed = tuple(defaults.values())
    sql = str(compiled)
    for start in range(0, len(rows), batch_rows):
        chunk = rows[start : start + batch_rows]
        params: list[Any] = []
        for row in chunk:
            try:
                if len(row) != len(names):
                    raise KeyError(len(row))
                values = [*(row[name] for name in names), *fixed]
            except KeyError as exc:
                raise ValueError(
                    f"rows for {table.name} must share one set of keys"
                ) from exc
            converted = [
                value if process is None else process(value)
                for value, process in zip(values, processors, strict=True)
            ]
            if positional:
                params.append(tuple(converted[i] for i in index))
            else:
                params.append(dict(zip(columns, converted, strict=True)))
        connection.exec_driver_sql(sql, params)
    return len(rows)


def _missing_defaults(table: Table, names: Sequence[str]) -> dict[str, Any]:
    """Python-side defaults of the columns the rows leave out (e.g. created_at)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in names or default is None:
            continue
        if default.is_callable:
            values[column.name] = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            values[column.name] = default.arg  # type: ignore[attr-defined]
    return values


def _processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """The column type's bind conversion, with a direct path for common values."""
    general = column.type.dialect_impl(dialect).bind_processor(dialect)
    if general is None:
        return None
    kind = column.type
    if isinstance(kind, ExactDecimal):
        return _decimal(kind.scale_rule, general, as_text=dialect.name == "sqlite")
    if dialect.name == "sqlite":
        for family, direct in _SQLITE_DIRECT:
            if isinstance(kind, family):
                return direct(general)
    return general


def _decimal(
    rule: DecimalScale, general: Callable[[Any], Any], *, as_text: bool
) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if type(value) is not Decimal:
            return general(value)
        exact = to_scale(value, rule)
        return format(exact, "f") if as_text else exact

    return convert


def _utc_text(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is dt.UTC:
            # SQLAlchemy's SQLite DATETIME text: always six fraction digits.
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return general(value)

    return convert


def _uuid_hex(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return value.hex if type(value) is uuid.UUID else general(value)

    return convert


def _date_text(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return value.isoformat() if type(value) is dt.date else general(value)

    return convert


_SQLITE_DIRECT: tuple[
    tuple[type[Any], Callable[[Callable[[Any], Any]], Callable[[Any], Any]]], ...
] = ((UtcDateTime, _utc_text), (Uuid, _uuid_hex), (Date, _date_text))
