"""Engine factory and the `Database` handle the other layers hold.

Other layers never see a SQLAlchemy object: they get a `Database` and ask it for a
unit of work, a health probe or the schema state.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from flexledger.db.checkpoint import WalCheckpointer

SQLITE_BUSY_TIMEOUT_MS = 5_000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, checkpointer: WalCheckpointer | None = None) -> Engine:
    """Create an engine for ``sqlite:///…`` or ``postgresql+psycopg://…``.

    SQLite gets foreign keys on, WAL and a busy timeout on every connection, and
    SQLAlchemy (not the sqlite3 module) controls transactions, so that a rollback
    really undoes everything since BEGIN. The SQLite file's folder is created.

    Args:
        url: the database URL.
        checkpointer: for a SQLite file, runs WAL checkpoints off the committing
            call (db/checkpoint.py); without one, SQLite checkpoints as it commits.

    Returns:
        A new engine; the caller owns it and disposes of it.

    Raises:
        ValueError: for any other kind of URL.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, checkpointer)
    if parsed.drivername == "postgresql+psycopg":
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
        )
    raise ValueError(
        f"unsupported database {parsed.drivername!r}: use sqlite:/// or "
        "postgresql+psycopg://"
    )


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:":
        return None
    return str(Path(database).expanduser())


def _sqlite_engine(url: str, checkpointer: WalCheckpointer | None) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # Raw rows are read back as JSON text; orjson parses it several times faster.
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(
        dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry
    ) -> None:
        # Autocommit at the driver level; SQLAlchemy's "begin" hook emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect only while the file is empty (before the first table): a raw
        # row's JSON is about 2 KB, so 4 KiB pages held one each and the file grew
        # by a third more than the rows; 8 KiB pages hold three or four.
        cursor.execute("PRAGMA page_size = 8192")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # 16 MiB page cache (default 2 MiB): bulk imports update several indexes,
        # mostly at their ends (time-ordered ids); more only raised peak memory.
        cursor.execute("PRAGMA cache_size = -16384")
        # A multi-row INSERT (db/bulk.py) keeps a statement journal of every page
        # it changes, to undo itself alone on a constraint error. In a temp file
        # that was 2.1 GB of writes (half a million calls) in a 100k-trade import;
        # in memory it is a copy per page, freed when the statement ends. Sorts
        # too big for the cache also stay in memory (bounded by the data sorted).
        cursor.execute("PRAGMA temp_store = MEMORY")
        if checkpointer is not None:
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        cursor.close()

    if checkpointer is not None:

        @event.listens_for(engine, "checkin")
        def _on_checkin(*_: object) -> None:
            # Every write ends by returning its connection, after its commit.
            checkpointer.request()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def redacted_url(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)
