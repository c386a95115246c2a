"""Backups of the embedded SQLite database, PostgreSQL commands, and table digests.

SQLite is copied with the sqlite3 online backup API: it copies a consistent
snapshot page by page while the app and the scheduler keep reading and writing,
which a plain file copy of a WAL database does not guarantee. PostgreSQL is backed
up with its own tools (`pg_dump`, base backups and WAL archiving); this module only
spells out the commands for the configured database.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import make_url

from flexledger.db.engine import SQLITE_BUSY_TIMEOUT_MS
from flexledger.db.run_lock import hold_run_lock
from flexledger.domain.errors import (
    ConflictError,
    FlexLedgerError,
    InvalidRequestError,
    RunAlreadyActiveError,
)

CHECKSUM_SUFFIX = ".sha256"
# Pages copied per step: small steps let writers in between (the online part).
_PAGES_PER_STEP = 1024
_HASH_CHUNK = 1 << 20


class BackupNotSupportedError(FlexLedgerError):
    """PostgreSQL is backed up with pg_dump or base backups, not by flexledger."""

    code = "BACKUP_USE_POSTGRES_TOOLS"
    default_hint = (
        "Run the pg_dump / pg_restore commands printed above (docs/operations.md)."
    )


class BackupInvalidError(InvalidRequestError):
    """The backup file is damaged or is not a flexledger database."""

    code = "BACKUP_INVALID"


class BackupTargetExistsError(ConflictError):
    """The backup target file already exists."""

    code = "BACKUP_TARGET_EXISTS"
    default_hint = "Choose a new file name; a backup never overwrites another."


@dataclass(frozen=True, slots=True)
class BackupFile:
    """A verified SQLite backup.

    Attributes:
        path: the database file.
        sha256: its checksum, also written to ``<path>.sha256``.
        size_bytes: its size.
        pages: SQLite pages copied.
    """

    path: Path
    sha256: str
    size_bytes: int
    pages: int


@dataclass(frozen=True, slots=True)
class TableDigest:
    """Every row of one table, hashed in primary-key order.

    Attributes:
        table: the table name.
        rows: how many rows it holds.
        sha256: hash over the rows' values.
    """

    table: str
    rows: int
    sha256: str


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL; None for PostgreSQL or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksum(path: Path, sha256: str) -> Path:
    """Write ``<path>.sha256`` in `sha256sum` format, so `sha256sum -c` checks it."""
    sidecar = path.with_name(path.name + CHECKSUM_SUFFIX)
    temporary = sidecar.with_name(sidecar.name + ".tmp")
    temporary.write_text(f"{sha256}  {path.name}\n", encoding="ascii")
    os.replace(temporary, sidecar)
    return sidecar


def read_checksum(path: Path) -> str | None:
    """The checksum recorded next to `path`, or None without a sidecar file.

    Raises:
        BackupInvalidError: the sidecar exists but is not a SHA-256 line.
    """
    sidecar = path.with_name(path.name + CHECKSUM_SUFFIX)
    if not sidecar.exists():
        return None
    fields = sidecar.read_text(encoding="ascii", errors="replace").split()
    if not fields or len(fields[0]) != 64:  # hex SHA-256
        raise BackupInvalidError(f"{sidecar} is not a SHA-256 checksum file.")
    return fields[0].lower()


def backup_sqlite(url: str, target: Path) -> BackupFile:
    """Copy the SQLite database at `url` to `target` while it stays in use.

    The copy is written next to `target` under a temporary name, checked with
    ``PRAGMA integrity_check``, switched to a self-contained rollback journal (no
    ``-wal`` file to lose), and only then renamed into place, with its checksum.

    Raises:
        BackupNotSupportedError: `url` is not a SQLite file.
        BackupTargetExistsError: `target` exists.
        BackupInvalidError: the copy failed its integrity check.
    """
    source = _require_sqlite(url)
    if target.exists():
        raise BackupTargetExistsError(f"{target} already exists.")
    if not source.exists():
        raise BackupInvalidError(
            f"{source} does not exist: there is nothing to back up.",
            hint="Check DATABASE_URL (flexledger config check).",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    temporary.unlink(missing_ok=True)
    try:
        pages = _copy(source, temporary)
        with _connect(temporary) as copy:
            _require_intact(copy, temporary)
            copy.execute("PRAGMA journal_mode = DELETE")
        sha256 = file_sha256(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    write_checksum(target, sha256)
    return BackupFile(target, sha256, target.stat().st_size, pages)


def verify_sqlite_backup(path: Path) -> str | None:
    """Check a backup file before it is restored; returns its verified checksum.

    Raises:
        BackupInvalidError: a checksum mismatch, a damaged file, or a database that
            flexledger did not create (no migration table).
    """
    if not path.is_file():
        raise BackupInvalidError(f"{path} is not a file.")
    recorded = read_checksum(path)
    actual = file_sha256(path)
    if recorded is not None and recorded != actual:
        raise BackupInvalidError(
            f"{path} does not match its checksum ({recorded[:12]}… recorded, "
            f"{actual[:12]}… found): the file is damaged or was changed.",
            hint="Restore another backup; never one that fails its checksum.",
        )
    try:
        with _connect(path, read_only=True) as backup:
            _require_intact(backup, path)
            found = backup.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupInvalidError(f"{path} is not a SQLite database: {exc}") from None
    if not found or not found[0]:
        raise BackupInvalidError(f"{path} is not a flexledger database.")
    return recorded


def restore_sqlite(engine: Engine, source: Path, *, safety_copy: Path) -> int:
    """Replace the database behind `engine` with the backup at `source`.

    Runs under the run lock, so no ingestion or reprocess can be writing; the
    current content is first saved to `safety_copy`. The backup API writes the
    pages into the live file, so open connections (the web app) see the restored
    database on their next transaction instead of a file swapped under them.

    Returns:
        The pages copied.

    Raises:
        RunAlreadyActiveError: a run holds the lock (with what to do instead).
        BackupInvalidError: see `verify_sqlite_backup`.
    """
    target = _require_sqlite(str(engine.url))
    verify_sqlite_backup(source)
    try:
        with hold_run_lock(engine):
            if target.exists():
                backup_sqlite(str(engine.url), safety_copy)
            return _copy(source, target)
    except RunAlreadyActiveError:
        raise RunAlreadyActiveError(
            f"A run is active on {target}; restoring now would overwrite it.",
            hint=(
                "Wait for the run to finish, stop the scheduler "
                "(systemctl stop flexledger-scheduler, or docker compose stop "
                "scheduler), then run the restore again."
            ),
        ) from None


def postgres_commands(url: str, file: Path) -> tuple[list[str], list[str]]:
    """The pg_dump and pg_restore commands for the PostgreSQL database at `url`.

    The password is never printed: libpq reads it from PGPASSWORD or ~/.pgpass.

    Returns:
        (backup commands, restore commands), each a list of shell lines.
    """
    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    name = parsed.database or "flexledger"
    scratch = f"{name}_restore"
    scratch_url = parsed.set(
        drivername="postgresql", password=None, database=scratch
    ).render_as_string(hide_password=False)
    path = shlex.quote(str(file))
    backup = [
        f"pg_dump --format=custom --file={path} --dbname={shlex.quote(libpq)}",
        f"sha256sum {path} > {path}{CHECKSUM_SUFFIX}",
    ]
    restore = [
        f"sha256sum -c {path}{CHECKSUM_SUFFIX}",
        f"createdb --maintenance-db={shlex.quote(libpq)} {shlex.quote(scratch)}",
        f"pg_restore --exit-on-error --no-owner "
        f"--dbname={shlex.quote(scratch_url)} {path}",
        "# validate the scratch database (docs/operations.md), then swap names or",
        "# point DATABASE_URL at it; to overwrite in place instead:",
        f"pg_restore --exit-on-error --clean --if-exists --no-owner "
        f"--dbname={shlex.quote(libpq)} {path}",
    ]
    return backup, restore


def database_digest(engine: Engine) -> list[TableDigest]:
    """Hash every table's rows (migration table included), ordered by table name.

    Two databases of the same dialect hold the same data exactly when their
    digests are equal; a restore drill compares them before and after.
    """
    metadata = MetaData()
    metadata.reflect(engine)
    digests: list[TableDigest] = []
    with engine.connect() as connection:
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            result = connection.execution_options(
                stream_results=True, yield_per=2_000
            ).execute(select(table).order_by(*order))
            for row in result:
                digest.update(repr(tuple(row)).encode())
                digest.update(b"\n")
                count += 1
            digests.append(TableDigest(name, count, digest.hexdigest()))
    return digests


def combined_digest(digests: list[TableDigest]) -> str:
    """One hash over every table digest, for a one-line comparison."""
    digest = hashlib.sha256()
    for table in digests:
        digest.update(f"{table.table}:{table.rows}:{table.sha256}\n".encode())
    return digest.hexdigest()


def _require_sqlite(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupNotSupportedError(
            f"{make_url(url).render_as_string(hide_password=True)} is not an "
            "embedded SQLite file."
        )
    return path


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    connection = sqlite3.connect(
        uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    try:
        yield connection
    finally:
        connection.close()


def _copy(source: Path, target: Path) -> int:
    copied = 0

    def count(_status: int, remaining: int, total: int) -> None:
        nonlocal copied
        copied = total - remaining

    with _connect(source, read_only=True) as reader, _connect(target) as writer:
        reader.backup(writer, pages=_PAGES_PER_STEP, progress=count)
        if not copied:  # an empty source reports no progress
            copied = reader.execute("PRAGMA page_count").fetchone()[0]
    return copied


def _require_intact(connection: sqlite3.Connection, path: Path) -> None:
    verdict = connection.execute("PRAGMA integrity_check").fetchone()
    if not verdict or verdict[0] != "ok":
        raise BackupInvalidError(
            f"{path} failed its integrity check: {verdict[0] if verdict else '?'}"
        )
