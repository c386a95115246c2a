"""`flexledger import` as a real process: exit codes, lock across processes, SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow, RawArtifactRow, RawRecordRow
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_files import FLEX_DIR, count_rows

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
LARGE = FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile18.xml"
COMPLETE = FLEX_DIR / "clifton__ib-flex__activity_daily_portfolio.xml"


def _import(
    database: Database, tmp_path: Path, *files: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLEXLEDGER, "import", "--allow-missing-sections", *map(str, files)],
        cwd=tmp_path,
        env=clean_environ(DATABASE_URL=database.url, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts(database: Database) -> tuple[int, int]:
    with database.unit_of_work() as uow:
        artifacts = uow.session.execute(
            select(func.count()).select_from(RawArtifactRow)
        ).scalar_one()
        records = uow.session.execute(
            select(func.count()).select_from(RawRecordRow)
        ).scalar_one()
    return artifacts, records


def test_import_reports_rows_and_exits_zero(database: Database, tmp_path: Path) -> None:
    result = _import(database, tmp_path, COMPLETE)
    assert result.returncode == 0, result.stderr
    assert "imported 30 new raw rows (0 already stored)" in result.stdout
    again = _import(database, tmp_path, COMPLETE)
    assert "imported 0 new raw rows (30 already stored)" in again.stdout


def test_a_failed_file_exits_non_zero_with_code_and_hint(
    database: Database, tmp_path: Path
) -> None:
    result = _import(
        database, tmp_path, FLEX_DIR / "clifton__ib-flex__activity_simple.xml"
    )
    assert result.returncode == 1
    assert "failed [MALFORMED_STATEMENT]" in result.stderr
    assert "Hint:" in result.stderr


def test_a_run_in_another_process_blocks_the_import(
    database: Database, tmp_path: Path
) -> None:
    with database.run_lock():
        result = _import(database, tmp_path, COMPLETE)
    assert result.returncode != 0
    assert "run already active" in result.stderr
    assert _counts(database) == (0, 0)


def test_sigkill_mid_persist_leaves_no_rows_and_the_next_run_recovers(
    database: Database, tmp_path: Path
) -> None:
    killed = _import(database, tmp_path, LARGE, FLEXLEDGER_CRASHPOINT="persist_batch")
    assert killed.returncode == -signal.SIGKILL
    assert _counts(database) == (0, 0)
    with database.unit_of_work() as uow:
        statuses = uow.session.execute(select(IngestionRunRow.status)).scalars().all()
    assert statuses == ["started"]

    recovered = _import(database, tmp_path, LARGE)
    assert recovered.returncode == 0, recovered.stderr
    expected = sum(count_rows(LARGE).rows_by_account.values())
    assert _counts(database) == (1, expected)
    with database.unit_of_work() as uow:
        runs = uow.session.execute(
            select(IngestionRunRow.status, IngestionRunRow.error_code).order_by(
                IngestionRunRow.started_at_utc
            )
        ).all()
    assert [tuple(run) for run in runs] == [
        ("failed", "INGESTION_STALE_RUN"),
        ("success", None),
    ]
