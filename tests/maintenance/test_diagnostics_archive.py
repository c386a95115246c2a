"""Diagnostics retention (SPEC §14): archive, verify, purge, restore; raw untouched."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from flexledger.db.database import Database
from flexledger.jobs import maintenance
from flexledger.jobs.maintenance import (
    ArchiveError,
    archive_diagnostics,
    restore_diagnostics,
)
from tests.maintenance.helpers import (
    NOW,
    aged_ledger,
    diagnostics_by_run,
    raw_digest,
    sql_null_diagnostics,
)


def test_archive_purge_restore_gives_back_the_same_diagnostics(
    database: Database, tmp_path: Path
) -> None:
    old, recent = aged_ledger(database)
    before = diagnostics_by_run(database)
    raw_before = raw_digest(database)
    assert all(before[run_id] for run_id in [*old, recent])
    assert raw_before["raw_record"][0] > 0

    outcome = archive_diagnostics(database, tmp_path / "archive", now=NOW)

    assert [f.month for f in outcome.files] == ["2025-01", "2025-02"]
    assert [f.runs for f in outcome.files] == [2, 1]
    assert outcome.purged == len(old)
    for archive_file in outcome.files:
        # The sidecar is sha256sum's own format: the standard tool agrees.
        check = subprocess.run(
            ["sha256sum", "-c", f"{archive_file.path.name}.sha256"],
            cwd=archive_file.path.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        data = archive_file.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == archive_file.sha256
        lines = gzip.decompress(data).decode().splitlines()
        for line in lines:
            record = json.loads(line)
            assert (
                record["diagnostics"] == before[uuid.UUID(record["ingestion_run_id"])]
            )
    # Purge nulls the column (SQL NULL) and keeps every run row.
    assert sql_null_diagnostics(database) == set(old)
    after_purge = diagnostics_by_run(database)
    assert set(after_purge) == set(before)
    assert after_purge[recent] == before[recent]
    assert raw_digest(database) == raw_before

    restored = restore_diagnostics(database, [f.path for f in outcome.files])
    assert restored.counts.restored == len(old)
    assert diagnostics_by_run(database) == before
    again = restore_diagnostics(database, [f.path for f in outcome.files])
    assert (again.counts.restored, again.counts.unchanged) == (0, len(old))
    assert diagnostics_by_run(database) == before
    assert raw_digest(database) == raw_before


def test_nothing_old_enough_writes_nothing(database: Database, tmp_path: Path) -> None:
    aged_ledger(database)
    outcome = archive_diagnostics(
        database, tmp_path / "archive", older_than_days=365, now=NOW
    )
    assert (outcome.files, outcome.purged) == ((), 0)
    assert not (tmp_path / "archive").exists()


def test_dry_run_writes_and_purges_nothing(database: Database, tmp_path: Path) -> None:
    aged_ledger(database)
    before = diagnostics_by_run(database)
    outcome = archive_diagnostics(database, tmp_path / "a", now=NOW, dry_run=True)
    assert [f.added for f in outcome.files] == [2, 1]
    assert not (tmp_path / "a").exists()
    assert diagnostics_by_run(database) == before


def test_an_unwritable_folder_purges_nothing(
    database: Database, tmp_path: Path
) -> None:
    aged_ledger(database)
    before = diagnostics_by_run(database)
    raw_before = raw_digest(database)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ArchiveError, match="Cannot write"):
        archive_diagnostics(database, blocker / "archive", now=NOW)
    assert diagnostics_by_run(database) == before
    assert sql_null_diagnostics(database) == set()
    assert raw_digest(database) == raw_before


def test_a_file_that_reads_back_wrong_purges_nothing(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aged_ledger(database)
    before = diagnostics_by_run(database)
    real_write = maintenance._write_atomically
    months: list[str] = []

    def corrupting_write(path: Path, data: bytes) -> None:
        # The second month lands on disk with one byte flipped, as a failing disk
        # or a full volume would leave it; the first month is written correctly.
        months.append(path.name)
        if len(months) == 2:
            data = data[:20] + bytes([data[20] ^ 0xFF]) + data[21:]
        real_write(path, data)

    monkeypatch.setattr(maintenance, "_write_atomically", corrupting_write)
    with pytest.raises(ArchiveError, match="does not match its checksum"):
        archive_diagnostics(database, tmp_path / "archive", now=NOW)
    assert len(months) == 2
    assert diagnostics_by_run(database) == before
    assert sql_null_diagnostics(database) == set()


def test_restore_refuses_a_file_that_fails_its_checksum(
    database: Database, tmp_path: Path
) -> None:
    old, _ = aged_ledger(database)
    outcome = archive_diagnostics(database, tmp_path / "archive", now=NOW)
    january = outcome.files[0].path
    february = outcome.files[1].path
    data = bytearray(january.read_bytes())
    data[-9] ^= 0x01
    january.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="does not match its checksum"):
        restore_diagnostics(database, [february, january])
    # One bad file refuses the whole call: February was not written either.
    assert sql_null_diagnostics(database) == set(old)
    Path(f"{february}.sha256").unlink()
    with pytest.raises(ArchiveError, match="no checksum file"):
        restore_diagnostics(database, [february])
    assert sql_null_diagnostics(database) == set(old)


def test_a_month_archived_twice_stays_one_file_with_every_run(
    database: Database, tmp_path: Path
) -> None:
    old, _ = aged_ledger(database)
    before = diagnostics_by_run(database)
    folder = tmp_path / "archive"
    # First pass: only the 5 January run is older than the window.
    first = archive_diagnostics(
        database,
        folder,
        older_than_days=(NOW - dt.datetime(2025, 1, 10, tzinfo=dt.UTC)).days,
        now=NOW,
    )
    assert [(f.month, f.runs) for f in first.files] == [("2025-01", 1)]
    second = archive_diagnostics(database, folder, now=NOW)
    assert [(f.month, f.runs, f.added) for f in second.files] == [
        ("2025-01", 2, 1),
        ("2025-02", 1, 1),
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "diagnostics-2025-01.jsonl.gz",
        "diagnostics-2025-01.jsonl.gz.sha256",
        "diagnostics-2025-02.jsonl.gz",
        "diagnostics-2025-02.jsonl.gz.sha256",
    ]
    assert sql_null_diagnostics(database) == set(old)
    restore_diagnostics(database, sorted(folder.glob("*.jsonl.gz")))
    assert diagnostics_by_run(database) == before
