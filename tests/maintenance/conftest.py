"""A SQLite-only database for the tests of SQLite backup files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flexledger.db.database import Database


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite file of its own (these tests replace the whole file)."""
    handle = Database(f"sqlite:///{tmp_path / 'db' / 'flexledger.sqlite3'}")
    handle.upgrade()
    try:
        yield handle
    finally:
        handle.dispose()
