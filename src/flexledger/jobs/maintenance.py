"""Retention and recovery jobs (SPEC §14): archive and purge diagnostics, backups.

Diagnostics archive format: one gzip file per month of run start (UTC),
``diagnostics-YYYY-MM.jsonl.gz``, one JSON object per line
(``{"diagnostics": […], "ingestion_run_id": "…", "started_at_utc": "…"}``, keys
sorted, runs in start order), with ``<file>.sha256`` beside it in `sha256sum`
format. Nothing is purged until every written file has been read back from disk
and matched both its checksum and the rows it was written from.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexledger.db.backup import (
    BackupFile,
    BackupInvalidError,
    BackupNotSupportedError,
    TableDigest,
    backup_sqlite,
    combined_digest,
    database_digest,
    file_sha256,
    read_checksum,
    restore_sqlite,
    sqlite_path,
    write_checksum,
)
from flexledger.db.database import Database
from flexledger.db.repositories.diagnostics_archive import (
    DiagnosticsArchiveRepository,
    RestoreCounts,
    RunDiagnostics,
)
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import FlexLedgerError

DEFAULT_RETENTION_DAYS = 60
ARCHIVE_PREFIX = "diagnostics-"
ARCHIVE_SUFFIX = ".jsonl.gz"


class ArchiveError(FlexLedgerError):
    """A diagnostics archive could not be written, read or verified."""

    code = "ARCHIVE_FAILED"
    default_hint = (
        "Fix the cause and run the command again; the database was not changed."
    )


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One verified monthly archive.

    Attributes:
        path: the ``.jsonl.gz`` file.
        month: ``YYYY-MM`` of the runs' start.
        runs: runs in the file (earlier archives of the month included).
        added: runs this call added to it.
        size_bytes: the compressed size.
        sha256: the checksum written beside it.
    """

    path: Path
    month: str
    runs: int
    added: int
    size_bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ArchiveOutcome:
    """What `archive_diagnostics` did.

    Attributes:
        cutoff: runs started before this instant were archived.
        files: the verified archives, by month.
        purged: runs whose diagnostics were set to NULL.
        dry_run: True when nothing was written or purged.
    """

    cutoff: dt.datetime
    files: tuple[ArchiveFile, ...]
    purged: int
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class DiagnosticsRestoreOutcome:
    """What `restore_diagnostics` did, over every file.

    Attributes:
        files: the archives read, each verified against its checksum.
        counts: restored, unchanged, conflicting and missing runs.
    """

    files: tuple[Path, ...]
    counts: RestoreCounts


