"""Engine settings that the rest of the app relies on."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from flexledger.db.database import Database
from flexledger.db.engine import make_engine, redacted_url


def test_sqlite_connections_get_foreign_keys_wal_and_busy_timeout(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'ledger.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "ledger.sqlite3").exists()


@pytest.mark.skipif(
    not Path("/proc/self/io").exists(), reason="counts writes through Linux /proc"
)
def test_multi_row_inserts_keep_their_statement_journal_in_memory(
    tmp_path: Path,
) -> None:
    # Random keys into an index that already holds rows: every statement changes
    # pages that existed before it, so SQLite journals them. On a temp file
    # (SQLite's default) this transaction writes over 100 MB before its commit.
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        connection = engine.raw_connection()
        driver = connection.driver_connection
        assert driver is not None
        driver.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        driver.execute("INSERT INTO parent VALUES (1)")
        driver.execute(
            "CREATE TABLE child (id TEXT PRIMARY KEY,"
            " parent_id INTEGER REFERENCES parent (id), note TEXT)"
        )
        rows_per_statement = 100
        insert = "INSERT INTO child VALUES " + ", ".join(  # noqa: S608 - placeholders
            ["(?, ?, ?)"] * rows_per_statement
        )

        def insert_rows(count: int) -> None:
            for _ in range(count // rows_per_statement):
                values = [
                    (uuid.uuid4().hex, 1, "x" * 100) for _ in range(rows_per_statement)
                ]
                driver.execute(insert, [v for row in values for v in row])

        driver.execute("BEGIN")
        insert_rows(20_000)
        driver.execute("COMMIT")
        driver.execute("BEGIN")
        before = _bytes_written()
        insert_rows(20_000)
        written = _bytes_written() - before
        driver.execute("ROLLBACK")
        connection.close()
    finally:
        engine.dispose()
    assert written < 10_000_000


def _bytes_written() -> int:
    counters = Path("/proc/self/io").read_text().splitlines()
    return int(dict(line.split(": ") for line in counters)["wchar"])


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        make_engine("mysql+pymysql://root@localhost/x")


def test_redacted_url_hides_the_password() -> None:
    shown = redacted_url("postgresql+psycopg://ledger:s3cret@db:5432/flexledger")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://ledger:***@db:5432/flexledger"


def test_dialect_names(database: Database) -> None:
    assert database.dialect in {"sqlite", "postgresql"}
