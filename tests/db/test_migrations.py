"""Migrations build the SCHEMA.md schema on both dialects, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexledger.db import migration
from flexledger.db.base import Base
from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow
from tests.fixtures import builders

SCHEMA_TABLES = {
    "account",
    "instrument",
    "label",
    "instrument_label",
    "note",
    "ingestion_run",
    "raw_artifact",
    "raw_record",
    "event_trade_fill",
    "event_cashflow",
    "event_fx",
    "event_corp_action",
    "corp_action_case",
    "position_lot",
    "pnl_snapshot_daily",
    "event_source",
    "instrument_alias",
    "instrument_link",
    "lot_closure",
    "ledger_check",
    "flex_call",
    "data_version",
}

# Natural keys and named indexes exactly as SCHEMA.md spells them.
SPEC_UNIQUE_NAMES = {
    "instrument": {"uq_instrument_account_conid"},
    "label": {"uq_label_name"},
    "instrument_label": {"uq_instrument_label_pair"},
    "raw_artifact": {"uq_raw_artifact_account_period_query_sha256"},
    "raw_record": {"uq_raw_record_artifact_section_source_ref"},
    "event_trade_fill": {"uq_event_trade_fill_account_exec"},
    "event_cashflow": {"uq_event_cashflow_account_txn_action_ccy"},
    "event_fx": {"uq_event_fx_account_txn_ccy_pair"},
    "event_corp_action": {"uq_event_corp_action_leg", "uq_event_corp_action_fallback"},
    "pnl_snapshot_daily": {"uq_pnl_snapshot_daily_account_date_instrument"},
}
SPEC_INDEX_NAMES = {
    "instrument": {"ix_instrument_symbol", "ix_instrument_updated_at_utc"},
    "instrument_label": {"ix_instrument_label_label_instrument"},
    "note": {
        "ix_note_created_at_utc",
        "ix_note_instrument_created",
        "ix_note_label_created",
    },
    "ingestion_run": {
        "ix_ingestion_run_started_ingestion_run",
        "ix_ingestion_run_status_started",
    },
    "raw_artifact": {
        "ix_raw_artifact_created_at_utc",
        "ix_raw_artifact_ingestion_run_id",
    },
    "raw_record": {
        "ix_raw_record_payload_dedupe",
        "ix_raw_record_section_name",
        "ix_raw_record_created_at_utc",
        "ix_raw_record_ingestion_run_id",
    },
    "event_trade_fill": {"ix_event_trade_fill_instrument_report_date"},
    "event_cashflow": {"ix_event_cashflow_instrument_report_date"},
    "event_fx": {"ix_event_fx_report_date_local"},
    "event_corp_action": {"ix_event_corp_action_instrument_report_date"},
    "position_lot": {
        "ix_position_lot_instrument_status",
        "ix_position_lot_account_instrument",
    },
    "pnl_snapshot_daily": {
        "ix_pnl_snapshot_daily_report_date_instrument",
        "ix_pnl_snapshot_daily_provisional_report_date",
    },
}


def _add_in_order(session: Session, *rows: object) -> None:
    # Without ORM relationships the flush order is not derived from foreign keys.
    for row in rows:
        session.add(row)
        session.flush()


@pytest.fixture
def blank(blank_database_url: str) -> Database:
    return Database(blank_database_url)


def _tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names()) - {"alembic_version"}


def _autogenerate_diff(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_downgrade_upgrade_round_trip(blank: Database) -> None:
    try:
        assert blank.schema_state().current is None
        assert blank.upgrade().is_current
        assert _tables(blank) == SCHEMA_TABLES
        migration.downgrade(blank.engine, "base")
        assert _tables(blank) == set()
        assert blank.schema_state().current is None
        assert blank.upgrade().is_current
        assert _tables(blank) == SCHEMA_TABLES
    finally:
        blank.dispose()


def test_the_head_revision_is_the_newest_migration_shipped() -> None:
    config = Config()
    config.set_main_option("script_location", str(migration.MIGRATIONS_DIR))
    shipped = ScriptDirectory.from_config(config).get_current_head()
    # A new migration also moves migration.HEAD_REVISION.
    assert migration.head_revision() == shipped


def test_the_applied_revision_is_what_alembic_reads(blank: Database) -> None:
    try:
        blank.upgrade(revision="0012")
        with blank.engine.connect() as connection:
            alembic_reading = MigrationContext.configure(
                connection
            ).get_current_revision()
        assert blank.schema_state().current == alembic_reading == "0012"
        assert not blank.schema_state().is_current
    finally:
        blank.dispose()


def test_upgrading_twice_is_a_no_op(blank: Database) -> None:
    try:
        first = blank.upgrade()
        second = blank.upgrade()
        assert first == second
        assert second.current == migration.head_revision()
    finally:
        blank.dispose()


def test_orm_metadata_matches_the_migrated_schema(database: Database) -> None:
    assert _autogenerate_diff(database) == []


def test_constraint_and_index_names_follow_the_spec(database: Database) -> None:
    inspector = inspect(database.engine)
    for table, expected in SPEC_UNIQUE_NAMES.items():
        names = {c["name"] for c in inspector.get_unique_constraints(table)}
        names |= {i["name"] for i in inspector.get_indexes(table) if i["unique"]}
        assert expected <= names, table
    for table, expected in SPEC_INDEX_NAMES.items():
        names = {i["name"] for i in inspector.get_indexes(table)}
        assert expected <= names, table
    checks = {c["name"] for c in inspector.get_check_constraints("ingestion_run")}
    assert {"ck_ingestion_run_run_type", "ck_ingestion_run_status"} <= checks
    fks = {fk["name"] for fk in inspector.get_foreign_keys("raw_record")}
    assert "fk_raw_record_raw_artifact" in fks


def test_raw_data_survives_an_attempt_to_delete_its_run(database: Database) -> None:
    run = builders.ingestion_run()
    with database.unit_of_work() as uow:
        uow.session.add(run)
        uow.session.flush()
        uow.session.add(builders.raw_artifact(run))
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.execute(
            delete(IngestionRunRow).where(
                IngestionRunRow.ingestion_run_id == run.ingestion_run_id
            )
        )


def test_only_one_started_run_per_account(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.session.add(builders.ingestion_run(status="started"))
        uow.session.add(builders.ingestion_run(status="success"))
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.add(builders.ingestion_run(status="started"))


def test_enumerations_are_checked(database: Database) -> None:
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.add(builders.ingestion_run(status="running"))


@pytest.mark.parametrize(
    "null_part",
    ["transaction_id", "action_id"],
)
def test_corporate_action_leg_key_treats_nulls_as_equal(
    database: Database, null_part: str
) -> None:
    run = builders.ingestion_run()
    artifact = builders.raw_artifact(run)
    first = builders.raw_record(artifact, ref="CorporateActions:CorporateAction:idx=1")
    second = builders.raw_record(artifact, ref="CorporateActions:CorporateAction:idx=2")
    with database.unit_of_work() as uow:
        _add_in_order(uow.session, run, artifact, first, second)
        uow.session.add(builders.corp_action_leg(first, **{null_part: None}))
    # SPEC D-3: the same leg again, with the same NULL part, is a duplicate.
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.add(
            builders.corp_action_leg(
                second,
                **{null_part: None},
                report_date_local=dt.date(2026, 1, 15),
            )
        )


def test_corporate_action_leg_needs_an_action_or_transaction_id(
    database: Database,
) -> None:
    run = builders.ingestion_run()
    artifact = builders.raw_artifact(run)
    record = builders.raw_record(artifact)
    with database.unit_of_work() as uow:
        _add_in_order(uow.session, run, artifact, record)
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        uow.session.add(
            builders.corp_action_leg(record, action_id=None, transaction_id=None)
        )
