"""insert_many stores exactly what the ORM's insert stores, on both dialects."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from flexledger.db.bulk import BulkWriter, insert_many
from flexledger.db.database import Database
from flexledger.db.types import UtcDateTime, money
from flexledger.domain.money import DecimalOutOfRangeError

_metadata = MetaData()


def _probe_table(name: str) -> Table:
    return Table(
        name,
        _metadata,
        Column("row_id", Integer, primary_key=True),
        Column("key", Uuid),
        Column("amount", money()),
        Column("day", Date),
        Column("at", UtcDateTime()),
        Column("flag", Boolean),
        Column("label", Text),
        Column("document", JSON),
    )


_orm_side = _probe_table("bulk_probe_orm")
_binary_side = Table(
    "bulk_probe_binary",
    _metadata,
    Column("row_id", Integer, primary_key=True),
    Column("body", LargeBinary),
)
_bulk_side = _probe_table("bulk_probe_bulk")
_JERUSALEM = dt.timezone(dt.timedelta(hours=2))


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "row_id": 1,
            "key": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "amount": Decimal("-12345678901234.123456789"),  # rounds half-even
            "day": dt.date(2025, 3, 9),
            "at": dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.UTC),  # no fraction
            "flag": True,
            "label": "AAPL",
            "document": {"b": 1, "a": [1, "x"]},
        },
        {
            "row_id": 2,
            "key": None,
            "amount": 7,  # an int goes the type's own way
            "day": None,
            "at": dt.datetime(2025, 10, 26, 1, 30, 0, 12, tzinfo=_JERUSALEM),
            "flag": False,
            "label": None,
            "document": None,
        },
        {
            "row_id": 3,
            "key": uuid.UUID(int=0),
            "amount": Decimal("0E-12"),
            "day": dt.date(1999, 12, 31),
            "at": None,
            "flag": None,
            "label": "",
            "document": [],
        },
    ]


@pytest.fixture
def probes(database: Database) -> Iterator[Database]:
    _metadata.create_all(database.engine)
    try:
        yield database
    finally:
        _metadata.drop_all(database.engine)


def _stored_text(database: Database, table: Table) -> list[tuple[Any, ...]]:
    """Each row as the database holds it, cast to text (no type processing).

    On SQLite each value's storage class comes too: text '1' and integer 1 differ.
    """
    kind = "typeof" if database.dialect == "sqlite" else "pg_typeof"
    names = ", ".join(
        f"CAST({c.name} AS TEXT), CAST({kind}({c.name}) AS TEXT)" for c in table.columns
    )
    with database.engine.connect() as connection:
        return list(
            connection.exec_driver_sql(
                f"SELECT {names} FROM {table.name} ORDER BY row_id"  # noqa: S608 - fixed names
            )
        )


def test_insert_many_stores_what_the_orm_stores(probes: Database) -> None:
    with probes.unit_of_work() as uow:
        uow.session.execute(insert(_orm_side), _rows())
        assert insert_many(uow.session, _bulk_side, _rows(), batch_rows=2) == 3
    assert _stored_text(probes, _bulk_side) == _stored_text(probes, _orm_side)
    with probes.engine.connect() as connection:
        read = [dict(r) for r in connection.execute(select(_bulk_side)).mappings()]
    assert read[0]["amount"] == Decimal("-12345678901234.12345679")
    assert read[1]["at"] == dt.datetime(2025, 10, 25, 23, 30, 0, 12, tzinfo=dt.UTC)
    assert read[0]["document"] == {"b": 1, "a": [1, "x"]}


def test_insert_many_refuses_what_the_type_refuses(probes: Database) -> None:
    with pytest.raises(TypeError, match="take Decimal"), probes.unit_of_work() as uow:
        insert_many(uow.session, _bulk_side, [{**_rows()[0], "amount": 1.5}])
    for too_big in (Decimal("1E+16"), Decimal("-1E+40")):
        with (
            pytest.raises(DecimalOutOfRangeError, match="does not fit"),
            probes.unit_of_work() as uow,
        ):
            insert_many(uow.session, _bulk_side, [{**_rows()[0], "amount": too_big}])
    naive = {**_rows()[0], "at": dt.datetime(2025, 1, 1)}  # noqa: DTZ001 - the point
    with (
        pytest.raises(ValueError, match="timezone-aware"),
        probes.unit_of_work() as uow,
    ):
        insert_many(uow.session, _bulk_side, [naive])
    assert _stored_text(probes, _bulk_side) == []


@pytest.mark.parametrize("batch_rows", [5_000, 1])  # one batch; a pipeline of two
def test_insert_many_refuses_rows_with_other_keys(
    probes: Database, batch_rows: int
) -> None:
    first, second = _rows()[:2]
    del second["label"]
    with (
        pytest.raises(ValueError, match="one set of keys"),
        probes.unit_of_work() as uow,
    ):
        insert_many(uow.session, _bulk_side, [first, second], batch_rows=batch_rows)
    assert _stored_text(probes, _bulk_side) == []


def test_a_failed_batch_raises_and_the_transaction_stores_nothing(
    probes: Database,
) -> None:
    rows = _rows()
    with pytest.raises(IntegrityError), probes.unit_of_work() as uow:
        # The last batch repeats the first row's key, after the others went in.
        insert_many(uow.session, _bulk_side, [*rows, rows[0]], batch_rows=1)
    assert _stored_text(probes, _bulk_side) == []


def test_one_writer_stores_several_tables_in_the_order_given(
    probes: Database,
) -> None:
    bodies = [{"row_id": n, "body": bytes([n])} for n in range(1, 5)]
    with probes.unit_of_work() as uow, BulkWriter(uow.session, batch_rows=1) as writer:
        assert writer.insert(_bulk_side, _rows()) == 3
        assert writer.insert(_binary_side, bodies[:2]) == 2
        assert writer.insert(_binary_side, bodies[2:]) == 2
        assert writer.insert(_bulk_side, []) == 0
    with probes.unit_of_work() as uow:
        uow.session.execute(insert(_orm_side), _rows())  # the ORM's, to compare
    assert _stored_text(probes, _bulk_side) == _stored_text(probes, _orm_side)
    with probes.engine.connect() as connection:
        stored = connection.execute(
            select(_binary_side.c.body).order_by(_binary_side.c.row_id)
        ).scalars()
        assert list(stored) == [row["body"] for row in bodies]


def _write_a_repeated_key_then_another_table(database: Database) -> None:
    rows = _rows()
    with database.unit_of_work() as uow, BulkWriter(uow.session, batch_rows=1) as out:
        out.insert(_bulk_side, [*rows, rows[0]])  # the last batch repeats a key
        out.insert(_binary_side, [{"row_id": 1, "body": b"x"}])


def test_a_writer_s_failed_batch_raises_by_the_block_s_end_and_stores_nothing(
    probes: Database,
) -> None:
    with pytest.raises(IntegrityError):
        _write_a_repeated_key_then_another_table(probes)
    assert _stored_text(probes, _bulk_side) == []
    assert _stored_text(probes, _binary_side) == []


def test_binary_values_and_single_row_batches_are_stored(probes: Database) -> None:
    bodies = [{"row_id": n, "body": bytes([n, 0, 255])} for n in range(1, 5)]
    with probes.unit_of_work() as uow:
        assert insert_many(uow.session, _bulk_side, _rows(), batch_rows=1) == 3
        assert insert_many(uow.session, _binary_side, bodies, batch_rows=2) == 4
    with probes.engine.connect() as connection:
        stored = connection.execute(
            select(_binary_side.c.body).order_by(_binary_side.c.row_id)
        ).scalars()
        assert list(stored) == [row["body"] for row in bodies]
    assert len(_stored_text(probes, _bulk_side)) == 3


def test_values_repeated_by_identity_store_what_each_one_stores(
    probes: Database,
) -> None:
    # The converters remember their last object: a repeat must store the same as a
    # first sighting, and a different object right after must not reuse it.
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    amount, negative_zero = Decimal("1.123456789"), Decimal("-0")
    day = dt.date(2025, 3, 9)
    at = dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.UTC)
    values = [
        (key, amount, day, at),
        (key, amount, day, at),  # every value the same object again
        (uuid.UUID(int=1), Decimal("0"), dt.date(2025, 3, 10), None),
        (key, negative_zero, day, at.astimezone(_JERUSALEM)),  # same instant
        (key, negative_zero, day, at.astimezone(_JERUSALEM)),
        (None, amount, None, at),
    ]
    rows = [
        {**_rows()[0], "row_id": n, "key": k, "amount": a, "day": d, "at": t}
        for n, (k, a, d, t) in enumerate(values, start=1)
    ]
    with probes.unit_of_work() as uow:
        uow.session.execute(insert(_orm_side), rows)
        assert insert_many(uow.session, _bulk_side, rows, batch_rows=4) == len(rows)
    assert _stored_text(probes, _bulk_side) == _stored_text(probes, _orm_side)
    # A refused value after an accepted one is still refused.
    bad = [{**rows[0], "row_id": 10}, {**rows[0], "row_id": 11, "amount": 1.5}]
    with pytest.raises(TypeError, match="take Decimal"), probes.unit_of_work() as uow:
        insert_many(uow.session, _bulk_side, bad)


def test_every_shape_of_decimal_stores_what_the_orm_stores(probes: Database) -> None:
    # The direct path writes str() of the rounded value, format() only for the
    # shapes str() writes with an exponent: each shape must match the type's text.
    amounts = [
        Decimal(text)
        for text in (
            "0", "-0", "0E-12", "0E+3", "1E-8", "-1E-8", "5E-9", "15E-9", "1E-7",
            "0.000001", "-0.0000009", "1E+3", "-25E+2", "123.456", "1.5E-5",
            "9999999999999999.99999999", "-9999999999999999.999999994",
            "0.000000005", "-0.000000015", "42",
        )
    ]  # fmt: skip
    rows = [
        {**_rows()[0], "row_id": n, "amount": amount}
        for n, amount in enumerate(amounts, start=1)
    ]
    with probes.unit_of_work() as uow:
        uow.session.execute(insert(_orm_side), rows)
        assert insert_many(uow.session, _bulk_side, rows) == len(rows)
    assert _stored_text(probes, _bulk_side) == _stored_text(probes, _orm_side)
    # Half-even rounding past the largest value is out of range, as for the type.
    just_over = {
        **rows[0],
        "row_id": 99,
        "amount": Decimal("9999999999999999.999999995"),
    }
    with (
        pytest.raises(DecimalOutOfRangeError, match="does not fit"),
        probes.unit_of_work() as uow,
    ):
        insert_many(uow.session, _bulk_side, [just_over])


def test_a_batch_beyond_sqlite_s_variable_limit_goes_as_several_statements(
    tmp_path: Path,
) -> None:
    # SQLite gets multi-row statements of as many rows as its `?` limit allows;
    # with the limit at 20, the 8 columns of 7 rows make statements of 2, 2, 2, 1.
    database = Database(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    _metadata.create_all(database.engine)
    rows = [{**row, "row_id": row["row_id"] + n} for n in (0, 3) for row in _rows()]
    rows.append({**_rows()[0], "row_id": 7})
    statements: list[int] = []

    def count_rows(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.startswith("INSERT INTO bulk_probe_bulk "):
            statements.append(len(parameters) // 8)

    try:
        with database.unit_of_work() as uow:
            uow.session.execute(insert(_orm_side), rows)
            driver = uow.session.connection().connection.dbapi_connection
            driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 20)  # type: ignore[union-attr]
            event.listen(database.engine, "before_cursor_execute", count_rows)
            assert insert_many(uow.session, _bulk_side, rows) == len(rows)
            event.remove(database.engine, "before_cursor_execute", count_rows)
        assert statements == [2, 2, 2, 1]
        assert _stored_text(database, _bulk_side) == _stored_text(database, _orm_side)
    finally:
        database.dispose()
