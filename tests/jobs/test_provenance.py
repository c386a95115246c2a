"""Provenance over a real imported statement: every snapshot traces to raw rows."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select

from flexledger.db.database import Database
from flexledger.db.tables import PnlSnapshotDailyRow, RawRecordRow
from flexledger.domain.events import EventKind
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance
from tests.fixtures.instruments import UABEAN, import_uabean


def test_every_snapshot_traces_to_events_and_raw_rows(database: Database) -> None:
    import_uabean(database)
    with database.unit_of_work() as uow:
        snapshot_ids = list(
            uow.session.scalars(select(PnlSnapshotDailyRow.pnl_snapshot_daily_id))
        )
        stored = {
            r.raw_record_id: r.source_payload
            for r in uow.session.scalars(select(RawRecordRow))
        }
    assert snapshot_ids
    orphans = 0
    events = 0
    raws = 0
    for snapshot_id in snapshot_ids:
        page = trace_provenance(database, ProvenanceRequest(snapshot_id=snapshot_id))
        assert page.total == len(page.events) >= 1
        for event in page.events:
            events += 1
            orphans += not event.raw_records
            raws += len(event.raw_records)
            for raw in event.raw_records:
                assert raw.attributes == stored[raw.raw_record_id]
                assert all(isinstance(v, str) for v in raw.attributes.values())
    assert events >= len(snapshot_ids)
    assert raws >= events
    assert orphans == 0


def test_one_event_shows_its_artifact_and_run(database: Database) -> None:
    ids = import_uabean(database)
    fills = trace_provenance(
        database, ProvenanceRequest(instrument_id=ids["AAPL"]), limit=1
    )
    fill = fills.events[0]
    page = trace_provenance(
        database, ProvenanceRequest(event=(fill.kind, fill.event_id))
    )
    assert page.total == 1
    (event,) = page.events
    assert event.kind is EventKind.TRADE_FILL
    raw = event.raw_records[0]
    assert raw.section_name == "Trades"
    assert raw.attributes["symbol"] == "AAPL"
    assert raw.payload_sha256 == hashlib.sha256(UABEAN.read_bytes()).hexdigest()
    assert raw.run_type == "manual"
    assert isinstance(raw.ingestion_run_id, uuid.UUID)
