"""Engine settings that the rest of the app relies on."""

from __future__ import annotations

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


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        make_engine("mysql+pymysql://root@localhost/x")


def test_redacted_url_hides_the_password() -> None:
    shown = redacted_url("postgresql+psycopg://ledger:s3cret@db:5432/flexledger")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://ledger:***@db:5432/flexledger"


def test_dialect_names(database: Database) -> None:
    assert database.dialect in {"sqlite", "postgresql"}