def archive_diagnostics(
    database: Database,
    folder: Path,
    *,
    older_than_days: int = DEFAULT_RETENTION_DAYS,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> ArchiveOutcome:
    """Archive the diagnostics of runs older than the window, verify, then purge.

    Reading, writing, verifying and purging happen inside one unit of work: any
    failure (an unwritable folder, a checksum mismatch on read-back) rolls the
    purge back, so the database is unchanged. A month already archived by an
    earlier call is verified, merged with the new runs and rewritten, so each
    month stays one file.

    Args:
        database: the ledger.
        folder: where the monthly files go (created if needed).
        older_than_days: the hot window; runs started earlier are archived.
        now: the current instant (tests); defaults to the clock.
        dry_run: only report what would be archived.

    Raises:
        ArchiveError: a file could not be written or did not verify.
        ValueError: a negative window.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = (now or utc_now()) - dt.timedelta(days=older_than_days)
    with database.unit_of_work() as uow:
        repository = DiagnosticsArchiveRepository(uow)
        old = repository.started_before(cutoff)
        by_month: dict[str, list[RunDiagnostics]] = {}
        for run in old:
            by_month.setdefault(_month(run.started_at_utc), []).append(run)
        if dry_run:
            planned = tuple(
                ArchiveFile(
                    _archive_path(folder, month), month, len(runs), len(runs), 0, ""
                )
                for month, runs in sorted(by_month.items())
            )
            return ArchiveOutcome(cutoff, planned, 0, dry_run=True)
        files = tuple(
            _write_month(folder, month, runs)
            for month, runs in sorted(by_month.items())
        )
        # Read every file back once more, all of them, right before the purge.
        for archive in files:
            _verify_contains(
                archive.path, {r.ingestion_run_id: r for r in by_month[archive.month]}
            )
        purged = repository.purge(run.ingestion_run_id for run in old)
    return ArchiveOutcome(cutoff, files, purged)


def restore_diagnostics(
    database: Database, paths: Sequence[Path]
) -> DiagnosticsRestoreOutcome:
    """Write archived diagnostics back into their runs; safe to repeat.

    Every file is verified against its checksum before anything is written; one
    bad file refuses the whole call.

    Raises:
        ArchiveError: a file is missing, has no checksum, or fails it.
    """
    documents: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for path in paths:
        for record in read_archive(path):
            documents[uuid.UUID(record["ingestion_run_id"])] = record["diagnostics"]
    with database.unit_of_work() as uow:
        counts = DiagnosticsArchiveRepository(uow).write_back(documents)
    return DiagnosticsRestoreOutcome(tuple(paths), counts)


def read_archive(path: Path) -> list[dict[str, Any]]:
    """The records of an archive whose checksum verifies.

    Raises:
        ArchiveError: missing file or checksum, a mismatch, or unreadable content.
    """
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist.", hint="Check the file name.")
    try:
        recorded = read_checksum(path)
    except BackupInvalidError as exc:
        raise ArchiveError(exc.message) from None
    if recorded is None:
        raise ArchiveError(
            f"{path} has no checksum file ({path.name}.sha256); refusing to trust it.",
            hint="Restore the .sha256 file from the same backup as the archive.",
        )
    actual = file_sha256(path)
    if actual != recorded:
        raise ArchiveError(
            f"{path} does not match its checksum ({recorded[:12]}… recorded, "
            f"{actual[:12]}… found): the file is damaged or was changed.",
            hint="Use another copy of the archive; nothing was written.",
        )
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"{path} cannot be read: {exc}") from None
    for record in records:
        if (
            not isinstance(record, dict)
            or not {"ingestion_run_id", "diagnostics"} <= record.keys()
        ):
            raise ArchiveError(f"{path} holds a line that is not an archived run.")
    return records


def backup_database(database: Database, target: Path) -> BackupFile:
    """An online backup of the embedded SQLite database (see `db.backup`)."""
    return backup_sqlite(database.url, target)


def restore_database(database: Database, source: Path) -> tuple[int, Path]:
    """Restore the SQLite database from `source`, keeping a copy of the current one.

    Returns:
        (pages copied, path of the safety copy of the replaced database).
    """
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    live = sqlite_path(database.url)
    if live is None:
        raise BackupNotSupportedError(
            f"{database.display_url} is not an embedded SQLite file."
        )
    safety = live.with_name(f"{live.name}.before-restore-{stamp}")
    pages = restore_sqlite(database.engine, source, safety_copy=safety)
    return pages, safety


def export_digest(database: Database) -> tuple[list[TableDigest], str]:
    """Every table's row count and hash, and one hash over them all."""
    tables = database_digest(database.engine)
    return tables, combined_digest(tables)


def _month(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m")


def _archive_path(folder: Path, month: str) -> Path:
    return folder / f"{ARCHIVE_PREFIX}{month}{ARCHIVE_SUFFIX}"


def _record(run: RunDiagnostics) -> dict[str, Any]:
    return {
        "ingestion_run_id": str(run.ingestion_run_id),
        "started_at_utc": run.started_at_utc.astimezone(dt.UTC).isoformat(),
        "diagnostics": run.diagnostics,
    }


def _encode(records: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same runs always give the same bytes, so a
    # rewrite of an unchanged month keeps its checksum.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        for record in records:
            line = json.dumps(
                record, sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            handle.write(line.encode("utf-8") + b"\n")
    return buffer.getvalue()


def _write_month(folder: Path, month: str, runs: list[RunDiagnostics]) -> ArchiveFile:
    path = _archive_path(folder, month)
    merged: dict[str, dict[str, Any]] = {}
    if path.exists():
        # Runs archived earlier are no longer in the database (their diagnostics
        # were purged): the old file must verify and be kept in the new one.
        merged.update((r["ingestion_run_id"], r) for r in read_archive(path))
    merged.update((str(r.ingestion_run_id), _record(r)) for r in runs)
    records = sorted(
        merged.values(),
        key=lambda r: (r.get("started_at_utc", ""), r["ingestion_run_id"]),
    )
    data = _encode(records)
    expected = hashlib.sha256(data).hexdigest()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)
        write_checksum(path, expected)
    except OSError as exc:
        raise ArchiveError(f"Cannot write {path}: {exc.strerror or exc}") from None
    _verify_contains(path, {r.ingestion_run_id: r for r in runs})
    return ArchiveFile(
        path, month, len(records), len(runs), path.stat().st_size, expected
    )


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _verify_contains(path: Path, runs: dict[uuid.UUID, RunDiagnostics]) -> None:
    # Read back from disk, not from memory: this is what a restore will read.
    found = {
        uuid.UUID(r["ingestion_run_id"]): r["diagnostics"] for r in read_archive(path)
    }
    for run_id, run in runs.items():
        if found.get(run_id) != run.diagnostics:
            raise ArchiveError(
                f"{path} was written but does not read back run {run_id}'s diagnostics."
            )
