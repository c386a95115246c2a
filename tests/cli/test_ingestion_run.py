"""`flexledger ingestion-run` as real processes against the fake Flex service."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from flexledger.adapter.fake_flex import (
    SERVICE_PATH,
    FakeFlexService,
    QueryScript,
    WallClock,
)
from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_server import CLEAN_STATEMENT, QUERY_ID
from tests.fixtures.live_server import serve_in_thread

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
TOKEN = "cli-test-token-0042"


@pytest.fixture
def service() -> Iterator[tuple[FakeFlexService, str]]:
    fake = FakeFlexService(
        tokens={TOKEN: "valid"},
        queries={QUERY_ID: QueryScript(payload=CLEAN_STATEMENT)},
        clock=WallClock(),
    )
    with serve_in_thread(fake.app) as root:
        yield fake, f"{root}{SERVICE_PATH}"


def _env(database: Database, base_url: str) -> dict[str, str]:
    return clean_environ(
        DATABASE_URL=database.url,
        ACCOUNT_ID="U1234567",
        IBKR_FLEX_TOKEN=TOKEN,
        IBKR_FLEX_QUERY_ID=QUERY_ID,
        IBKR_FLEX_BASE_URL=base_url,
        IBKR_FLEX_INITIAL_WAIT_SECONDS="0",
        IBKR_FLEX_BACKOFF_BASE_SECONDS="0",
        IBKR_FLEX_BACKOFF_MAX_SECONDS="1",
    )


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            FLEXLEDGER,
            "ingestion-run",
            "--from-date",
            "2025-01-01",
            "--to-date",
            "2025-01-15",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_cron_run_fetches_and_stores(
    database: Database, tmp_path: Path, service: tuple[FakeFlexService, str]
) -> None:
    fake, base_url = service
    process = _start(_env(database, base_url), tmp_path)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "imported 30 new raw rows" in out
    assert TOKEN not in out + err
    send = fake.requests_to("SendRequest")[0]
    assert (send.params["fd"], send.params["td"]) == ("20250101", "20250115")


def test_two_concurrent_runs_one_wins_one_is_refused(
    database: Database, tmp_path: Path, service: tuple[FakeFlexService, str]
) -> None:
    fake, base_url = service
    fake.queries[QUERY_ID].delay_seconds = 3.0  # keeps the first run busy
    env = _env(database, base_url)
    first = _start(env, tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with database.unit_of_work() as uow:
            if uow.session.execute(select(IngestionRunRow.status)).first():
                break
    second = _start(env, tmp_path)
    _, second_err = second.communicate(timeout=120)
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode != 0
    assert "run already active" in second_err
    with database.unit_of_work() as uow:
        statuses = uow.session.execute(select(IngestionRunRow.status)).scalars().all()
    assert statuses == ["success"]


def test_missing_settings_exit_with_the_config_code(
    database: Database, tmp_path: Path
) -> None:
    result = subprocess.run(
        [FLEXLEDGER, "ingestion-run"],
        cwd=tmp_path,
        env=clean_environ(DATABASE_URL=database.url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert "IBKR_FLEX_QUERY_ID" in result.stderr
