"""Alembic environment: runs migrations on the connection flexledger hands it.

`flexledger db upgrade` (db/migration.py) passes an open connection in
``config.attributes["connection"]``; the `alembic` command line builds one from
``sqlalchemy.url`` or DATABASE_URL instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

import flexledger.db.tables  # noqa: F401  (registers every table on the metadata)
from flexledger.db.base import Base
from flexledger.db.engine import make_engine

config = context.config


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch ALTERs copy and drop tables; SQLite can only switch foreign keys off
        # outside a transaction, so the pragma goes to the driver before SQLAlchemy
        # begins one, and every key is checked before they are switched back on.
        _sqlite_pragma(connection, "PRAGMA foreign_keys = OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
            if is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
    finally:
        if is_sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys = ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None  # noqa: S101 - an open connection has one
    driver_connection.execute(pragma)


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("set DATABASE_URL (or sqlalchemy.url) to run migrations")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
_run_online()
