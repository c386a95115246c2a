"""The bulk record writer: exact attribute text, deferred artifact key, failures."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import uuid

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from flexledger.db.database import Database
from flexledger.db.repositories.raw import NewArtifact, RawRepository, StoredArtifact
from flexledger.db.repositories.raw_bulk import RecordGroup, encode_attributes
from flexledger.db.tables import RawRecordRow
from flexledger.domain.raw import RawRecord
from tests.fixtures import builders

# The writer hands on the driver's own error; the deferred key fails at commit.
WRITE_ERRORS = (IntegrityError, sqlite3.IntegrityError, psycopg.errors.IntegrityError)

AWKWARD = {
    "symbol": 'A"B\\C',
    "description": "Société Générale — 株式 \u2028 /slash",
    "notes": "tab\there\nnewline\x01ctl",
    "empty": "",
    "Zeta": "upper before lower",
    "amount": "-1,234.50",
}


def _placements(
    count: int, attrs: dict[str, str], *, first: int = 0, account: str | None = None
) -> RecordGroup:
    records = [
        RawRecord(0, "Trades", "Trade", f"Trades:Trade:transactionID={n}", attrs)
        for n in range(first, first + count)
    ]
    return RecordGroup(records, None, account or builders.ACCOUNT)


def _planned() -> StoredArtifact:
    return StoredArtifact(
        raw_artifact_id=uuid.uuid4(),
        account_id=builders.ACCOUNT,
        period_key=builders.PERIOD,
        flex_query_id=builders.QUERY,
        payload_sha256=hashlib.sha256(b"payload").hexdigest(),
        deduplicated=False,
    )


def _new_artifact(run_id: uuid.UUID) -> NewArtifact:
    return NewArtifact(
        ingestion_run_id=run_id,
        account_id=builders.ACCOUNT,
        period_key=builders.PERIOD,
        flex_query_id=builders.QUERY,
        payload_sha256=hashlib.sha256(b"payload").hexdigest(),
        payload_size_bytes=7,
        compressed_payload=gzip.compress(b"payload"),
        report_date_local=None,
    )


def test_attributes_are_stored_as_sorted_compact_json(database: Database) -> None:
    assert encode_attributes(AWKWARD) == json.dumps(
        AWKWARD, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)
        uow.session.flush()
        raw = RawRepository(uow)
        planned = _planned()
        raw.defer_artifact_key()
        with raw.record_writer(planned, run.ingestion_run_id) as writer:
            writer.write(_placements(3, AWKWARD))
        raw.add_artifact(
            _new_artifact(run.ingestion_run_id),
            raw_artifact_id=planned.raw_artifact_id,
        )
    with database.unit_of_work() as uow:
        rows = uow.session.scalars(select(RawRecordRow)).all()
        assert len(rows) == 3
        assert all(row.source_payload == AWKWARD for row in rows)
        assert all(row.raw_artifact_id == planned.raw_artifact_id for row in rows)
        if database.dialect == "sqlite":
            stored = uow.session.execute(
                text("SELECT source_payload FROM raw_record")
            ).scalars()
            assert set(stored) == {encode_attributes(AWKWARD)}
        ids = [row.raw_record_id for row in rows]
        assert all(value.version == 7 for value in ids)


def test_records_without_their_artifact_fail_at_commit(database: Database) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)

    def write_without_artifact() -> None:
        with database.unit_of_work() as uow:
            raw = RawRepository(uow)
            raw.defer_artifact_key()
            with raw.record_writer(_planned(), run.ingestion_run_id) as writer:
                writer.write(_placements(2, {"a": "1"}))

    with pytest.raises(WRITE_ERRORS):
        write_without_artifact()
    with database.unit_of_work() as uow:
        assert uow.session.scalars(select(RawRecordRow)).all() == []


def test_a_failed_batch_raises_and_leaves_nothing(database: Database) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)

    def write_twice() -> None:
        with database.unit_of_work() as uow:
            raw = RawRepository(uow)
            artifact = raw.add_artifact(_new_artifact(run.ingestion_run_id))
            with raw.record_writer(artifact, run.ingestion_run_id) as writer:
                writer.write(_placements(2, {"a": "1"}))
                writer.write(_placements(2, {"a": "1"}))  # the same refs again

    with pytest.raises(WRITE_ERRORS):
        write_twice()
    with database.unit_of_work() as uow:
        assert uow.session.scalars(select(RawRecordRow)).all() == []


def test_batches_of_one_writer_are_all_stored_with_their_own_facts(
    database: Database,
) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)
        uow.session.flush()
        raw = RawRepository(uow)
        artifact = raw.add_artifact(_new_artifact(run.ingestion_run_id))
        with raw.record_writer(artifact, run.ingestion_run_id) as writer:
            writer.write(_placements(500, {"a": "1"}))
            writer.write(_placements(0, {"a": "1"}, first=500))  # an empty batch
            writer.write(_placements(700, {"a": "2"}, first=500, account="U999"))
    with database.unit_of_work() as uow:
        rows = uow.session.scalars(select(RawRecordRow)).all()
    assert len(rows) == 1_200
    by_account = {
        account: sum(1 for row in rows if row.account_id == account)
        for account in {row.account_id for row in rows}
    }
    assert by_account == {builders.ACCOUNT: 500, "U999": 700}


class _StopError(Exception):
    pass


def test_a_failure_of_the_caller_mid_write_leaves_nothing(database: Database) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)

    def fail_after_a_batch() -> None:
        with database.unit_of_work() as uow:
            raw = RawRepository(uow)
            artifact = raw.add_artifact(_new_artifact(run.ingestion_run_id))
            with raw.record_writer(artifact, run.ingestion_run_id) as writer:
                writer.write(_placements(300, {"a": "1"}))
                raise _StopError

    # The caller's own error comes out, not one about the unfinished write.
    with pytest.raises(_StopError):
        fail_after_a_batch()
    with database.unit_of_work() as uow:
        assert uow.session.scalars(select(RawRecordRow)).all() == []
