"""fetch_tuples gives what the ORM gives, value for value and type for type."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from flexledger.db.base import Base
from flexledger.db.bulk_read import fetch_tuples, uuid_from_hex
from flexledger.db.database import Database
from flexledger.db.tables import (
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventTradeFillRow,
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
    RawRecordRow,
)
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.instruments import import_statement, import_uabean

UABEAN = "OSadovy__uabean__beancount.xml"
# Each table with a real file that fills it.
TABLES: list[tuple[type[Base], str]] = [
    (EventTradeFillRow, UABEAN),
    (EventCashflowRow, UABEAN),
    (EventFxRow, "clifton__ib-flex__activity_backfill.xml"),
    (EventCorpActionRow, UABEAN),
    (PositionLotRow, UABEAN),
    (LotClosureRow, UABEAN),
    (LedgerCheckRow, UABEAN),
    (PnlSnapshotDailyRow, UABEAN),
    (RawRecordRow, UABEAN),
]


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, str], ...]]:
    # repr tells Decimal('1.00000000') from Decimal('1') and aware from naive.
    return [tuple((type(v).__name__, repr(v)) for v in row) for row in rows]


@pytest.mark.parametrize(
    ("table", "file"), TABLES, ids=[table.__tablename__ for table, _ in TABLES]
)
def test_every_column_reads_as_the_orm_reads_it(
    database: Database, table: type[Base], file: str
) -> None:
    import_statement(database, FLEX_DIR / file)
    columns = list(table.__table__.columns)
    statement = select(*columns).order_by(*columns[:1])
    with database.unit_of_work() as uow:
        expected = [tuple(row) for row in uow.session.execute(statement)]
        got = fetch_tuples(uow.session, statement)
    assert expected, f"the fixture gives {table.__tablename__} rows"
    assert _typed(got) == _typed(expected)


def test_a_filtered_joined_read_keeps_its_where_and_order(database: Database) -> None:
    import_uabean(database)
    statement = (
        select(EventTradeFillRow.ib_exec_id, RawRecordRow.section_name)
        .join(
            RawRecordRow,
            RawRecordRow.raw_record_id == EventTradeFillRow.source_raw_record_id,
        )
        .where(EventTradeFillRow.side == "SELL")
        .order_by(EventTradeFillRow.ib_exec_id.desc())
    )
    with database.unit_of_work() as uow:
        expected = [tuple(row) for row in uow.session.execute(statement)]
        assert fetch_tuples(uow.session, statement) == expected
    assert len(expected) > 1


@given(st.uuids())
def test_uuid_from_hex_is_the_uuid_constructor(value: uuid.UUID) -> None:
    made = uuid_from_hex(value.hex)
    built = uuid.UUID(hex=value.hex)
    assert made == built
    assert hash(made) == hash(built)
    assert str(made) == str(built)
    assert made.is_safe == built.is_safe
    assert made.version == built.version
    assert {made: 1}[built] == 1


@pytest.mark.parametrize("text", ["", "abc", "0" * 31, "0" * 33, "g" * 32])
def test_uuid_from_hex_refuses_what_is_not_a_stored_id(text: str) -> None:
    with pytest.raises(ValueError, match=r"UUID|invalid literal"):
        uuid_from_hex(text)
