"""Ingestion: one payload (a fetched or imported Flex statement) into raw storage.

Stages (SPEC §5.1): run (lock, insert a `started` run) → [request → poll → download,
when fetching] → preflight → persist → post-persist hooks (mapping and ledger, filled
by later issues) → run (success or failed).

Transactions: the run row is committed on its own first, so a failure can always be
recorded. The artifact and all its records are one transaction: a crash mid-persist
leaves no record of that payload. Whatever happens, the run ends `success` or
`failed` with a code and the timeline, and the lock is released.

Memory stays flat as files grow: a file payload is streamed twice — once to hash it
(dedupe needs the hash before the first row is written), once through the parser
while its rows are written in batches and its bytes are gzip-compressed on a worker
thread for the artifact, which is stored at the end of that pass (its records' key
to it is checked at commit). Checks that need the whole statement (accounts, base
currency, required sections) run at the end of the pass, inside the same
transaction, and roll it back when they fail. Fetched statements arrive spooled to a
temporary file by the client, so they take the same path.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import traceback
import zlib
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Protocol, cast

from flexledger.adapter.query_lint import Finding, QueryLinter
from flexledger.adapter.statement_reader import DEFAULT_MAX_BYTES, StatementReader
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.raw import NewArtifact, RawRepository, StoredArtifact
from flexledger.db.repositories.raw_bulk import RecordGroup, RecordWriter
from flexledger.db.repositories.runs import RunRepository
from flexledger.db.session import UnitOfWork
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import (
    AccountMismatchError,
    FlexLedgerError,
    IngestionError,
    MalformedStatementError,
    MissingRequiredSectionError,
    StatementTooLargeError,
)
from flexledger.domain.flex_dates import parse_flex_date
from flexledger.domain.ids import new_id
from flexledger.domain.raw import PayloadInfo, RawRecord
from flexledger.domain.runs import IngestionRun, RunStatus, RunType, Stage, StageStatus
from flexledger.jobs.account_check import AccountDecision, decide_account
from flexledger.jobs.compression import BackgroundGzip
from flexledger.jobs.crashpoint import crashpoint
from flexledger.jobs.cycle_gc import cyclic_gc_paused
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.preflight import SectionCheck, check_sections
from flexledger.jobs.timeline import Timeline

PERSIST_BATCH_ROWS = 2_000
UNKNOWN_ACCOUNT = "unknown"
_CHUNK_BYTES = 1024 * 1024

Progress = Callable[[int, int], None]
Opener = Callable[[], AbstractContextManager[IO[bytes]]]


class PostPersistHook(Protocol):
    """Work that runs on the stored records of a run (mapping, ledger)."""

    def __call__(
        self,
        uow: UnitOfWork,
        run: IngestionRun,
        timeline: Timeline,
        fresh: FreshRows,
    ) -> None:
        """Do the work inside the caller's unit of work.

        `fresh` holds the rows the persist just inserted, for the first hook that
        takes them; the others read what they need from the database.
        """


@dataclass(frozen=True, slots=True)
class Payload:
    """A statement and where it came from, readable as often as needed.

    Attributes:
        source: ``file``, ``upload`` or ``flex_web_service``; shown in the timeline.
        name: file name or query id, for messages.
        opener: returns a fresh stream of the statement bytes (decompressed).
    """

    source: str
    name: str
    opener: Opener

    @classmethod
    def of_bytes(cls, data: bytes, *, source: str, name: str) -> Payload:
        """A payload already in memory (a fetched statement, tests)."""
        return cls(
            source=source, name=name, opener=lambda: nullcontext(io.BytesIO(data))
        )


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


def read_payload_file(path: Path) -> Payload:
    """A `.xml` or `.xml.gz` statement file, read lazily (gzip detected by content)."""

    @contextmanager
    def opener() -> Iterator[IO[bytes]]:
        with path.open("rb") as raw, _unzipped(raw) as stream:
            yield stream

    return Payload(source="file", name=path.name, opener=opener)


def read_payload_stream(raw: IO[bytes], *, name: str, source: str) -> Payload:
    """A statement in a seekable stream (an upload's spooled file); gzip detected."""

    @contextmanager
    def opener() -> Iterator[IO[bytes]]:
        with _unzipped(raw) as stream:
            yield stream

    return Payload(source=source, name=name, opener=opener)


@contextmanager
def _unzipped(raw: IO[bytes]) -> Iterator[IO[bytes]]:
    """The stream from its start, decompressed when it is gzip (by its magic bytes)."""
    raw.seek(0)
    is_gzip = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    if not is_gzip:
        yield raw
        return
    with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
        yield cast("IO[bytes]", _InflationGuard(unzipped, raw))


# Real statements compress about 10:1 (a 160 MB file stores in ~14 MB); a gzip
# bomb inflates 1000:1. Past a floor, more than this ratio is refused at once,
# instead of inflating to the 512 MiB size cap first (seconds of CPU).
_MAX_INFLATION = 100
_INFLATION_FLOOR = 16 << 20


class _InflationGuard:
    """Reads a gzip stream, refusing output that outgrows its input a hundredfold."""

    def __init__(self, unzipped: gzip.GzipFile, raw: IO[bytes]) -> None:
        self._unzipped = unzipped
        self._raw = raw
        self._produced = 0

    def read(self, size: int = -1) -> bytes:
        """Up to `size` decompressed bytes.

        Raises:
            StatementTooLargeError: the output is over 100 times the input read.
        """
        data = self._unzipped.read(size)
        self._produced += len(data)
        if self._produced > _INFLATION_FLOOR:
            consumed = max(self._raw.tell(), 1)
            if self._produced > _MAX_INFLATION * consumed:
                raise StatementTooLargeError(
                    f"The compressed file inflates to more than {_MAX_INFLATION} "
                    f"times its size ({self._produced:,} bytes from {consumed:,}): "
                    "no real statement does; it looks like a gzip bomb.",
                    hint="Import the statement as IBKR sent it (.xml or .xml.gz).",
                )
        return data

    def __getattr__(self, name: str) -> object:
        # The reader only reads; anything else is the gzip stream's own.
        return getattr(self._unzipped, name)


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
    """Store one payload already in hand (a file or an upload) under the run lock.

    Raises:
        RunAlreadyActiveError: another run holds the lock (no run row is written).
    """

    def already_here(timeline: Timeline) -> Payload:
        timeline.add(Stage.DOWNLOAD, StageStatus.COMPLETED, source=payload.source)
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
        run = start_run(database, settings, options, timeline)
        crashpoint("after_run_start")  # test hook: the `started` row is committed
        if on_started is not None:
            on_started(run)
        try:
            payload = source(timeline)
            crashpoint("after_download")  # test hook: payload in hand, none stored
            job = _Job(database, settings, payload, options, run, timeline)
            return job.ingest(hooks, progress)
        except FlexLedgerError as exc:
            return fail_run(database, run, timeline, exc.code, exc.message, exc)
        except Exception as exc:
            return fail_run(
                database,
                run,
                timeline,
                "INGESTION_UNEXPECTED_ERROR",
                f"{type(exc).__name__}: {exc}",
                exc,
                with_traceback=True,
            )


def business_date(instant: dt.datetime, timezone: str) -> dt.date:
    """The business date of an instant in the given IANA zone (SPEC §4, D-8)."""
    return instant.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def start_run(
    database: Database, settings: Settings, options: IngestOptions, timeline: Timeline
) -> IngestionRun:
    """Close runs a dead process left `started`, then commit a new `started` run."""
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


@dataclass(frozen=True, slots=True)
class _Digest:
    sha256: str
    size: int


@dataclass
class _Persisted:
    artifact: StoredArtifact
    compressed: bytes
    inserted: int
    already_stored: int
    decision: AccountDecision
    info: PayloadInfo
    sections: SectionCheck
    report_date: dt.date | None
    warnings: list[str]


class _SectionsMissingError(Exception):
    """Internal: sections are missing; roll back, then keep the payload as evidence."""

    def __init__(self, persisted: _Persisted, missing: tuple[str, ...]) -> None:
        super().__init__(", ".join(missing))
        self.persisted = persisted
        self.missing = missing


@dataclass
class _Job:
    """One payload's way from bytes to committed raw rows."""

    database: Database
    settings: Settings
    payload: Payload
    options: IngestOptions
    run: IngestionRun
    timeline: Timeline
    findings: list[Finding] = field(default_factory=list)

    def ingest(
        self, hooks: Sequence[PostPersistHook], progress: Progress | None
    ) -> IngestOutcome:
        digest = self._digest()
        # One pause from the first parsed row to the hooks' commit: the collector
        # resumed in between walked every fresh row once (0.1 s at 100k trades).
        with cyclic_gc_paused():
            closed, persisted = self._persist_and_derive(digest, hooks, progress)
        crashpoint("after_run_commit")  # test hook: committed, lock still held
        return IngestOutcome(
            run=closed,
            raw_record_count=persisted.inserted,
            raw_record_deduplicated_count=persisted.already_stored,
            raw_artifact_deduplicated=persisted.artifact.deduplicated,
            warnings=tuple(persisted.warnings),
        )

    def _persist_and_derive(
        self,
        digest: _Digest,
        hooks: Sequence[PostPersistHook],
        progress: Progress | None,
    ) -> tuple[IngestionRun, _Persisted]:
        """Commit the raw rows, then the hooks' derived rows and the run's success.

        What the rows and the hooks held (a 100k-trade import's fills, kept for
        the ledger) is freed on return, by reference counting, before the caller
        lets the collector run again: it would walk them all for nothing.
        """
        # Kept only for hooks to take: a persist alone streams in bounded memory.
        fresh = FreshRows() if hooks else None
        try:
            persisted = self._persist(digest, progress, fresh)
        except _SectionsMissingError as required:
            self._keep_evidence(digest, required)
            raise MissingRequiredSectionError(
                "The statement lacks required sections: "
                + ", ".join(required.missing)
                + "."
            ) from None
        crashpoint("after_raw_commit")  # test hook: raw committed, nothing mapped
        with self.database.unit_of_work() as uow:
            for hook in hooks:
                hook(uow, self.run, self.timeline, fresh or FreshRows())
            crashpoint("before_status_write")  # test hook: derived rows written
            self.timeline.add(Stage.RUN, StageStatus.SUCCESS)
            closed = RunRepository(uow).finish(
                self.run.ingestion_run_id,
                status=RunStatus.SUCCESS,
                diagnostics=self.timeline.events,
                report_date_local=persisted.report_date,
            )
            crashpoint("before_run_commit")  # test hook: `success` not committed
        return closed, persisted

    def _digest(self) -> _Digest:
        """Hash the exact bytes in one streaming read."""
        sha = hashlib.sha256()
        size = 0
        with self.payload.opener() as stream:
            try:
                while chunk := stream.read(_CHUNK_BYTES):
                    size += len(chunk)
                    if size > DEFAULT_MAX_BYTES:
                        raise StatementTooLargeError(
                            f"{self.payload.name} is larger than "
                            f"{DEFAULT_MAX_BYTES:,} bytes."
                        )
                    sha.update(chunk)
            except (OSError, EOFError, zlib.error) as exc:
                raise MalformedStatementError(
                    f"{self.payload.name} could not be read: {exc}"
                ) from None
        return _Digest(sha.hexdigest(), size)

    def _persist(
        self, digest: _Digest, progress: Progress | None, fresh: FreshRows | None
    ) -> _Persisted:
        """Stream rows into one transaction; whole-statement checks end it.

        Rows written are added to `fresh` when given. The caller pauses the
        cycle collector (`ingest`).
        """
        settings = self.settings
        with self.database.unit_of_work() as uow, ExitStack() as stack:
            stored_account = AccountRepository(uow).find()
            chosen = settings.account_id or (
                stored_account.account_id if stored_account else None
            )
            raw = RawRepository(uow)
            writer = _RecordWriter(self, raw, digest, chosen, fresh)
            stack.callback(writer.abort)
            linter = QueryLinter()
            gzip_worker = stack.enter_context(BackgroundGzip())
            with self.payload.opener() as stream:
                reader = StatementReader(stream, on_chunk=gzip_worker.feed)
                for batch in _batches(reader.record_chunks(), linter):
                    writer.write(reader, batch)
                    if progress is not None:
                        progress(reader.bytes_read, digest.size)
            writer.flush()
            info = reader.info
            if not info.statements:
                raise IngestionError(
                    "The file holds no FlexStatement.",
                    hint="Run the Flex Query for a period with data; import that file.",
                )
            decision = decide_account(
                info,
                stored=stored_account,
                account_setting=settings.account_id,
                base_currency_setting=settings.base_currency,
                base_currency_is_explicit="base_currency" in settings.model_fields_set,
            )
            self.findings = linter.findings(
                info, reconciliation_enabled=settings.reconciliation_enabled
            )
            compressed = gzip_worker.finish()
            report_date = _report_date(info, decision)
            artifact = writer.store_artifact(
                reader, decision.account.account_id, compressed, report_date
            )
            persisted = self._check(writer, decision, info, artifact, compressed)
            flex_query_id = self._flex_query_id(info)
            if decision.is_new:
                AccountRepository(uow).add(decision.account)
            RunRepository(uow).update_identity(
                self.run.ingestion_run_id,
                account_id=decision.account.account_id,
                flex_query_id=flex_query_id,
            )
            crashpoint("before_persist_commit")  # test hook: raw rows not committed
        self._persisted_event(digest, persisted, evidence_only=False)
        return persisted

    def _check(
        self,
        writer: _RecordWriter,
        decision: AccountDecision,
        info: PayloadInfo,
        artifact: StoredArtifact,
        compressed: bytes,
    ) -> _Persisted:
        selected = tuple(info.statements[index] for index in decision.statement_indexes)
        sections = check_sections(selected)
        if info.query_type not in (None, "AF"):
            raise IngestionError(
                f"The statement is of type {info.query_type}, not an Activity Flex "
                "statement (AF).",
                hint="Use an Activity Flex Query; Trade Confirmation ones don't fit.",
            )
        missing = sections.missing_hard_required
        if self.settings.reconciliation_enabled:
            missing += sections.missing_reconciliation_required
        warnings = [*info.warnings, *decision.warnings]
        persisted = _Persisted(
            artifact=artifact,
            compressed=compressed,
            inserted=writer.inserted,
            already_stored=writer.already_stored,
            decision=decision,
            info=info,
            sections=sections,
            report_date=_report_date(info, decision),
            warnings=warnings,
        )
        if missing and not self.options.allow_missing_sections:
            self._preflight_event(persisted, missing, failed=True)
            raise _SectionsMissingError(persisted, missing)
        if missing:
            warnings.append("imported without required sections: " + ", ".join(missing))
        self._preflight_event(persisted, missing, failed=False)
        return persisted

    def _keep_evidence(self, digest: _Digest, required: _SectionsMissingError) -> None:
        """Store only the artifact of a statement that failed preflight."""
        account = required.persisted.decision.account
        with self.database.unit_of_work() as uow:
            if required.persisted.decision.is_new:
                AccountRepository(uow).add(account)
            artifact = RawRepository(uow).add_artifact(
                self._new_artifact(
                    digest,
                    account.account_id,
                    required.persisted.compressed,
                    query_name=required.persisted.info.query_name,
                    report_date=required.persisted.report_date,
                )
            )
            RunRepository(uow).update_identity(
                self.run.ingestion_run_id,
                account_id=account.account_id,
                flex_query_id=self._flex_query_id(required.persisted.info),
            )
        evidence = replace(required.persisted, artifact=artifact, inserted=0)
        self._persisted_event(digest, evidence, evidence_only=True)

    def _new_artifact(
        self,
        digest: _Digest,
        account_id: str,
        compressed: bytes,
        *,
        query_name: str | None,
        report_date: dt.date | None,
    ) -> NewArtifact:
        return NewArtifact(
            ingestion_run_id=self.run.ingestion_run_id,
            account_id=account_id,
            period_key=self.run.period_key,
            flex_query_id=self._query_id(query_name),
            payload_sha256=digest.sha256,
            payload_size_bytes=digest.size,
            compressed_payload=compressed,
            report_date_local=report_date,
        )

    def _flex_query_id(self, info: PayloadInfo | None) -> str:
        return self._query_id(info.query_name if info else None)

    def _query_id(self, query_name: str | None) -> str:
        if self.options.flex_query_id:
            return self.options.flex_query_id
        return f"file:{query_name or self.payload.name}"

    def _preflight_event(
        self, persisted: _Persisted, missing: tuple[str, ...], *, failed: bool
    ) -> None:
        sections = persisted.sections
        details: dict[str, object] = {
            "detected_sections": list(sections.detected_sections),
            "missing_sections": list(missing),
            "missing_hard_required": list(sections.missing_hard_required),
            "missing_reconciliation_required": list(
                sections.missing_reconciliation_required
            ),
            "statement_count": len(persisted.info.statements),
            "imported_statement_count": len(persisted.decision.statement_indexes),
            "skipped_accounts": list(persisted.decision.skipped_accounts),
            "warnings": list(persisted.warnings),
            "query_findings": [
                {
                    "code": finding.code,
                    "severity": finding.severity.value,
                    "message": finding.message,
                    "setting": finding.setting,
                }
                for finding in self.findings
            ],
        }
        if failed:
            details["error_code"] = MissingRequiredSectionError.code
        status = StageStatus.FAILED if failed else StageStatus.COMPLETED
        self.timeline.add(Stage.PREFLIGHT, status, **details)

    def _persisted_event(
        self, digest: _Digest, persisted: _Persisted, *, evidence_only: bool
    ) -> None:
        self.timeline.add(
            Stage.PERSIST,
            StageStatus.COMPLETED,
            payload_sha256=digest.sha256,
            payload_bytes=digest.size,
            stored_bytes=len(persisted.compressed),
            raw_artifact_id=str(persisted.artifact.raw_artifact_id),
            raw_artifact_deduplicated=persisted.artifact.deduplicated,
            raw_record_count=persisted.inserted,
            raw_record_deduplicated_count=persisted.already_stored,
            evidence_only=evidence_only,
        )


class _RecordWriter:
    """Writes records as they stream, choosing the artifact at the first one.

    Rows of statements for other accounts are skipped here; whether the payload as a
    whole may be stored is decided at the end (decide_account), which rolls the
    transaction back when it may not. A new artifact's row is stored last, when its
    compressed bytes are ready; its records' key to it is checked at commit.
    """

    def __init__(
        self,
        job: _Job,
        raw: RawRepository,
        digest: _Digest,
        chosen: str | None,
        fresh: FreshRows | None,
    ) -> None:
        self._job = job
        self._fresh = fresh
        self._raw = raw
        self._digest = digest
        self._chosen = chosen
        self._artifact: StoredArtifact | None = None
        self._bulk: RecordWriter | None = None
        self._existing: set[tuple[str, str]] = set()
        self._dates: dict[int, dt.date | None] = {}
        self.inserted = 0
        self.already_stored = 0

    def write(self, reader: StatementReader, batch: list[RawRecord]) -> None:
        """Queue the batch's rows that belong to the ledger and are new."""
        start = 0
        while start < len(batch):
            statement = batch[start].statement_index
            end = start + 1
            while end < len(batch) and batch[end].statement_index == statement:
                end += 1
            self._write_statement_rows(reader, statement, batch[start:end])
            start = end
        crashpoint("persist_batch")  # test hook: one batch queued, not committed

    def _write_statement_rows(
        self, reader: StatementReader, statement: int, records: list[RawRecord]
    ) -> None:
        account = reader.statement_account(statement)
        target = self._account(account)
        if account is not None and account != target:
            return  # another account's statement: reported as skipped at the end
        # Known refs come with the artifact, so choose it before the check.
        self._artifact_for(reader, target)
        if self._existing:
            known = self._existing
            new = [
                r for r in records if (r.section_name, r.source_row_ref) not in known
            ]
            self.already_stored += len(records) - len(new)
            records = new
        if records:
            group = RecordGroup(records, self._date(reader, statement), target)
            ids = self._writer(reader, target).write(group)
            self.inserted += len(ids)
            if self._fresh is not None:
                artifact = self._artifact_for(reader, target).raw_artifact_id
                self._fresh.keep(artifact, ids, group)

    def flush(self) -> None:
        """Wait until every queued row is written (raises a write's error)."""
        if self._bulk is not None:
            bulk, self._bulk = self._bulk, None
            bulk.close()

    def abort(self) -> None:
        """Stop the bulk writer after a failure; the transaction rolls back."""
        if self._bulk is not None:
            bulk, self._bulk = self._bulk, None
            bulk.abort()

    def store_artifact(
        self,
        reader: StatementReader,
        account_id: str,
        compressed: bytes,
        report_date: dt.date | None,
    ) -> StoredArtifact:
        """The payload's artifact; a new one is stored now, with its bytes."""
        artifact = self._artifact_for(reader, account_id)
        if artifact.deduplicated:
            return artifact
        new = self._job._new_artifact(
            self._digest,
            artifact.account_id,
            compressed,
            query_name=reader.query_name,
            report_date=report_date,
        )
        return self._raw.add_artifact(new, raw_artifact_id=artifact.raw_artifact_id)

    def _artifact_for(self, reader: StatementReader, account_id: str) -> StoredArtifact:
        """The artifact rows point at: the stored copy of these bytes, or a new id."""
        if self._artifact is None:
            found = self._raw.find_artifact(account_id, self._digest.sha256)
            if found is not None:
                self._existing = self._raw.existing_refs(found.raw_artifact_id)
                self._artifact = found
            else:
                self._raw.defer_artifact_key()
                self._artifact = StoredArtifact(
                    raw_artifact_id=new_id(),
                    account_id=account_id,
                    period_key=self._job.run.period_key,
                    flex_query_id=self._job._query_id(reader.query_name),
                    payload_sha256=self._digest.sha256,
                    deduplicated=False,
                )
        return self._artifact

    def _writer(self, reader: StatementReader, account_id: str) -> RecordWriter:
        if self._bulk is None:
            self._bulk = self._raw.record_writer(
                self._artifact_for(reader, account_id), self._job.run.ingestion_run_id
            )
        return self._bulk

    def _account(self, statement_account: str | None) -> str:
        if self._chosen is None:
            if statement_account is None:
                raise AccountMismatchError(
                    "The statement names no account (no accountId).",
                    hint="Set ACCOUNT_ID to the account this ledger should hold.",
                )
            # Provisional: decide_account refuses several accounts at the end.
            self._chosen = statement_account
        return self._chosen

    def _date(self, reader: StatementReader, index: int) -> dt.date | None:
        if index not in self._dates:
            self._dates[index] = parse_flex_date(reader.statement_to_date(index))
        return self._dates[index]


def _report_date(info: PayloadInfo, decision: AccountDecision) -> dt.date | None:
    """The latest `toDate` among the imported statements."""
    dates = (
        parse_flex_date(info.statements[index].to_date)
        for index in decision.statement_indexes
    )
    return max((date for date in dates if date), default=None)


def _batches(
    chunks: Iterable[list[RawRecord]], linter: QueryLinter
) -> Iterator[list[RawRecord]]:
    """The reader's per-chunk records regrouped into batches of the persist size."""
    batch: list[RawRecord] = []
    for chunk in chunks:
        for record in chunk:
            linter.observe(record)
        batch.extend(chunk)
        if len(batch) >= PERSIST_BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def fail_run(
    database: Database,
    run: IngestionRun,
    timeline: Timeline,
    code: str,
    message: str,
    exc: BaseException,
    *,
    with_traceback: bool = False,
) -> IngestOutcome:
    """Close the run `failed` with its code, message and timeline."""
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


__all__ = [
    "IngestOptions",
    "IngestOutcome",
    "Payload",
    "PostPersistHook",
    "Progress",
    "business_date",
    "fail_run",
    "ingest_payload",
    "read_payload_file",
    "read_payload_stream",
    "run_ingestion",
    "start_run",
]
