"""`flexledger instruments` as a real process: list with filters, show one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from flexledger.db.database import Database
from tests.fixtures.cli import run_cli
from tests.fixtures.instruments import import_uabean, label_with_note


def _instruments(
    database: Database, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(database, tmp_path, "instruments", *args)


def test_list_filters_and_show(database: Database, tmp_path: Path) -> None:
    ids = import_uabean(database)
    label_with_note(database, ids["AGG"], "bonds", "core holding")

    listed = _instruments(
        database, tmp_path, "list", "--active-only", "--search", "INC"
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "2 instrument(s):"
    assert [line.split()[1] for line in lines[1:]] == ["AAPL", "LVGO"]
    assert str(ids["AAPL"]) in lines[1]

    shown = _instruments(database, tmp_path, "show", str(ids["AGG"]))
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert out.startswith(f"AGG (conid 25985141)  {ids['AGG']}\n")
    assert "position: 25.00000000  cost basis 2932.08333333 USD" in out
    assert "1 open lot(s)" in out
    assert "25.00000000 of 30.00000000" in out
    assert "latest snapshot 2000-10-07: position 25.00000000" in out
    assert "realized 4.71965181" in out
    assert "labels: bonds" in out
    assert "core holding" in out
    assert "recent events: 2" in out
