"""Shared by the maintenance tests: a small ledger with runs of known ages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, text, update

from flexledger.config import load_settings
from flexledger.db.backup import database_digest
from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from flexledger.jobs.stages import post_persist_stages
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.registry import installed_registry

REGISTRY = installed_registry()
STATEMENT = FLEX_DIR / "OSadovy__uabean__beancount.xml"
NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
# Two January runs, one in February: all older than 60 days at NOW.
OLD_STARTS = (
    dt.datetime(2025, 1, 5, 8, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 1, 20, 8, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 2, 3, 8, 0, tzinfo=dt.UTC),
)
RECENT_START = dt.datetime(2025, 6, 20, 8, 0, tzinfo=dt.UTC)
RAW_TABLES = ("raw_artifact", "raw_record")


def import_statements(database: Database, count: int) -> list[uuid.UUID]:
    """Import STATEMENT `count` times with the ledger stage; the run ids in order.

    A ledger holds one account; the repeats are runs that find every row stored.
    """
    settings = load_settings(_env_file=None)
    run_ids = []
    path = STATEMENT
    for _ in range(count):
        outcome = ingest_payload(
            database,
            settings,
            Payload.of_bytes(path.read_bytes(), source="file", name=path.name),
            IngestOptions(allow_missing_sections=True),
            hooks=post_persist_stages(REGISTRY, settings),
        )
        assert outcome.succeeded, outcome.run.diagnostics[-1]
        run_ids.append(outcome.run.ingestion_run_id)
    return run_ids


def set_started(database: Database, starts: dict[uuid.UUID, dt.datetime]) -> None:
    """Move runs' start times (and their end a minute later)."""
    with database.unit_of_work() as uow:
        for run_id, started in starts.items():
            uow.session.execute(
                update(IngestionRunRow)
                .where(IngestionRunRow.ingestion_run_id == run_id)
                .values(
                    started_at_utc=started,
                    ended_at_utc=started + dt.timedelta(minutes=1),
                )
            )


def aged_ledger(database: Database) -> tuple[list[uuid.UUID], uuid.UUID]:
    """Four runs: three older than 60 days at NOW (Jan, Jan, Feb), one recent."""
    *old, recent = import_statements(database, len(OLD_STARTS) + 1)
    set_started(database, dict(zip(old, OLD_STARTS, strict=True)))
    set_started(database, {recent: RECENT_START})
    return old, recent


def diagnostics_by_run(database: Database) -> dict[uuid.UUID, Any]:
    """Every run's diagnostics document (None when purged)."""
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(IngestionRunRow.ingestion_run_id, IngestionRunRow.diagnostics)
        )
        return dict(rows.all())


def sql_null_diagnostics(database: Database) -> set[uuid.UUID]:
    """Runs whose diagnostics column is SQL NULL (not the JSON text `null`)."""
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            text("SELECT ingestion_run_id FROM ingestion_run WHERE diagnostics IS NULL")
        )
        return {uuid.UUID(str(value)) for (value,) in rows}


def raw_digest(database: Database) -> dict[str, tuple[int, str]]:
    """Row count and hash of every raw table."""
    return {
        table.table: (table.rows, table.sha256)
        for table in database_digest(database.engine)
        if table.table in RAW_TABLES
    }
