"""`flexledger provenance` as a real process: an instrument's events as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flexledger.db.database import Database
from tests.fixtures.environment import clean_environ
from tests.fixtures.instruments import import_uabean

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))


def test_instrument_events_as_json(database: Database, tmp_path: Path) -> None:
    ids = import_uabean(database)
    done = subprocess.run(
        [
            FLEXLEDGER,
            "provenance",
            "--instrument",
            str(ids["AAPL"]),
            "--to",
            "2000-12-31",
            "--format",
            "json",
        ],
        cwd=tmp_path,
        env=clean_environ(
            DATABASE_URL=database.url, XDG_DATA_HOME=str(tmp_path / "xdg")
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["total"] == len(body["items"]) >= 1
    for item in body["items"]:
        assert item["instrument_id"] == str(ids["AAPL"])
        assert item["raw_records"]
        assert item["raw_records"][0]["attributes"]["conid"] == "265598"
