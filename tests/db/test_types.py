"""Money, quantities and instants survive a round trip exactly on both dialects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from flexledger.db.database import Database
from flexledger.db.tables import EventTradeFillRow
from flexledger.db.types import UtcDateTime, fx_rate, money
from tests.fixtures import builders

EXACT_VALUES = [
    "12345678901234.12345678",
    "-0.00000001",
    "0",
    "9999999999999999.99999999",
    "-9999999999999999.99999999",
    "0.10000000",
    "187.25",
]

_probe_metadata = MetaData()
_probe = Table(
    "decimal_probe",
    _probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", money()),
    Column("rate", fx_rate()),
    Column("at", UtcDateTime()),
)


@pytest.fixture
def probe(database: Database) -> Iterator[Database]:
    _probe_metadata.create_all(database.engine)
    try:
        yield database
    finally:
        _probe_metadata.drop_all(database.engine)


def _round_trip(database: Database, **values: object) -> dict[str, object]:
    with database.engine.begin() as connection:
        connection.execute(_probe.delete())
        connection.execute(insert(_probe).values(id=1, **values))
    with database.engine.connect() as connection:
        row = connection.execute(select(_probe)).mappings().one()
    return dict(row)


@pytest.mark.parametrize("literal", EXACT_VALUES)
def test_money_round_trips_exactly(probe: Database, literal: str) -> None:
    stored = _round_trip(probe, amount=Decimal(literal))["amount"]
    assert isinstance(stored, Decimal)
    assert stored == Decimal(literal)
    assert format(stored, "f") == format(
        Decimal(literal).quantize(Decimal("1E-8")), "f"
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.decimals(
        min_value=Decimal("-9999999999999999.99999999"),
        max_value=Decimal("9999999999999999.99999999"),
        places=8,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_any_numeric_24_8_value_round_trips(probe: Database, value: Decimal) -> None:
    assert _round_trip(probe, amount=value)["amount"] == value


def test_fx_rates_keep_ten_places(probe: Database) -> None:
    assert _round_trip(probe, rate=Decimal("0.9123456789"))["rate"] == Decimal(
        "0.9123456789"
    )


@pytest.mark.parametrize(
    ("given_value", "stored"),
    [
        ("0.000000005", "0.00000000"),  # half-even: to the even neighbour
        ("0.000000015", "0.00000002"),
        ("-0.000000025", "-0.00000002"),
    ],
)
def test_extra_places_round_half_even_on_both_dialects(
    probe: Database, given_value: str, stored: str
) -> None:
    assert _round_trip(probe, amount=Decimal(given_value))["amount"] == Decimal(stored)


def test_values_too_large_for_the_column_are_refused(probe: Database) -> None:
    with pytest.raises(StatementError, match=r"does not fit numeric\(24,8\)"):
        _round_trip(probe, amount=Decimal("10000000000000000"))


def test_floats_are_refused_in_money_columns(probe: Database) -> None:
    with pytest.raises(StatementError, match="take Decimal, got float"):
        _round_trip(probe, amount=0.1)


def test_instants_come_back_as_the_same_utc_instant(probe: Database) -> None:
    jerusalem = dt.timezone(dt.timedelta(hours=3))
    written = dt.datetime(2026, 3, 27, 1, 30, 15, 123456, tzinfo=jerusalem)
    if probe.dialect == "postgresql":
        # The session zone must not leak into what we read back.
        with probe.engine.begin() as connection:
            connection.execute(_probe.delete())
            connection.execute(insert(_probe).values(id=1, at=written))
        with probe.engine.connect() as connection:
            connection.execute(text("SET TIME ZONE 'America/New_York'"))
            read = connection.execute(select(_probe.c.at)).scalar_one()
    else:
        read = _round_trip(probe, at=written)["at"]
    assert isinstance(read, dt.datetime)
    assert read == written
    assert read.utcoffset() == dt.timedelta(0)


def test_naive_instants_are_refused(probe: Database) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        _round_trip(probe, at=dt.datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001 - on purpose


def test_trade_fill_money_columns_round_trip_through_the_real_schema(
    database: Database,
) -> None:
    run = builders.ingestion_run()
    artifact = builders.raw_artifact(run)
    record = builders.raw_record(artifact)
    instrument = builders.instrument()
    fill = builders.trade_fill(
        record,
        instrument,
        quantity=Decimal("-0.00000001"),
        price=Decimal("12345678901234.12345678"),
        commission=Decimal("-1.00035"),
        fx_rate_to_base=Decimal("3.6512345678"),
    )
    with database.unit_of_work() as uow:
        for row in (run, artifact, record, instrument, fill):
            uow.session.add(row)
            uow.session.flush()
    with database.unit_of_work() as uow:
        stored = uow.session.get(EventTradeFillRow, fill.event_trade_fill_id)
        assert stored is not None
        assert stored.quantity == Decimal("-0.00000001")
        assert stored.price == Decimal("12345678901234.12345678")
        assert stored.commission == Decimal("-1.00035000")
        assert stored.fx_rate_to_base == Decimal("3.6512345678")
        assert stored.created_at_utc.tzinfo is not None
