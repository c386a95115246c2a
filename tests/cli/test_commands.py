"""The `flexledger` console script, run as a real process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flexledger import __version__
from flexledger.db.migration import head_revision
from tests.fixtures.environment import clean_environ

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
TOKEN = "998877665544332211009988"
SERVER_START_SECONDS = 30.0


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLEXLEDGER, *args],
        cwd=cwd,
        env=env or clean_environ(XDG_DATA_HOME=str(cwd / "xdg")),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_version(tmp_path: Path) -> None:
    result = _run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"flexledger {__version__}"


def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flexledger", "--version"],
        cwd=tmp_path,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"flexledger {__version__}"


def test_db_upgrade_and_current(tmp_path: Path, blank_database_url: str) -> None:
    env = clean_environ(DATABASE_URL=blank_database_url)
    before = _run("db", "current", cwd=tmp_path, env=env)
    assert before.returncode == 0
    assert "revision: none (empty)" in before.stdout
    assert "out of date: run `flexledger db upgrade`" in before.stdout

    upgraded = _run("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded empty → {head_revision()} (head)" in upgraded.stdout

    again = _run("db", "upgrade", cwd=tmp_path, env=env)
    assert f"already at {head_revision()}" in again.stdout

    after = _run("db", "current", cwd=tmp_path, env=env)
    assert f"revision: {head_revision()}" in after.stdout
    assert "up to date" in after.stdout


def test_serve_refuses_an_out_of_date_schema(
    tmp_path: Path, blank_database_url: str
) -> None:
    result = _run(
        "serve", cwd=tmp_path, env=clean_environ(DATABASE_URL=blank_database_url)
    )
    assert result.returncode == 4
    assert "Error [SCHEMA_NOT_CURRENT]" in result.stderr
    assert "Run `flexledger db upgrade`" in result.stderr


def test_serve_refuses_an_unreachable_database(tmp_path: Path) -> None:
    env = clean_environ(
        DATABASE_URL="postgresql+psycopg://ledger:pw-secret@127.0.0.1:1/x"
    )
    result = _run("serve", cwd=tmp_path, env=env)
    assert result.returncode == 4
    assert "Error [DATABASE_UNAVAILABLE]" in result.stderr
    assert "pw-secret" not in result.stderr


def test_upgrade_then_serve_answers_health(
    tmp_path: Path, blank_database_url: str
) -> None:
    # The README's first command: upgrade, serve, and /health says ok.
    env = clean_environ(DATABASE_URL=blank_database_url)
    assert _run("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [FLEXLEDGER, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = _wait_for_health(f"http://127.0.0.1:{port}/health", server)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "Uvicorn running on http://127.0.0.1:" in output


def test_the_embedded_sqlite_default_needs_no_settings(tmp_path: Path) -> None:
    env = clean_environ(XDG_DATA_HOME=str(tmp_path / "xdg"))
    result = _run("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "xdg" / "flexledger" / "flexledger.sqlite3").exists()


def test_config_check_masks_the_token_and_reports_capabilities(tmp_path: Path) -> None:
    env = clean_environ(
        ACCOUNT_ID="U1234567", IBKR_FLEX_TOKEN=TOKEN, IBKR_FLEX_QUERY_ID="123456"
    )
    result = _run("config", "check", cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert TOKEN not in result.stdout + result.stderr
    assert "IBKR_FLEX_TOKEN" in result.stdout
    assert "fetch    ready" in result.stdout


def test_config_check_lists_what_fetching_lacks(tmp_path: Path) -> None:
    result = _run("config", "check", cwd=tmp_path)
    assert result.returncode == 0
    assert "fetch    needs:" in result.stdout
    assert "IBKR_FLEX_TOKEN:" in result.stdout
    assert "serve    ready" in result.stdout


def test_invalid_settings_exit_with_the_config_code(tmp_path: Path) -> None:
    env = clean_environ(BUSINESS_TIMEZONE="Nowhere/Land")
    result = _run("config", "check", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert "Error [CONFIG_INVALID]" in result.stderr
    assert "BUSINESS_TIMEZONE" in result.stderr


@pytest.mark.parametrize("args", [(), ("db",), ("config",)])
def test_groups_without_a_command_show_help(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = _run(*args, cwd=tmp_path)
    assert "Usage:" in result.stdout + result.stderr


def _wait_for_health(url: str, server: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode}")
        try:
            response = httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body
    raise AssertionError("server did not answer /health in time")
