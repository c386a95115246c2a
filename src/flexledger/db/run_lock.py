"""One active run per ledger, across processes, on both databases.

PostgreSQL: a session-level advisory lock on a dedicated connection, held for the
whole run (polling included, outside any transaction). SQLite: an exclusive `flock`
on a file next to the database. Both are released by the operating system or the
server when the holding process dies, so a `kill -9` never leaves a stale lock; the
`started` row such a process leaves behind is closed by the next lock holder.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from flexledger.domain.errors import RunAlreadyActiveError

logger = logging.getLogger("flexledger.run_lock")
_LOCK_NAME = "flexledger:ingestion"
# pg advisory locks take a signed 64-bit key; derive a stable one from the name.
_ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(_LOCK_NAME.encode()).digest()[:8], "big", signed=True
)


@contextmanager
def hold_run_lock(engine: Engine) -> Iterator[None]:
    """Hold the run lock for the block.

    Raises:
        RunAlreadyActiveError: another process holds it.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    else:
        with _file_lock(_lock_path(engine)):
            yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    connection = engine.connect()
    try:
        acquired = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY}
        ).scalar_one()
        connection.commit()  # session-level: the lock outlives this transaction
        if not acquired:
            raise RunAlreadyActiveError()
        try:
            yield
        finally:
            _release(connection)
    finally:
        connection.close()


def _release(connection: Connection) -> None:
    # If the lock's connection died during the run, the server already released
    # the lock; the run's own outcome is committed and must not be replaced.
    try:
        connection.execute(
            text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY}
        )
        connection.commit()
    except OperationalError:
        logger.warning("the run lock's connection was lost; the server freed the lock")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunAlreadyActiveError() from None
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _lock_path(engine: Engine) -> Path:
    database = make_url(str(engine.url)).database or ""
    return Path(f"{Path(database).expanduser()}.run.lock")
