"""Ingestion: one payload (a fetched or imported Flex statement) into raw storage.

Stages (SPEC §5.1): run (lock, insert a `started` run) → [request → poll → download,
when fetching] → preflight → persist → post-persist hooks (mapping and ledger, filled
by later issues) → run (success or failed).

Transactions: the run row is committed on its own first, so a failure can always be
recorded. The artifact and all its records are one transaction: a crash mid-persist
leaves no record of that payload. Whatever happens, the run ends `success` or
`failed` with a code and the timeline, and the lock is released.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import traceback
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from flexledger.adapter.statement_reader import DEFAULT_MAX_BYTES, StatementReader
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.raw import (
    NewArtifact,
    RawRepository,
    RecordPlacement,
    StoredArtifact,
)
from flexledger.db.repositories.runs import RunRepository
from flexledger.db.session import UnitOfWork
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import (
    FlexLedgerError,
    IngestionError,
    MalformedStatementError,
    MissingRequiredSectionError,
    StatementTooLargeError,
)
from flexledger.domain.flex_dates import parse_flex_date
from flexledger.domain.raw import PayloadInfo
from flexledger.domain.runs import IngestionRun, RunStatus, RunType, Stage, StageStatus
from flexledger.jobs.account_check import AccountDecision, decide_account
from flexledger.jobs.crashpoint import crashpoint
from flexledger.jobs.preflight import check_sections
from flexledger.jobs.timeline import Timeline

PERSIST_BATCH_ROWS = 5_000
UNKNOWN_ACCOUNT = "unknown"

Progress = Callable[[int, int], None]


class PostPersistHook(Protocol):
    """Work that runs on the stored records of a run (mapping, ledger)."""

    def __call__(self, uow: UnitOfWork, run: IngestionRun, timeline: Timeline) -> None:
        """Do the work inside the caller's unit of work."""


@dataclass(frozen=True, slots=True)
class Payload:
    """Statement bytes and where they came from.

    Attributes:
        data: the statement exactly as received (decompressed when it came gzipped).
        source: ``file`` or ``flex_web_service``; shown in the timeline.
        name: file name or query name, for messages.
    """

    data: bytes
    source: str
    name: str


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How to treat one payload.

    Attributes:
        run_type: what started the run.
        flex_query_id: the query id; file imports use ``file:<query name>``.
        allow_missing_sections: record missing required sections as warnings.
    """

    run_type: RunType = RunType.MANUAL
    flex_query_id: str | None = None
    allow_missing_sections: bool = False


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What a run did.

    Attributes:
        run: the closed run.
        raw_record_count: records inserted by this run.
        raw_record_deduplicated_count: records that were already stored.
        raw_artifact_deduplicated: the same bytes were stored before.
        warnings: readable notes (skipped accounts, allowed missing sections…).
    """

    run: IngestionRun
    raw_record_count: int = 0
    raw_record_deduplicated_count: int = 0
    raw_artifact_deduplicated: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def succeeded(self) -> bool:
        """Whether the run ended `success`."""
        return self.run.status is RunStatus.SUCCESS


def read_payload_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Payload:
    """Load a `.xml` or `.xml.gz` statement file, refusing more than `max_bytes`.

    Raises:
        StatementTooLargeError: the (decompressed) file is over the limit.
    """
    with path.open("rb") as raw:
        return read_payload_stream(
            raw, name=path.name, source="file", max_bytes=max_bytes
        )


