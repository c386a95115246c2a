"""The database-backed Flex call log that paces every process alike."""

from __future__ import annotations

from sqlalchemy import select

from flexledger.db.database import Database
from flexledger.db.repositories.flex_calls import DatabaseCallLog
from flexledger.db.tables import FlexCallRow

_NOW = 1_800_000_000.0  # 2027-01-15, epoch seconds


def test_recent_calls_are_shared_per_key(database: Database) -> None:
    log = DatabaseCallLog(database)
    for offset in (0.0, 1.5, 30.25):
        log.record("ab12", _NOW + offset)
    log.record("ffff", _NOW + 2)
    # A second handle is another process reading the same table.
    other = DatabaseCallLog(database)
    assert other.recent("ab12", _NOW + 1) == [_NOW + 1.5, _NOW + 30.25]
    assert other.recent("ffff", _NOW - 60) == [_NOW + 2]
    assert other.recent("0000", _NOW - 60) == []


def test_calls_older_than_an_hour_are_pruned(database: Database) -> None:
    log = DatabaseCallLog(database)
    log.record("ab12", _NOW)
    log.record("ab12", _NOW + 3601)
    with database.unit_of_work() as uow:
        kept = list(uow.session.scalars(select(FlexCallRow.called_at_utc)))
    assert [at.timestamp() for at in kept] == [_NOW + 3601]
