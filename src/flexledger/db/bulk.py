"""Inserts of many rows through the driver's executemany, one statement per batch.

A 100k-trade import writes over half a million derived rows. SQLAlchemy's ORM bulk
insert spends most of that time assembling parameters row by row; here each
column's bind processor (the very conversion the ORM applies: ExactDecimal's
rounding and range check, UUIDs, UTC instants, JSON) is looked up once and applied
in a tight loop, and the driver gets plain tuples, a batch at a time on a worker
thread while the next batch is converted. On SQLite a batch goes as a few
multi-row `INSERT … VALUES (…), (…)` statements, not `executemany`: pysqlite
releases the GIL for each statement step and must win it back before the next,
and while the caller converts the next batch that takes up to a switch interval
(5 ms) each time; per row, the worker would crawl (780 s for 100k rows beside a
busy thread, against 1.5 s alone), per statement of a thousand rows it keeps
pace. The values are bound exactly as `executemany` binds them. The commonest values
(Decimal, UUID, UTC instants and dates on SQLite) take a direct path that gives the
same stored text as the column type; anything else goes through the type. Column
defaults the rows leave out (audit instants) are filled once per call, as one
insert's instant. `BulkWriter` keeps one worker for several tables, so a caller
can compute its next rows while the database stores the last.
"""

from __future__ import annotations

import datetime as dt
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, cast

from sqlalchemy import Column, Connection, Date, Dialect, Table, Uuid
from sqlalchemy.orm import Session

from flexledger.db.base import Base
from flexledger.db.types import ExactDecimal, UtcDateTime
from flexledger.domain.money import DecimalScale

BATCH_ROWS = 5_000
# Converted batches waiting for the worker: the caller runs ahead by this much.
_QUEUED_BATCHES = 1
# SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32; older builds say 999.
_SQLITE_VARIABLES = 32_766
# The direct converters remember their last value by identity: consecutive rows
# share objects (a snapshot keeps the day before's unchanged Decimals, a lot its
# instrument's UUID), and those types are immutable, so the same object always
# stores the same text: a quarter of a 100k-trade import's values are repeats.
_NOTHING = object()

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
    if len(rows) <= batch_rows:  # one batch: no worker thread to start
        connection = session.connection()
        converter = _Converter(_table_of(target), rows[0], connection.dialect)
        _executor(connection, converter.table, converter.columns)(
            converter.convert(rows)
        )
        return len(rows)
    with BulkWriter(session, batch_rows=batch_rows) as writer:
        return writer.insert(target, rows)


