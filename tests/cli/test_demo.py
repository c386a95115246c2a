"""`flexledger demo` as a real process: builds, prints where, serves on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.environment import clean_environ

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
STARTUP_SECONDS = 120


def _wait_for_url(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Serving the demo at "):
            return line.split()[4], lines
    raise AssertionError("no URL printed:\n" + "\n".join(lines))


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=10)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_demo_builds_then_serves_the_sample_account(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with subprocess.Popen(
        [
            FLEXLEDGER,
            "demo",
            "--no-browser",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        cwd=tmp_path,
        env=clean_environ(PYTHONUNBUFFERED="1", XDG_DATA_HOME=str(tmp_path / "xdg")),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            url, lines = _wait_for_url(process)
            health = _get_when_up(f"{url}health")
            instruments = httpx.get(f"{url}instruments", timeout=10)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert url.startswith("http://127.0.0.1:")
    assert not url.endswith(":0/")
    assert lines[0].startswith("Generating 30 monthly statements")
    assert f"Demo data: {data_dir.resolve()}" in lines
    assert health.status_code == 200
    assert instruments.json()["page"]["total"] == 11
    assert (data_dir / "flexledger.sqlite3").is_file()
