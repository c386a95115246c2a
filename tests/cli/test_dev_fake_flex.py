"""`flexledger dev fake-flex --control`: a fake in its own process, scripted over HTTP."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flexledger.adapter.fake_flex import SERVICE_PATH
from flexledger.db.database import Database
from tests.fixtures.cli import FLEXLEDGER
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_server import CLEAN_STATEMENT

TOKEN = "dev-fake-token-7"  # the fake's made-up token, passed on the command line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fake_process(tmp_path: Path) -> Iterator[str]:
    statements = tmp_path / "statements"
    statements.mkdir()
    (statements / "555.xml").write_bytes(CLEAN_STATEMENT)
    port = _free_port()
    process = subprocess.Popen(
        [
            FLEXLEDGER,
            "dev",
            "fake-flex",
            "--statements",
            str(statements),
            "--token",
            TOKEN,
            "--port",
            str(port),
            "--control",
        ],
        env=clean_environ(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{root}/_fake/requests", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield root
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_failure_scripted_over_http_reaches_a_real_ingestion_run(
    fake_process: str, database: Database, tmp_path: Path
) -> None:
    scripted = httpx.put(
        f"{fake_process}/_fake/queries/555",
        json={"statement": "555.xml", "send_errors": ["1012"]},
    )
    assert scripted.status_code == 200
    run = subprocess.run(
        [FLEXLEDGER, "ingestion-run"],
        cwd=tmp_path,
        env=clean_environ(
            DATABASE_URL=database.url,
            ACCOUNT_ID="U1234567",
            IBKR_FLEX_TOKEN=TOKEN,
            IBKR_FLEX_QUERY_ID="555",
            IBKR_FLEX_BASE_URL=f"{fake_process}{SERVICE_PATH}",
            IBKR_FLEX_INITIAL_WAIT_SECONDS="0",
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "INGESTION_TOKEN_EXPIRED_ERROR" in run.stdout + run.stderr
    log = httpx.get(f"{fake_process}/_fake/requests").json()
    assert log[0]["endpoint"] == "SendRequest"
    assert log[0]["outcome"].startswith("1012")
    assert all(TOKEN not in str(entry) for entry in log)
