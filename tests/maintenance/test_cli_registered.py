"""`flexledger maintenance` in the real console script.

NEEDS THE REGISTRATION in cli/commands.py (`app.add_typer(maintenance_commands(),
name="maintenance")`): until that line lands this test fails with "No such command".
"""

from __future__ import annotations

from pathlib import Path

from flexledger.db.database import Database
from tests.fixtures.cli import run_cli
from tests.maintenance.helpers import aged_ledger, sql_null_diagnostics


def test_the_console_script_archives_and_restores(
    database: Database, tmp_path: Path
) -> None:
    old, _ = aged_ledger(database)
    folder = tmp_path / "archive"
    # The helper dates the old runs January/February 2025: past a 30-day window
    # counted from the real clock.
    days = 30
    result = run_cli(
        database,
        tmp_path,
        "maintenance",
        "archive-diagnostics",
        "--older-than-days",
        str(days),
        "--to",
        str(folder),
    )
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout
    assert sql_null_diagnostics(database) >= set(old)
    files = sorted(str(p) for p in folder.glob("*.jsonl.gz"))
    restored = run_cli(database, tmp_path, "maintenance", "restore-diagnostics", *files)
    assert restored.returncode == 0, restored.stderr
    assert sql_null_diagnostics(database) == set()
