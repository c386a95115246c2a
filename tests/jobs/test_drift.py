"""Schema drift: unknown sections and attributes, with counts and an example."""

from __future__ import annotations

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.jobs.drift import schema_drift
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from tests.fixtures.flex_files import one_account_statement
from tests.fixtures.registry import installed_registry

STATEMENT = one_account_statement(
    "20250110",
    '<Trades><Trade assetCategory="STK" conid="1" symbol="X" currency="USD" '
    'ibExecID="E1" transactionID="1" dateTime="20250102;100000" '
    'reportDate="20250102" buySell="BUY" quantity="1" tradePrice="1" '
    'brandNewField="7"/></Trades><ShinyNewSection><Row a="1"/></ShinyNewSection>',
)


def test_unknown_section_and_attribute_are_reported(database: Database) -> None:
    settings = load_settings(_env_file=None)
    outcome = ingest_payload(
        database,
        settings,
        Payload.of_bytes(STATEMENT, source="file", name="drift.xml"),
        IngestOptions(allow_missing_sections=True),
    )
    assert outcome.succeeded
    report = schema_drift(database, installed_registry())
    assert [s.section_name for s in report.sections] == ["ShinyNewSection"]
    found = {(a.section_name, a.attribute): a for a in report.attributes}
    sighting = found[("Trades", "brandNewField")]
    assert sighting.in_mapped_section
    assert sighting.row_count == 1
    assert sighting.example.attributes["brandNewField"] == "7"
    assert ("Trades", "buySell") not in found
    per_run = schema_drift(
        database, installed_registry(), ingestion_run_id=outcome.run.ingestion_run_id
    )
    assert per_run.rows_read == report.rows_read
