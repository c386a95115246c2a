"""Cached reports follow writes made through another handle (another process).

The server keeps report rows, provenance pages and reconciliation views per data
state; a CLI import, reprocess, case resolution or edit in another process must be
seen by the next request. A second `Database` on the same URL has its own engine,
pool and connections, as another process would.

The derived tables are rewritten here by SQL that moves their tokens as the
ledger and mapping repositories do (`bump_tokens`): on SQLite those tables have
no row triggers (migration 0013), and tests/db/test_data_versions.py holds each
writer to moving them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from flexledger.db.database import Database
from flexledger.db.repositories.data_versions import bump_tokens
from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.jobs.labels import assign_label, create_label, update_label
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance
from flexledger.jobs.reconciliation import reconciliation_report
from flexledger.jobs.reports import instrument_report, label_report
from tests.fixtures.instruments import import_uabean


@pytest.fixture
def ids(database: Database) -> dict[str, uuid.UUID]:
    return import_uabean(database)


def _sql(database: Database, statement: str, table: str, **params: object) -> None:
    with database.unit_of_work() as uow:
        uow.session.execute(text(statement), params)
        bump_tokens(uow.session, [table])


def _realized(database: Database, instrument_id: uuid.UUID) -> Decimal:
    page = instrument_report(database, PnlReportFilter(instrument_id=instrument_id))
    return page.rows[0].realized_pnl


def test_by_instrument_follows_a_snapshot_rewritten_elsewhere(
    database: Database, other: Database, ids: dict[str, uuid.UUID]
) -> None:
    instrument = ids["LVGO"]
    before = _realized(database, instrument)
    assert _realized(database, instrument) == before  # served from the cache
    _sql(
        other,
        "UPDATE pnl_snapshot_daily SET realized_pnl = realized_pnl + 1 "
        "WHERE instrument_id = :instrument",
        "pnl_snapshot_daily",
        instrument=instrument.hex if other.dialect == "sqlite" else instrument,
    )
    assert _realized(database, instrument) == before + 1


def test_by_label_follows_labels_and_memberships_edited_elsewhere(
    database: Database, other: Database, ids: dict[str, uuid.UUID]
) -> None:
    assert [r.label_name for r in label_report(database).rows] == [None]
    label = create_label(other, "Core")
    assert [r.label_name for r in label_report(database).rows] == [None]
    assign_label(other, ids["LVGO"], label.label_id)
    core = next(r for r in label_report(database).rows if r.label_name == "Core")
    assert core.instrument_count == 1
    update_label(other, label.label_id, name="Growth")
    assert "Growth" in [r.label_name for r in label_report(database).rows]
    only = instrument_report(database, PnlReportFilter(label_id=label.label_id))
    assert [r.instrument_id for r in only.rows] == [ids["LVGO"]]


def test_provenance_follows_event_links_removed_elsewhere(
    database: Database, other: Database, ids: dict[str, uuid.UUID]
) -> None:
    request = ProvenanceRequest(instrument_id=ids["LVGO"])
    page = trace_provenance(database, request)
    assert page.total > 0
    assert any(event.raw_records for event in page.events)
    _sql(other, "DELETE FROM event_source", "event_source")
    again = trace_provenance(database, request)
    assert again.total == page.total
    assert not any(event.raw_records for event in again.events)


def test_reconciliation_follows_checks_removed_elsewhere(
    database: Database, other: Database, ids: dict[str, uuid.UUID]
) -> None:
    before = reconciliation_report(database).total
    assert reconciliation_report(database).total == before  # from the cache
    _sql(other, "DELETE FROM ledger_check", "ledger_check")
    assert reconciliation_report(database).total < before


def test_an_import_elsewhere_is_seen(database: Database, other: Database) -> None:
    assert instrument_report(database).total == 0
    import_uabean(other)
    assert instrument_report(database).total > 0
