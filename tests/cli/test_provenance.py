"""`flexledger provenance` as a real process: an instrument's events as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from flexledger.db.database import Database
from tests.fixtures.cli import run_cli
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.instruments import import_statement, import_uabean

FILE17 = FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile17.xml"


def test_instrument_events_as_json(database: Database, tmp_path: Path) -> None:
    ids = import_uabean(database)
    done = run_cli(
        database,
        tmp_path,
        "provenance",
        "--instrument",
        str(ids["AAPL"]),
        "--to",
        "2000-12-31",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["total"] == len(body["items"]) >= 1
    for item in body["items"]:
        assert item["instrument_id"] == str(ids["AAPL"])
        assert item["raw_records"]
        assert item["raw_records"][0]["attributes"]["conid"] == "265598"


def test_a_position_older_than_the_file_shows_its_open_positions_row(
    database: Database, tmp_path: Path
) -> None:
    ids = import_statement(database, FILE17)
    done = run_cli(
        database,
        tmp_path,
        "provenance",
        "--instrument",
        str(ids["AMC"]),
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["total"] == 0  # no trade in the file: the lot is IBKR's position
    (row,) = body["position_rows"]
    assert row["section_name"] == "OpenPositions"
    assert row["attributes"]["symbol"] == "AMC"
    assert row["attributes"]["costBasisMoney"] == "654.794746"
