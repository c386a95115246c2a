"""Running one hostile case: outcome, time and peak memory, with a hang guard.

`read_case` is the reader-and-mapping path (no database): the payload through
`read_statement`, then every record through the installed mappers and the mapping
layer's other readers (event resolution, corporate-action settlement, instrument
resolution, broker figures, reported positions), as the canonical stage and the
reconciliation read them. `import_case` is the real import with its post-persist
stages. Either returns a `Measured`; anything but a `FlexLedgerError` propagates,
so an unhandled exception fails the test with its traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TypeVar

from sqlalchemy import select

import flexledger.db.tables  # noqa: F401  (registers every table)
from flexledger.adapter.statement_reader import read_statement
from flexledger.config import Settings, load_settings
from flexledger.db.base import Base
from flexledger.db.database import Database
from flexledger.domain.canonical import CorpActionLeg, SourceRow
from flexledger.domain.errors import FlexLedgerError
from flexledger.domain.flex_dates import parse_flex_date
from flexledger.domain.raw import PayloadInfo, RawRecord
from flexledger.jobs.ingest import IngestOptions, IngestOutcome, Payload, ingest_payload
from flexledger.jobs.stages import post_persist_stages
from flexledger.mapping.broker_figures import broker_figures
from flexledger.mapping.corporate_actions import assign_cases, settle_actions
from flexledger.mapping.instruments import (
    AliasSighting,
    resolve_instrument,
    sightings_of,
)
from flexledger.mapping.pipeline import MappingResult, map_rows
from flexledger.mapping.reference import reported_position
from flexledger.mapping.registry import MapperRegistry, MappingContext
from flexledger.mapping.resolve import resolve_events
from tests.fixtures.registry import installed_registry

# Bounds that catch a blow-up, not a benchmark: the machine is shared, so they are
# generous. The figures themselves are printed by the tests (-s) for the notes.
MAX_SECONDS = 10.0
MAX_PEAK_BYTES = 200 * 1024 * 1024
# A case running this long is a hang: the alarm stops it with a clear error.
HANG_SECONDS = 30

REGISTRY = installed_registry()
CONTEXT = MappingContext("USD", "America/New_York")
_IDS = uuid.UUID("00000000-0000-5000-8000-00000000f022")
_STORED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

T = TypeVar("T")


class CaseHangError(AssertionError):
    """A case ran past `HANG_SECONDS`."""


@dataclass(frozen=True, slots=True)
class Measured:
    """What one case did.

    Attributes:
        code: the error code, or None when it was accepted.
        message: the error message, or a summary of the success.
        seconds: wall time.
        peak_bytes: peak traced allocation above the level at its start.
        rows: records read (reader path) or raw rows inserted (import path).
    """

    code: str | None
    message: str
    seconds: float
    peak_bytes: int
    rows: int = 0

    @property
    def accepted(self) -> bool:
        """Whether the case ended without an error."""
        return self.code is None


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Raise `CaseHangError` in the block once it has run `seconds` (SIGALRM)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise CaseHangError(f"the case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def measure(work: Callable[[], T]) -> tuple[T | FlexLedgerError, float, int]:
    """Run `work`; its result or typed error, wall time and peak traced memory.

    Starts tracemalloc if it is not running (the tests start it once per module:
    starting it per case would cost more than most cases).
    """
    if not tracemalloc.is_tracing():
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    result: T | FlexLedgerError
    with hang_guard(HANG_SECONDS):
        try:
            result = work()
        except FlexLedgerError as exc:
            result = exc
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline
    return result, seconds, peak


# ---------------------------------------------------------------- reader path


def source_rows(records: list[RawRecord], info: PayloadInfo) -> list[SourceRow]:
    """Records as the mappers get them from the database."""
    rows = []
    for record in records:
        statement = info.statements[record.statement_index]
        rows.append(
            SourceRow(
                raw_record_id=uuid.uuid5(
                    _IDS, f"{record.statement_index}:{record.source_row_ref}"
                ),
                ingestion_run_id=_IDS,
                artifact_created_at_utc=_STORED_AT,
                account_id=statement.account_id or "unknown",
                section_name=record.section_name,
                row_tag=record.row_tag,
                source_row_ref=record.source_row_ref,
                report_date_local=parse_flex_date(statement.to_date),
                attrs=dict(record.attrs),
            )
        )
    return rows


def map_everything(
    rows: list[SourceRow], registry: MapperRegistry = REGISTRY
) -> MappingResult:
    """Every mapping-layer reader over `rows`, as the stages call them."""
    result = map_rows(rows, registry, CONTEXT)
    resolved, _conflicts = resolve_events(result.events)
    legs = [r.event for r in resolved if isinstance(r.event, CorpActionLeg)]
    settled, _links = settle_actions(legs)
    assign_cases(settled)
    sightings: dict[tuple[str, str], list[AliasSighting]] = {}
    for facts in result.instruments:
        sightings.setdefault((facts.account_id, facts.conid), []).extend(
            sightings_of(facts)
        )
    for (account, conid), seen in sightings.items():
        resolve_instrument(account, conid, seen, default_currency="UNKNOWN")
    broker_figures(rows)
    for row in rows:
        reported_position(row)
    return result


def _read_and_map(data: bytes) -> tuple[int, MappingResult]:
    records, info = read_statement(data)
    return len(records), map_everything(source_rows(records, info))


def read_case(data: bytes) -> Measured:
    """The payload through the reader and, when it reads, every mapper."""
    result, seconds, peak = measure(lambda: _read_and_map(data))
    if isinstance(result, FlexLedgerError):
        return Measured(result.code, result.message, seconds, peak)
    count, mapped = result
    summary = ", ".join(f"{k}={v}" for k, v in sorted(mapped.outcomes.items()))
    return Measured(None, summary, seconds, peak, rows=count)


# ---------------------------------------------------------------- import path


def settings() -> Settings:
    """Default settings, no .env file."""
    return load_settings(_env_file=None)


def import_payload(database: Database, payload: Payload) -> IngestOutcome:
    """A real import with the mapping and ledger stages, missing sections allowed."""
    current = settings()
    return ingest_payload(
        database,
        current,
        payload,
        IngestOptions(allow_missing_sections=True),
        hooks=post_persist_stages(REGISTRY, current),
    )


def import_case(database: Database, payload: Payload) -> Measured:
    """An import of `payload`, measured; its run's code when it failed."""
    outcome, seconds, peak = measure(lambda: import_payload(database, payload))
    if isinstance(outcome, FlexLedgerError):
        # ingest_payload records failures in the run; only the lock raises.
        raise outcome
    run = outcome.run
    if outcome.succeeded:
        return Measured(None, "success", seconds, peak, rows=outcome.raw_record_count)
    assert run.error_code is not None
    trace = run.diagnostics[-1].get("details", {}).get("traceback", "")
    return Measured(
        run.error_code, f"{run.error_message}\n{trace}".strip(), seconds, peak
    )


# Everything a failed import must leave as it was: every table but the run log.
_STATE_TABLES = tuple(
    table for table in Base.metadata.sorted_tables if table.name != "ingestion_run"
)


def database_digest(database: Database) -> str:
    """SHA-256 over every row of every raw, canonical and ledger table.

    All columns count, timestamps included: a failed run must not even touch a
    row. Binary payloads enter as their own SHA-256.
    """
    digest = hashlib.sha256()
    with database.unit_of_work() as uow:
        for table in _STATE_TABLES:
            digest.update(f"\x00{table.name}\x00".encode())
            rows = uow.session.execute(
                select(table).order_by(*table.primary_key.columns)
            )
            for row in rows:
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
    return digest.hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


def raw_rows(database: Database) -> set[tuple[str, str, str]]:
    """(artifact sha, section, row ref) of every stored raw row."""
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    artifact, record = tables["raw_artifact"], tables["raw_record"]
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(
                artifact.c.payload_sha256,
                record.c.section_name,
                record.c.source_row_ref,
            ).join(artifact, artifact.c.raw_artifact_id == record.c.raw_artifact_id)
        ).all()
    return {(str(a), str(b), str(c)) for a, b, c in rows}
