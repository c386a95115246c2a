"""SQLite WAL checkpoints run after commits, on a worker thread (db/checkpoint.py)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from flexledger.db.database import Database
from flexledger.db.engine import make_engine, sqlite_file


def _write_pages(database: Database, rows: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
        connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < :rows) INSERT INTO filler SELECT hex(randomblob(2000)) "
                "FROM n"
            ),
            {"rows": rows},
        )


def _database_pages(path: Path) -> int:
    """Pages in the database file itself: in WAL mode only a checkpoint adds them."""
    return os.path.getsize(path) // 4096


def _wait_for_pages(path: Path, pages: int) -> int:
    deadline = time.monotonic() + 30
    while _database_pages(path) < pages and time.monotonic() < deadline:
        time.sleep(0.05)
    return _database_pages(path)


def test_commits_leave_the_checkpoint_to_the_worker(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as connection:
            # The committing call no longer copies pages itself.
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        _write_pages(database, 3_000)  # about 12 MB: far past SQLite's 1000 pages
        # The worker copied the commit into the database file while nobody asked.
        assert _wait_for_pages(path, 2_000) >= 2_000
        assert Path(f"{path}-wal").exists()
    finally:
        database.dispose()
    # The last connection closed: everything is in the file, the WAL is gone.
    assert not Path(f"{path}-wal").exists()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM filler").fetchone() == (3_000,)


def test_a_disposed_database_checkpoints_again_when_used_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        _write_pages(database, 10)
        database.dispose()
        before = _database_pages(path)
        _write_pages(database, 3_000)
        assert _wait_for_pages(path, before + 2_000) >= before + 2_000
    finally:
        database.dispose()


def test_a_plain_engine_keeps_sqlites_own_checkpoints(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert (
                connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
            )
    finally:
        engine.dispose()


def test_only_sqlite_files_get_a_checkpointer() -> None:
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None
    assert sqlite_file("sqlite:////srv/ledger/db.sqlite3") == "/srv/ledger/db.sqlite3"