def read_payload_stream(
    raw: IO[bytes], *, name: str, source: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> Payload:
    """Load a statement from a binary stream, gunzipping it when it is gzip.

    The size cap applies to the decompressed bytes, so a gzip bomb stops at the cap.

    Raises:
        StatementTooLargeError: over the limit.
        MalformedStatementError: a broken gzip stream.
    """
    data = raw.read(max_bytes + 1)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(max_bytes + 1)
        except (OSError, EOFError) as exc:
            raise MalformedStatementError(
                f"{name} is not a readable gzip file: {exc}"
            ) from None
    if len(data) > max_bytes:
        raise StatementTooLargeError(
            f"{name} is larger than {max_bytes:,} bytes once decompressed."
        )
    return Payload(data=data, source=source, name=name)


PayloadSource = Callable[[Timeline], Payload]


def ingest_payload(
    database: Database,
    settings: Settings,
    payload: Payload,
    options: IngestOptions,
    *,
    hooks: Sequence[PostPersistHook] = (),
    progress: Progress | None = None,
) -> IngestOutcome:
    """Store one payload already in hand (a file) under the run lock.

    Raises:
        RunAlreadyActiveError: another run holds the lock (no run row is written).
    """

    def already_here(timeline: Timeline) -> Payload:
        timeline.add(
            Stage.DOWNLOAD,
            StageStatus.COMPLETED,
            source=payload.source,
            payload_bytes=len(payload.data),
        )
        return payload

    return run_ingestion(
        database, settings, already_here, options, hooks=hooks, progress=progress
    )


def run_ingestion(
    database: Database,
    settings: Settings,
    source: PayloadSource,
    options: IngestOptions,
    *,
    hooks: Sequence[PostPersistHook] = (),
    progress: Progress | None = None,
    on_started: Callable[[IngestionRun], None] | None = None,
) -> IngestOutcome:
    """Hold the run lock, obtain the payload from `source`, store it, close the run.

    `source` runs inside the run (after the `started` row is committed), so a fetch
    that fails is recorded like any other failure.

    Raises:
        RunAlreadyActiveError: another run holds the lock (no run row is written).
    """
    with database.run_lock():
        timeline = Timeline()
        run = _start_run(database, settings, options, timeline)
        if on_started is not None:
            on_started(run)
        try:
            payload = source(timeline)
            return _ingest(
                database, settings, payload, options, run, timeline, hooks, progress
            )
        except FlexLedgerError as exc:
            return _fail(database, run, timeline, exc.code, exc.message, exc)
        except Exception as exc:
            return _fail(
                database,
                run,
                timeline,
                "INGESTION_UNEXPECTED_ERROR",
                f"{type(exc).__name__}: {exc}",
                exc,
                with_traceback=True,
            )


def _start_run(
    database: Database, settings: Settings, options: IngestOptions, timeline: Timeline
) -> IngestionRun:
    started_at = utc_now()
    period_key = business_date(started_at, settings.business_timezone).isoformat()
    with database.unit_of_work() as uow:
        abandoned = RunRepository(uow).close_abandoned(
            error_message=(
                "abandoned: the process running it ended without closing it; "
                "closed by the next run"
            )
        )
        stored = AccountRepository(uow).find()
        account_id = settings.account_id or (
            stored.account_id if stored else UNKNOWN_ACCOUNT
        )
        run = RunRepository(uow).start(
            account_id=account_id,
            run_type=options.run_type,
            period_key=period_key,
            flex_query_id=options.flex_query_id or "file",
            started_at=started_at,
        )
    timeline.run_id = run.ingestion_run_id
    details = (
        {"abandoned_run_ids": [str(run_id) for run_id in abandoned]}
        if abandoned
        else {}
    )
    timeline.add(
        Stage.RUN, StageStatus.STARTED, run_type=options.run_type.value, **details
    )
    return run


def _ingest(
    database: Database,
    settings: Settings,
    payload: Payload,
    options: IngestOptions,
    run: IngestionRun,
    timeline: Timeline,
    hooks: Sequence[PostPersistHook],
    progress: Progress | None,
) -> IngestOutcome:
    info = _scan(payload)
    flex_query_id = options.flex_query_id or f"file:{info.query_name or payload.name}"
    with database.unit_of_work() as uow:
        stored_account = AccountRepository(uow).find()
    decision = decide_account(
        info,
        stored=stored_account,
        account_setting=settings.account_id,
        base_currency_setting=settings.base_currency,
        base_currency_is_explicit="base_currency" in settings.model_fields_set,
    )
    warnings = [*info.warnings, *decision.warnings]
    selected = tuple(info.statements[index] for index in decision.statement_indexes)
    sections = check_sections(selected)
    if info.query_type not in (None, "AF"):
        raise IngestionError(
            f"The statement is of type {info.query_type}, not an Activity Flex "
            "statement (AF).",
            hint="Use an Activity Flex Query; Trade Confirmation queries don't fit.",
        )
    missing_reconciliation = (
        sections.missing_reconciliation_required
        if settings.reconciliation_enabled
        else ()
    )
    missing = sections.missing_hard_required + missing_reconciliation
    preflight_details = {
        "detected_sections": list(sections.detected_sections),
        "missing_sections": list(missing),
        "missing_hard_required": list(sections.missing_hard_required),
        "missing_reconciliation_required": list(
            sections.missing_reconciliation_required
        ),
        "statement_count": len(info.statements),
        "imported_statement_count": len(selected),
        "skipped_accounts": list(decision.skipped_accounts),
        "warnings": warnings,
    }
    report_date = max(
        (d for d in (parse_flex_date(s.to_date) for s in selected) if d), default=None
    )
    target = _PersistTarget(
        database, run, payload, decision, info, flex_query_id, report_date, timeline
    )
    if missing and not options.allow_missing_sections:
        timeline.add(
            Stage.PREFLIGHT,
            StageStatus.FAILED,
            error_code=MissingRequiredSectionError.code,
            **preflight_details,
        )
        # The payload is evidence of what the query returned: keep its bytes.
        _persist(target, records=False, progress=None)
        raise MissingRequiredSectionError(
            "The statement lacks required sections: " + ", ".join(missing) + "."
        )
    if missing:
        warnings.append("imported without required sections: " + ", ".join(missing))
        preflight_details["warnings"] = warnings
    timeline.add(Stage.PREFLIGHT, StageStatus.COMPLETED, **preflight_details)
    artifact, inserted, duplicates = _persist(target, records=True, progress=progress)
    with database.unit_of_work() as uow:
        for hook in hooks:
            hook(uow, run, timeline)
        timeline.add(Stage.RUN, StageStatus.SUCCESS)
        closed = RunRepository(uow).finish(
            run.ingestion_run_id,
            status=RunStatus.SUCCESS,
            diagnostics=timeline.events,
            report_date_local=report_date,
        )
    return IngestOutcome(
        run=closed,
        raw_record_count=inserted,
        raw_record_deduplicated_count=duplicates,
        raw_artifact_deduplicated=artifact.deduplicated,
        warnings=tuple(warnings),
    )


def _scan(payload: Payload) -> PayloadInfo:
    """Read the whole payload once, keeping only what it says about itself."""
    reader = StatementReader(io.BytesIO(payload.data))
    for _ in reader.records():
        pass
    if not reader.info.statements:
        raise IngestionError(
            "The file holds no FlexStatement.",
            hint="Run the Flex Query for a period with data and import that file.",
        )
    return reader.info


@dataclass(frozen=True, slots=True)
class _PersistTarget:
    """Everything the persist stage needs to know about the run and payload."""

    database: Database
    run: IngestionRun
    payload: Payload
    decision: AccountDecision
    info: PayloadInfo
    flex_query_id: str
    report_date: dt.date | None
    timeline: Timeline


def _persist(
    target: _PersistTarget, *, records: bool, progress: Progress | None
) -> tuple[StoredArtifact, int, int]:
    """Store the artifact and (unless only evidence is kept) its records, in one tx."""
    database, run, payload = target.database, target.run, target.payload
    decision, info, timeline = target.decision, target.info, target.timeline
    flex_query_id, report_date = target.flex_query_id, target.report_date
    account = decision.account
    digest = hashlib.sha256(payload.data).hexdigest()
    selected = set(decision.statement_indexes)
    dates = {s.index: parse_flex_date(s.to_date) for s in info.statements}
    total = sum(info.statements[index].row_count for index in selected)
    inserted = seen = 0
    with database.unit_of_work() as uow:
        if decision.is_new:
            AccountRepository(uow).add(account)
        RunRepository(uow).update_identity(
            run.ingestion_run_id,
            account_id=account.account_id,
            flex_query_id=flex_query_id,
        )
        raw = RawRepository(uow)
        artifact = raw.add_artifact(
            NewArtifact(
                ingestion_run_id=run.ingestion_run_id,
                account_id=account.account_id,
                period_key=run.period_key,
                flex_query_id=flex_query_id,
                payload_sha256=digest,
                payload=payload.data,
                report_date_local=report_date,
            )
        )
        if records:
            reader = StatementReader(io.BytesIO(payload.data))
            for batch in _batches(
                RecordPlacement(
                    record, dates[record.statement_index], account.account_id
                )
                for record in reader.records()
                if record.statement_index in selected
            ):
                inserted += raw.add_records(artifact, run.ingestion_run_id, batch)
                seen += len(batch)
                crashpoint("persist_batch")
                if progress is not None:
                    progress(seen, total)
        crashpoint("before_persist_commit")
    timeline.add(
        Stage.PERSIST,
        StageStatus.COMPLETED,
        payload_sha256=digest,
        raw_artifact_id=str(artifact.raw_artifact_id),
        raw_artifact_deduplicated=artifact.deduplicated,
        raw_record_count=inserted,
        raw_record_deduplicated_count=seen - inserted,
        evidence_only=not records,
    )
    return artifact, inserted, seen - inserted


def _batches(placements: Iterator[RecordPlacement]) -> Iterator[list[RecordPlacement]]:
    batch: list[RecordPlacement] = []
    for placement in placements:
        batch.append(placement)
        if len(batch) >= PERSIST_BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _fail(
    database: Database,
    run: IngestionRun,
    timeline: Timeline,
    code: str,
    message: str,
    exc: BaseException,
    *,
    with_traceback: bool = False,
) -> IngestOutcome:
    details: dict[str, object] = {
        "error_code": code,
        "error_type": getattr(exc, "error_type", None) or type(exc).__name__,
        "error_message": message,
    }
    flex_code = getattr(exc, "flex_code", None)
    if flex_code:
        details["flex_code"] = flex_code
    hint = getattr(exc, "hint", "")
    if hint:
        details["hint"] = hint
    if with_traceback:
        details["traceback"] = "".join(traceback.format_exception(exc))
    timeline.add(Stage.RUN, StageStatus.FAILED, **details)
    with database.unit_of_work() as uow:
        closed = RunRepository(uow).finish(
            run.ingestion_run_id,
            status=RunStatus.FAILED,
            diagnostics=timeline.events,
            error_code=code,
            error_message=message,
        )
    return IngestOutcome(run=closed)


def business_date(instant: dt.datetime, timezone: str) -> dt.date:
    """The business date of an instant in the given IANA zone (SPEC §4, D-8)."""
    return instant.astimezone(zoneinfo.ZoneInfo(timezone)).date()
