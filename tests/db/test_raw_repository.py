"""The raw repository: insert and read only, exact bytes, content-level dedupe."""

from __future__ import annotations

import gzip
import hashlib
import inspect
import uuid

from flexledger.db.database import Database
from flexledger.db.repositories.raw import NewArtifact, RawRepository
from flexledger.db.repositories.raw_bulk import RecordWriter
from flexledger.db.tables import RawArtifactRow
from tests.fixtures import builders

PAYLOAD = b"\xef\xbb\xbf<FlexQueryResponse>\xc3\xa9</FlexQueryResponse>\n"


def test_the_repository_offers_no_way_to_change_or_remove_rows() -> None:
    public = {
        name
        for name, member in inspect.getmembers(RawRepository, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == {
        "add_artifact",
        "artifact_created_at",
        "add_records",
        "defer_artifact_key",
        "existing_refs",
        "find_artifact",
        "record_writer",
        "count_records",
        "get_payload",
    }
    writer_methods = {
        name
        for name, _ in inspect.getmembers(RecordWriter, inspect.isfunction)
        if not name.startswith("_")
    }
    assert writer_methods == {"write", "close", "abort"}
    for name in public:
        assert not any(
            word in name for word in ("update", "delete", "remove", "set", "replace")
        )


def _artifact(run_id: uuid.UUID, payload: bytes = PAYLOAD) -> NewArtifact:
    return NewArtifact(
        ingestion_run_id=run_id,
        account_id=builders.ACCOUNT,
        period_key=builders.PERIOD,
        flex_query_id=builders.QUERY,
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_size_bytes=len(payload),
        compressed_payload=gzip.compress(payload),
        report_date_local=None,
    )


def test_payloads_come_back_byte_for_byte_and_dedupe_by_content(
    database: Database,
) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)
        uow.session.flush()
        raw = RawRepository(uow)
        first = raw.add_artifact(_artifact(run.ingestion_run_id))
        second = raw.add_artifact(_artifact(run.ingestion_run_id))
        assert (first.deduplicated, second.deduplicated) == (False, True)
        assert second.raw_artifact_id == first.raw_artifact_id
        assert raw.get_payload(first.raw_artifact_id) == PAYLOAD
        row = uow.session.get(RawArtifactRow, first.raw_artifact_id)
        assert row is not None
        assert (row.payload_encoding, row.payload_size_bytes) == ("gzip", len(PAYLOAD))
        assert row.payload_sha256 == hashlib.sha256(PAYLOAD).hexdigest()
