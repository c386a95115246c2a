"""The unit of work commits on success and leaves nothing behind on failure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow, RawArtifactRow
from tests.fixtures import builders


def _count_runs(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(IngestionRunRow)
        ).scalar_one()


def test_commits_when_the_block_succeeds(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.session.add(builders.ingestion_run())
    assert _count_runs(database) == 1


def test_rolls_back_everything_when_the_block_raises(database: Database) -> None:
    class BoomError(Exception):
        pass

    def write_two_runs_then_fail() -> None:
        with database.unit_of_work() as uow:
            uow.session.add(builders.ingestion_run())
            uow.session.flush()
            uow.session.add(builders.ingestion_run())
            uow.session.flush()
            raise BoomError

    with pytest.raises(BoomError):
        write_two_runs_then_fail()
    assert _count_runs(database) == 0


def test_a_failed_constraint_rolls_back_earlier_writes(database: Database) -> None:
    def write_valid_then_invalid() -> None:
        with database.unit_of_work() as uow:
            uow.session.add(builders.ingestion_run())
            uow.session.flush()
            # A second run with a status outside the CHECK fails at the database.
            uow.session.add(builders.ingestion_run(status="bogus"))

    with pytest.raises(IntegrityError):
        write_valid_then_invalid()
    assert _count_runs(database) == 0


def test_foreign_keys_are_enforced(database: Database) -> None:
    orphan = builders.raw_artifact(builders.ingestion_run())
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.add(orphan)
    with database.engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(RawArtifactRow)
        ).scalar_one()
    assert count == 0