class BulkWriter:
    """Inserts into several tables from one worker thread, in the order given.

    The caller converts rows a batch at a time and goes on (converting the next
    batch, or computing the next rows) while the worker executes them, so the
    database's work runs beside the caller's instead of after it. Until the
    block ends the caller must not touch the session's connection: the block's
    end waits for the last batch and raises the first error a batch met.
    Conversions are kept per table and set of keys, so column defaults the rows
    leave out (audit instants) are one value for the whole block.
    """

    def __init__(self, session: Session, *, batch_rows: int = BATCH_ROWS) -> None:
        self._connection = session.connection()
        self._batch_rows = batch_rows
        self._converters: dict[tuple[str, tuple[str, ...]], _Converter] = {}
        self._executors: dict[
            tuple[str, tuple[str, ...]], Callable[[list[tuple[Any, ...]]], object]
        ] = {}
        self._pipeline = _BatchPipeline()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._pipeline.close(raise_error=kind is None)

    def insert(
        self, target: type[Base] | Table, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Queue `rows` (all with the same keys); returns how many.

        Raises:
            ValueError: a row's keys differ from the first row's.
        """
        if not rows:
            return 0
        table = _table_of(target)
        key = (table.name, tuple(rows[0]))
        converter = self._converters.get(key)
        if converter is None:
            converter = _Converter(table, rows[0], self._connection.dialect)
            self._converters[key] = converter
        execute = self._executor(table, tuple(converter.columns))
        for start in range(0, len(rows), self._batch_rows):
            batch = rows[start : start + self._batch_rows]
            self._pipeline.send(execute, converter.convert(batch))
        return len(rows)

    def insert_prepared(self, prepared: PreparedRows) -> int:
        """Queue rows `prepare_rows` converted; returns how many."""
        params = prepared.params
        if not params:
            return 0
        table = Base.metadata.tables[prepared.table_name]
        execute = self._executor(table, prepared.columns)
        for start in range(0, len(params), self._batch_rows):
            self._pipeline.send(execute, params[start : start + self._batch_rows])
        return len(params)

    def _executor(
        self, table: Table, columns: tuple[str, ...]
    ) -> Callable[[list[tuple[Any, ...]]], object]:
        key = (table.name, columns)
        execute = self._executors.get(key)
        if execute is None:
            execute = _executor(self._connection, table, columns)
            self._executors[key] = execute
        return execute


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """Rows already converted to the driver's values, for `insert_prepared`.

    Built without a connection (`prepare_rows`), so another process can convert
    rows and hand over plain tuples of text and numbers, cheap to pickle.
    """

    table_name: str
    columns: tuple[str, ...]
    params: list[tuple[Any, ...]]


def prepare_rows(
    target: type[Base] | Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> PreparedRows:
    """`rows` converted as `insert_many` converts them (same keys in every row).

    Raises:
        ValueError: a row's keys differ from the first row's.
    """
    table = _table_of(target)
    if not rows:
        return PreparedRows(table.name, (), [])
    converter = _Converter(table, rows[0], dialect)
    return PreparedRows(table.name, tuple(converter.columns), converter.convert(rows))


def insert_prepared(
    session: Session, prepared: PreparedRows, *, batch_rows: int = BATCH_ROWS
) -> int:
    """Insert rows `prepare_rows` converted; returns how many."""
    with BulkWriter(session, batch_rows=batch_rows) as writer:
        return writer.insert_prepared(prepared)


def _table_of(target: type[Base] | Table) -> Table:
    return target if isinstance(target, Table) else cast("Table", target.__table__)


class _Converter:
    """Turns row mappings into parameter tuples in `columns` order."""

    def __init__(
        self, table: Table, first: Mapping[str, Any], dialect: Dialect
    ) -> None:
        self.table = table
        names = list(first)
        defaults = _missing_defaults(table, names)
        fixed: list[Any] = []
        for name, value in defaults.items():
            process = _processor(table.columns[name], dialect)
            fixed.append(value if process is None else process(value))
        self.columns = [*names, *defaults]
        self._fixed = tuple(fixed)
        self._width = len(names)
        self._read = itemgetter(*names)
        processors = [_processor(table.columns[name], dialect) for name in names]
        self._converted = [(i, p) for i, p in enumerate(processors) if p is not None]

    def convert(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        read, width, fixed = self._read, self._width, self._fixed
        converted = self._converted
        single = width == 1
        params: list[tuple[Any, ...]] = []
        for row in rows:
            try:
                if len(row) != width:
                    raise KeyError(len(row))
                values = [read(row)] if single else list(read(row))
            except KeyError as exc:
                raise ValueError(
                    f"rows for {self.table.name} must share one set of keys"
                ) from exc
            for index, process in converted:
                values[index] = process(values[index])
            params.append((*values, *fixed))
        return params


class _BatchPipeline:
    """Executes batches on a worker thread while the caller prepares the next.

    The drivers release the GIL while the database works on a statement
    (SQLite's step, PostgreSQL's round trips), so the caller's work runs beside
    the insert of the batch before. At most `_QUEUED_BATCHES` wait; the worker
    starts with the first. `close` waits for the last batch and raises the first
    error a batch met.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[
            tuple[Callable[[list[tuple[Any, ...]]], object], list[tuple[Any, ...]]]
            | None
        ] = queue.Queue(_QUEUED_BATCHES)
        self._error: BaseException | None = None
        self._worker: threading.Thread | None = None

    def send(
        self,
        execute: Callable[[list[tuple[Any, ...]]], object],
        params: list[tuple[Any, ...]],
    ) -> None:
        """Queue a batch; raises the error an earlier batch met."""
        self._raise_error()
        if self._worker is None:
            self._worker = threading.Thread(
                target=self._run, name="flexledger-insert", daemon=True
            )
            self._worker.start()
        self._queue.put((execute, params))

    def close(self, *, raise_error: bool) -> None:
        """Wait for the queued batches; raise their first error if asked."""
        if self._worker is None:
            return
        self._queue.put(None)
        self._worker.join()
        self._worker = None
        if raise_error:
            self._raise_error()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain, so the caller never blocks on a full queue
            execute, params = item
            try:
                execute(params)
            except BaseException as exc:  # handed to the caller
                self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error


def _executor(
    connection: Connection, table: Table, columns: Sequence[str]
) -> Callable[[list[tuple[Any, ...]]], object]:
    """Inserts a batch of parameter tuples: one `executemany`.

    On SQLite: multi-row statements (see the module docstring).
    """
    dialect = connection.dialect
    if dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        quote = dialect.identifier_preparer.quote
        statements = SqliteRowsInsert(
            quote(table.name), [quote(c) for c in columns], driver
        )

        def execute(params: list[tuple[Any, ...]]) -> None:
            for sql, flat in statements.of(params):
                connection.exec_driver_sql(sql, flat)

        return execute
    sql = _insert_sql(table, columns, dialect)
    return lambda params: connection.exec_driver_sql(sql, params)


class SqliteRowsInsert:
    """Multi-row `INSERT … VALUES (…), (…)` statements for batches of rows.

    Each statement binds as many rows as SQLite's bound-variable limit allows (up
    to its default since 3.32), so SQLite works through them in one step with
    the GIL released. The values are bound as `executemany` would bind them.
    """

    def __init__(self, table: str, columns: Sequence[str], driver: Any) -> None:
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 - schema names
        self._row = "(" + ", ".join("?" for _ in columns) + ")"
        self._per_statement = max(1, min(limit, _SQLITE_VARIABLES) // len(columns))
        self._full = self._sql(self._per_statement)

    def of(
        self, rows: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """(statement, flat parameters) pairs that insert `rows`, in order."""
        size = self._per_statement
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = self._full if len(chunk) == size else self._sql(len(chunk))
            yield sql, tuple(chain.from_iterable(chunk))

    def _sql(self, rows: int) -> str:
        return self._head + ", ".join([self._row] * rows)


def _insert_sql(table: Table, columns: Sequence[str], dialect: Dialect) -> str:
    """A positional INSERT in `columns` order, in the driver's placeholder style."""
    placeholders = {"qmark": "?", "format": "%s", "pyformat": "%s"}
    if dialect.paramstyle not in placeholders:
        raise ValueError(f"unsupported driver paramstyle {dialect.paramstyle!r}")
    quote = dialect.identifier_preparer.quote
    marks = ", ".join(placeholders[dialect.paramstyle] for _ in columns)
    return (
        f"INSERT INTO {quote(table.name)} "  # noqa: S608 - names from the schema
        f"({', '.join(quote(c) for c in columns)}) VALUES ({marks})"
    )


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
    # to_scale's rounding and range check, inlined: this runs millions of times.
    # |x| < 10**k exactly when x's adjusted exponent (floor(log10|x|)) is below k,
    # and comparing two ints is a third of the cost of comparing two Decimals.
    quantum, integer_digits = rule.quantum, rule.precision - rule.scale
    last_in: Any = _NOTHING
    last_out: Any = None

    def convert(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is last_in:
            return last_out
        if type(value) is not Decimal or not value.is_finite():
            return general(value)
        try:
            # Positional: C decimal parses keyword arguments slowly.
            exact = value.quantize(quantum, ROUND_HALF_EVEN)
        except InvalidOperation:
            return general(value)  # more digits than any context: out of range
        if exact.adjusted() >= integer_digits:
            return general(value)  # raises the type's out-of-range error
        if as_text:
            # str is plain notation for every quantized value but the tiny ones
            # (below 1e-6, zero among them), and three times faster than format.
            text = str(exact)
            last_out = format(exact, "f") if "E" in text else text
        else:
            last_out = exact
        last_in = value
        return last_out

    return convert


def _remembered(
    kind: type[Any], direct: Callable[[Any], Any]
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """A converter factory: `direct` for values of exactly `kind`, else the type's.

    `direct` returns None for a value it leaves to the type.
    """

    def factory(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
        last_in: Any = _NOTHING
        last_out: Any = None

        def convert(value: Any) -> Any:
            nonlocal last_in, last_out
            if value is last_in:
                return last_out
            if type(value) is not kind or (text := direct(value)) is None:
                return general(value)
            last_in, last_out = value, text
            return text

        return convert

    return factory


def _utc_text(value: dt.datetime) -> str | None:
    if value.tzinfo is not dt.UTC:
        return None
    # SQLAlchemy's SQLite DATETIME text: always six fraction digits. Cutting the
    # "+00:00" off is a quarter faster than a naive copy's isoformat.
    return value.isoformat(" ", "microseconds")[:-6]


_SQLITE_DIRECT: tuple[
    tuple[type[Any], Callable[[Callable[[Any], Any]], Callable[[Any], Any]]], ...
] = (
    (UtcDateTime, _remembered(dt.datetime, _utc_text)),
    # attrgetter (C) calls the property itself: one Python frame less per id.
    (Uuid, _remembered(uuid.UUID, attrgetter("hex"))),
    (Date, _remembered(dt.date, dt.date.isoformat)),
)
