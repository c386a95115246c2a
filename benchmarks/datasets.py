"""Benchmark datasets: the synthetic statement imported once, then reused.

Importing 100k trades takes minutes, and the report and page benchmarks only read:
each dataset is built by the real `flexledger import` (a subprocess, as a user
runs it) into a SQLite file under the temp folder or a PostgreSQL database named
after its size, and kept for the next run. Delete the folder or drop the database
to rebuild. A reused dataset is brought to the current schema first (`flexledger
db upgrade`, a no-op when it is at head), as a user upgrading would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import ACCOUNT, write_statement

CACHE = Path(tempfile.gettempdir()) / "flexledger-bench"
FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment a `flexledger` process over the dataset runs with."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLEXLEDGER_DATA_DIR": str(data_dir),
        "ACCOUNT_ID": ACCOUNT,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("IBKR_FLEX_TOKEN", None)
    return env


def sqlite_dataset(trades: int) -> str:
    """The SQLite URL of the dataset with `trades` synthetic trades."""
    folder = CACHE / f"{trades}"
    database = folder / "ledger.sqlite3"
    marker = folder / "complete"
    url = f"sqlite:///{database}"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
        _import(url, folder, trades)
        marker.write_text("ok\n", encoding="utf-8")
    else:
        _upgrade(url, folder)
    return url


def postgres_dataset(trades: int, server_url: str = DEFAULT_POSTGRES) -> str | None:
    """The PostgreSQL URL of the dataset, or None when no server answers."""
    name = f"flexledger_bench_{trades}"
    try:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists and _complete(server_url, name):
                url = _url(server_url, name)
                _upgrade(url, CACHE / f"{trades}-postgres")
                return url
            if exists:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return None
    url = _url(server_url, name)
    folder = CACHE / f"{trades}-postgres"
    folder.mkdir(parents=True, exist_ok=True)
    _import(url, folder, trades)
    return url


def _url(server_url: str, name: str) -> str:
    base = server_url.rsplit("/", 1)[0].replace(
        "postgresql://", "postgresql+psycopg://"
    )
    return f"{base}/{name}"


def _complete(server_url: str, name: str) -> bool:
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT count(*) FROM ingestion_run WHERE status = 'success'"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def _upgrade(url: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [FLEXLEDGER, "db", "upgrade"],
        env=environment(url, folder),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _import(url: str, folder: Path, trades: int) -> None:
    statement = folder / "statement.xml"
    if not statement.exists():
        write_statement(statement, trades)
    env = environment(url, folder)
    print(f"building the {trades:,}-trade dataset at {url} (once)", file=sys.stderr)
    subprocess.run([FLEXLEDGER, "db", "upgrade"], env=env, check=True)
    subprocess.run(
        [FLEXLEDGER, "import", "--allow-missing-sections", str(statement)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass(frozen=True, slots=True)
class Served:
    """A running `flexledger serve`: its base URL and process id."""

    base: str
    pid: int


@contextmanager
def served(database_url: str) -> Iterator[Served]:
    """A `flexledger serve` process over the database: its URL and pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [FLEXLEDGER, "serve", "--port", str(port)],
            env=environment(database_url, Path(folder)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("flexledger serve did not start")
                time.sleep(0.2)
            yield Served(base, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
