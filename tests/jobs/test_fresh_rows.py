"""The rows a persist hands to mapping in memory are the rows it stored.

Mapping takes them instead of reading them back (jobs/fresh_rows.py), so each must
equal what the database gives for the run: the same ids, in the same order, with
the same fields and attribute values.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.repositories.raw import RawRepository
from flexledger.db.session import UnitOfWork
from flexledger.domain.canonical import SourceRow
from flexledger.domain.runs import IngestionRun
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from flexledger.jobs.timeline import Timeline
from tests.fixtures.flex_files import (
    IMPORTABLE_FIXTURES,
    count_rows,
)

FILES = IMPORTABLE_FIXTURES


@dataclass
class _Capture:
    """A hook that keeps both views of the run's rows."""

    taken: list[SourceRow] = field(default_factory=list)
    stored: list[SourceRow] = field(default_factory=list)
    artifacts: list[uuid.UUID | None] = field(default_factory=list)

    def __call__(
        self, uow: UnitOfWork, run: IngestionRun, timeline: Timeline, fresh: FreshRows
    ) -> None:
        self.artifacts.append(fresh.raw_artifact_id)
        self.stored = CanonicalRepository(uow).rows_of_run(run.ingestion_run_id)
        if fresh.raw_artifact_id is None:
            self.taken = []
            return
        created = RawRepository(uow).artifact_created_at(fresh.raw_artifact_id)
        self.taken = fresh.take(run.ingestion_run_id, created)
        with pytest.raises(RuntimeError, match="already taken"):
            fresh.take(run.ingestion_run_id, created)


def _import(database: Database, path: Path, hook: _Capture, account: str) -> int:
    settings = load_settings(_env_file=None, account_id=account)
    outcome = ingest_payload(
        database,
        settings,
        Payload.of_bytes(path.read_bytes(), source="file", name=path.name),
        IngestOptions(allow_missing_sections=True),
        hooks=(hook,),
    )
    assert outcome.succeeded, outcome.run.error_message
    return outcome.raw_record_count


def _as_compared(row: SourceRow) -> tuple[object, ...]:
    # Stored attributes come back with sorted keys; mappers read them by name.
    return (
        row.raw_record_id,
        row.ingestion_run_id,
        row.artifact_created_at_utc,
        row.account_id,
        row.section_name,
        row.row_tag,
        row.source_row_ref,
        row.report_date_local,
        dict(sorted(row.attrs.items())),
    )


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_rows_handed_on_are_the_rows_stored(
    database: Database, clean_env: Path, path: Path
) -> None:
    accounts = count_rows(path).accounts
    hook = _Capture()
    inserted = _import(database, path, hook, accounts[0] if accounts else "U0000000")
    assert len(hook.taken) == inserted
    assert [_as_compared(r) for r in hook.taken] == [
        _as_compared(r) for r in hook.stored
    ]


def test_a_payload_with_nothing_new_hands_on_nothing(
    database: Database, clean_env: Path
) -> None:
    path = FILES[0]
    account = count_rows(path).accounts[0]
    hook = _Capture()
    _import(database, path, hook, account)
    _import(database, path, hook, account)
    assert hook.artifacts[1] is None
    assert hook.taken == hook.stored == []
