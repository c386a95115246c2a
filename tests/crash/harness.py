"""Crash-test harness: payload cases, the export hash, and running the real binary.

The process that is killed is always `flexledger import` started as a subprocess
(the real entry point, drivers and transactions). Everything the test observes
afterwards — the hash, the invariants, the recovery run — happens in the test
process against the same database, as the next start of the app would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.tables import (
    IngestionRunRow,
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.jobs.ingest import (
    IngestOptions,
    IngestOutcome,
    ingest_payload,
    read_payload_file,
)
from flexledger.jobs.stages import post_persist_stages
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.registry import installed_registry
from tests.fixtures.synthetic_flex import write_statement

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
REGISTRY = installed_registry()
_LEDGER_TABLES = (PositionLotRow, LotClosureRow, LedgerCheckRow, PnlSnapshotDailyRow)
# Audit stamps and the run that last rewrote a row differ between two databases
# that hold the same ledger; everything else (ids included) is deterministic.
_VOLATILE = frozenset({"created_at_utc", "updated_at_utc", "ingestion_run_id"})


@dataclass(frozen=True, slots=True)
class Case:
    """A payload to crash on, and what the database holds before its import.

    Attributes:
        name: the test id.
        payload: the statement the killed run imports.
        before: statements imported (uninterrupted) first, so "before" is a
            non-empty state that a crash must leave exactly as it was.
    """

    name: str
    payload: Path
    before: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """Export hashes of a case in a database that never saw a crash.

    Attributes:
        before: after the case's "before" statements only.
        complete: after those and the payload, each imported uninterrupted.
        raw_rows: how many raw rows the complete database holds.
    """

    before: str
    complete: str
    raw_rows: int


def make_cases(folder: Path) -> dict[str, Case]:
    """The payload sizes: a public fixture (24 rows: trades, cash, a corporate
    action) and generated 1k- and 5k-trade files (1,603 and 7,603 rows).

    The generated files go on top of a cash-and-rates statement of the same
    account, so the state before the crash is not empty.
    """
    base = write_statement(folder / "base.xml", 0, seed=1, start=dt.date(2020, 1, 6))
    return {
        "small": Case("small", FLEX_DIR / "OSadovy__uabean__beancount.xml"),
        "1k": Case("1k", write_statement(folder / "t1k.xml", 1_000, seed=2), (base,)),
        "5k": Case("5k", write_statement(folder / "t5k.xml", 5_000, seed=3), (base,)),
    }


def settings() -> Any:
    """The settings a bare `flexledger import` runs with (nothing configured)."""
    return load_settings(_env_file=None)


def import_file(database: Database, path: Path) -> IngestOutcome:
    """Import one file in this process, exactly as `flexledger import` does."""
    current = settings()
    return ingest_payload(
        database,
        current,
        read_payload_file(path),
        IngestOptions(allow_missing_sections=True),
        hooks=post_persist_stages(REGISTRY, current),
    )


def import_command(path: Path) -> list[str]:
    """The command line of the run that gets killed."""
    return [FLEXLEDGER, "import", "--allow-missing-sections", str(path)]


def cli_environment(database: Database, **extra: str) -> dict[str, str]:
    """The environment of a `flexledger` subprocess on `database`."""
    return clean_environ(DATABASE_URL=database.url, **extra)


def run_cli(
    database: Database, path: Path, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run `flexledger import` on one file to its end (or its crash point)."""
    return subprocess.run(
        import_command(path),
        cwd=cwd,
        env=cli_environment(database, **extra),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def export_hash(database: Database) -> str:
    """SHA-256 of the canonical and ledger tables (RELIABILITY harness notes).

    Canonical rows come from the repository's digest with stable provenance (raw
    rows named by payload hash, section and reference, not by id); ledger rows
    are every column but the volatile ones, values normalised, lines sorted. Two
    databases holding the same derived data give the same hash.
    """
    digest = hashlib.sha256()
    with database.unit_of_work() as uow:
        digest.update(
            CanonicalRepository(uow).canonical_digest(stable_provenance=True).encode()
        )
        for table in _LEDGER_TABLES:
            columns = sorted(
                (c for c in table.__table__.columns if c.name not in _VOLATILE),
                key=lambda c: c.name,
            )
            digest.update(table.__tablename__.encode())
            lines = sorted(
                "\x1f".join(_text(value) for value in row)
                for row in uow.session.execute(select(*columns))
            )
            for line in lines:
                digest.update(line.encode())
                digest.update(b"\x1e")
    return digest.hexdigest()


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    normalize = getattr(value, "normalize", None)
    if normalize is not None:
        return format(normalize(), "f")
    return str(value)


def raw_rows(
    database: Database, payloads: set[str] | None = None
) -> set[tuple[str, str, str, str]]:
    """Stored raw rows by content: payload hash, section, reference, attributes.

    A run that died may leave rows only if it committed them; rows committed
    before it must all still be there, unchanged (I1 over time).

    Args:
        database: where to read.
        payloads: only rows of these payload hashes (None: every row).
    """
    statement = select(
        RawRecordRow.payload_sha256,
        RawRecordRow.section_name,
        RawRecordRow.source_row_ref,
        RawRecordRow.source_payload,
    )
    if payloads is not None:
        statement = statement.where(RawRecordRow.payload_sha256.in_(sorted(payloads)))
    with database.unit_of_work() as uow:
        return {
            (sha, section, ref, repr(sorted(payload.items())))
            for sha, section, ref, payload in uow.session.execute(statement)
        }


def raw_row_count(database: Database) -> int:
    """How many raw rows the database holds."""
    with database.unit_of_work() as uow:
        return len(uow.session.execute(select(RawRecordRow.raw_record_id)).all())


def artifact_count(database: Database, payload: Path) -> int:
    """How many raw artifacts hold exactly these bytes."""
    sha256 = hashlib.sha256(payload.read_bytes()).hexdigest()
    with database.unit_of_work() as uow:
        return len(
            uow.session.execute(
                select(RawArtifactRow.raw_artifact_id).where(
                    RawArtifactRow.payload_sha256 == sha256
                )
            ).all()
        )


def runs(database: Database) -> list[tuple[str, str, str | None]]:
    """Every run as (id, status, error code), oldest first."""
    with database.unit_of_work() as uow:
        return [
            (str(run_id), status, code)
            for run_id, status, code in uow.session.execute(
                select(
                    IngestionRunRow.ingestion_run_id,
                    IngestionRunRow.status,
                    IngestionRunRow.error_code,
                ).order_by(IngestionRunRow.started_at_utc)
            )
        ]


def abandoned_ids(outcome: IngestOutcome) -> list[str]:
    """The runs the given run closed as abandoned when it started."""
    started = (outcome.run.diagnostics or ())[0]
    assert started["stage"] == "run"
    assert started["status"] == "started"
    ids: list[str] = started.get("details", {}).get("abandoned_run_ids", [])
    return ids
