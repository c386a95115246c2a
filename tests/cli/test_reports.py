"""`flexledger report` as a real process: by instrument as a table, by label as JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

from flexledger.db.database import Database
from tests.analytics.test_csv_v1 import DIFF_HEADER, INSTRUMENT_HEADER
from tests.fixtures.cli import run_cli
from tests.fixtures.coverage import daily_without_week, import_raw
from tests.fixtures.instruments import import_uabean, label_with_note


def _report(
    database: Database, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(database, tmp_path, "report", *args)


def test_by_instrument_table_and_by_label_json(
    database: Database, tmp_path: Path
) -> None:
    ids = import_uabean(database)
    bonds = label_with_note(database, ids["AGG"], "bonds", "core holding")

    table = _report(
        database, tmp_path, "by-instrument", "--from", "2000-06-01", "--to",
        "2000-06-30",
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "2 instrument(s):"
    assert lines[1].split()[:2] == ["date", "symbol"]
    assert [line.split()[1] for line in lines[2:]] == ["AAPL", "AGG"]
    agg = lines[3]
    assert agg.startswith("2000-06-21  AGG")
    assert "4.71965181" in agg
    assert "32.13631848" in agg
    assert str(ids["AGG"]) in agg
    assert "provisional" in lines[2]
    assert "EOD_MARK_FALLBACK_LAST_TRADE" in lines[2]

    shown = _report(
        database, tmp_path, "by-label", "--label", str(bonds), "--format", "json"
    )
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["total"] == 1
    (row,) = body["items"]
    assert row["label_id"] == str(bonds)
    assert row["label_name"] == "bonds"
    assert row["instrument_ids"] == [str(ids["AGG"])]
    assert (row["total_pnl"], row["provisional"]) == ("33.38631848", True)


def test_by_instrument_csv_is_the_v1_export(database: Database, tmp_path: Path) -> None:
    import_uabean(database)
    shown = _report(database, tmp_path, "by-instrument", "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    rows = list(csv.reader(io.StringIO(shown.stdout)))
    assert tuple(rows[0]) == INSTRUMENT_HEADER
    assert {row[3] for row in rows[1:]} >= {"AAPL", "AGG"}


def test_reconciliation_table_csv_and_failing_only(
    database: Database, tmp_path: Path
) -> None:
    import_uabean(database)
    table = _report(database, tmp_path, "reconciliation")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "4 comparison(s), 0 out of tolerance:"
    assert lines[1].split()[:3] == ["date", "symbol", "metric"]
    assert any("AGG" in line and "realized_pnl" in line for line in lines[2:])
    assert sum("missing_opening_lot" in line for line in lines) == 2

    exported = _report(database, tmp_path, "reconciliation", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert tuple(rows[0]) == DIFF_HEADER
    assert len(rows) == 5

    failing = _report(database, tmp_path, "reconciliation", "--failing")
    assert failing.returncode == 0, failing.stderr
    assert failing.stdout.strip() == "Nothing to compare in the range."
    bad = _report(database, tmp_path, "reconciliation", "--metric", "nav")
    assert bad.returncode != 0


def test_a_range_over_a_coverage_gap_is_flagged(
    database: Database, tmp_path: Path
) -> None:
    import_raw(database, daily_without_week(), "cash-transactions-gap.xml")
    shown = _report(database, tmp_path, "by-label", "--from", "2025-12-01")
    assert shown.returncode == 0, shown.stderr
    assert "2025-12-22..2025-12-26 (5 day(s))" in shown.stderr
    clean = _report(database, tmp_path, "by-label", "--from", "2026-01-05")
    assert clean.returncode == 0, clean.stderr
    assert "gap" not in clean.stderr
