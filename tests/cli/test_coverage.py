"""`flexledger report coverage` as a real process: the table and the JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from flexledger.db.database import Database
from tests.fixtures.cli import run_cli
from tests.fixtures.coverage import daily_without_week, import_raw


def _coverage(
    database: Database, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(database, tmp_path, "report", "coverage", *args)


def test_table_and_json(database: Database, tmp_path: Path, clean_env: Path) -> None:
    import_raw(database, daily_without_week(), "cut.xml")

    table = _coverage(database, tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines() == [
        "Coverage 2025-10-13 .. 2026-04-08: 123 statement(s), 123 covered day(s), "
        "5 gap day(s), 0 overlap day(s)",
        "Covered:",
        "  2025-10-13 .. 2025-12-19     50 day(s)",
        "  2025-12-29 .. 2026-04-08     73 day(s)",
        "Gaps:",
        "  2025-12-22 .. 2025-12-26      5 day(s)",
        "Overlaps:",
        "  none",
        "Empty where rows were expected:",
        "  none",
    ]

    shown = _coverage(
        database, tmp_path, "--from", "2025-12-15", "--to", "2025-12-31",
        "--format", "json",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["summary"] == {
        "statement_count": 8,
        "covered_days": 8,
        "overlap_days": 0,
        "gap_days": 5,
        "empty_section_count": 0,
    }
    assert body["gaps"] == [
        {
            "first_date": "2025-12-22",
            "last_date": "2025-12-26",
            "day_count": 5,
            "statement_ids": [],
        }
    ]
    statement = body["statements"][0]
    assert statement["from_date"] == statement["to_date"] == "2025-12-15"
    assert statement["statement_id"] == f"{statement['raw_artifact_id']}/2025-12-15"
    assert statement["sections"] == [
        {"section_name": "CashTransactions", "row_count": 0}
    ]
    assert body["days"][0] == {
        "date": "2025-12-15",
        "status": "covered",
        "statement_ids": [statement["statement_id"]],
    }


def test_a_reversed_range_is_refused(database: Database, tmp_path: Path) -> None:
    refused = _coverage(
        database, tmp_path, "--from", "2026-02-01", "--to", "2026-01-01"
    )

    assert refused.returncode == 2
    assert "--from must not be after --to" in refused.stderr


def test_an_empty_ledger(database: Database, tmp_path: Path) -> None:
    shown = _coverage(database, tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "No statements cover the range."
