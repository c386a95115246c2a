"""Fetching from the Flex Web Service as an ingestion run (cron, API, backfill)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flexledger.adapter.flex_client import (
    FetchedStatement,
    FlexClient,
    FlexClientConfig,
    split_windows,
    validate_window,
)
from flexledger.config import Capability, Settings
from flexledger.db.database import Database
from flexledger.db.repositories.flex_calls import DatabaseCallLog
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import FlexRequestError, InvalidRequestError
from flexledger.domain.runs import IngestionRun, RunType, Stage, StageStatus
from flexledger.jobs.ingest import (
    IngestOptions,
    IngestOutcome,
    Payload,
    PostPersistHook,
    business_date,
    read_payload_stream,
    run_ingestion,
)
from flexledger.jobs.timeline import Timeline
from flexledger.jobs.token_expiry import token_expiry_warning

# Explicit dates are always sent, so a query saved as "Last N days" cannot silently
# change what a run covers. A week overlaps earlier runs; natural keys dedupe it.
DEFAULT_WINDOW_DAYS = 7

ClientFactory = Callable[[FlexClientConfig], FlexClient]


def client_config(settings: Settings) -> FlexClientConfig:
    """The client configuration from settings (fetching needs all three IBKR ones).

    Raises:
        ConfigError: naming what fetching still lacks.
    """
    settings.require(Capability.FETCH)
    token = settings.ibkr_flex_token
    query_id = settings.ibkr_flex_query_id
    assert token is not None  # noqa: S101 - guaranteed by require(FETCH)
    assert query_id is not None  # noqa: S101 - guaranteed by require(FETCH)
    return FlexClientConfig(
        base_url=settings.ibkr_flex_base_url,
        token=token.get_secret_value(),
        query_id=query_id,
        initial_wait_seconds=settings.ibkr_flex_initial_wait_seconds,
        poll_attempts=settings.ibkr_flex_retry_attempts,
        backoff_base_seconds=settings.ibkr_flex_backoff_base_seconds,
        backoff_max_seconds=settings.ibkr_flex_backoff_max_seconds,
        jitter_min_multiplier=settings.ibkr_flex_jitter_min_multiplier,
        jitter_max_multiplier=settings.ibkr_flex_jitter_max_multiplier,
        request_timeout_seconds=settings.ibkr_flex_request_timeout_seconds,
    )


def default_window(
    settings: Settings, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The last `DEFAULT_WINDOW_DAYS` business dates, ending yesterday."""
    current = today or business_date(utc_now(), settings.business_timezone)
    end = current - dt.timedelta(days=1)
    return end - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1), end


@dataclass
class _TimelineObserver:
    """Turns client progress into SPEC §5.6 timeline events."""

    timeline: Timeline

    def requested(self, *, reference_code: str) -> None:
        self.timeline.add(
            Stage.REQUEST,
            StageStatus.COMPLETED,
            run_reference=reference_code,
            broker_request_at_utc=utc_now().isoformat(),
        )

    def retrying(
        self,
        *,
        stage: str,
        attempt: int,
        error_code: str | None,
        error_message: str,
        retry_after_seconds: float,
        error_type: str,
    ) -> None:
        self.timeline.add(
            Stage.DOWNLOAD if stage == "download" else Stage.REQUEST,
            StageStatus.RETRYING,
            poll_attempt=attempt,
            error_code=error_code,
            error_message=error_message,
            retry_after_seconds=retry_after_seconds,
            error_type=error_type,
        )

    def downloaded(self, *, poll_attempt: int, host: str, payload_bytes: int) -> None:
        self.timeline.add(
            Stage.DOWNLOAD,
            StageStatus.COMPLETED,
            poll_attempt=poll_attempt,
            host=host,
            payload_bytes=payload_bytes,
        )


def fetch_and_ingest(
    database: Database,
    settings: Settings,
    *,
    client: FlexClient,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    run_type: RunType = RunType.SCHEDULED,
    hooks: Sequence[PostPersistHook] = (),
    on_started: Callable[[IngestionRun], None] | None = None,
) -> IngestOutcome:
    """One run: fetch the statement for the window, then store it like an import.

    Raises:
        RunAlreadyActiveError: another run is active.
    """
    if from_date is None and to_date is None:
        from_date, to_date = default_window(settings)
    _check_window(from_date, to_date)
    # IBKR's pace is per token, whichever process calls: share it through the db.
    client.share_pace(DatabaseCallLog(database))
    assert from_date is not None  # noqa: S101 - checked just above
    assert to_date is not None  # noqa: S101 - checked just above
    start, end = from_date, to_date
    query_id = settings.ibkr_flex_query_id or ""

    def fetched(timeline: Timeline) -> Payload:
        # A token near or past its configured expiry is said where the run is read.
        expiry = token_expiry_warning(settings)
        timeline.add(
            Stage.REQUEST,
            StageStatus.STARTED,
            from_date=start.isoformat(),
            to_date=end.isoformat(),
            **({"warnings": [expiry]} if expiry else {}),
        )
        observer = _TimelineObserver(timeline)
        try:
            statement = client.fetch(from_date=start, to_date=end, observer=observer)
        except FlexRequestError as exc:
            earlier = _earlier_end(exc, start, end, settings)
            if earlier is None:
                raise
            # FLEX_WEB_SERVICE §5, 1003: the newest day may not be published yet.
            timeline.add(
                Stage.REQUEST,
                StageStatus.RETRYING,
                error_code=exc.flex_code,
                error_message=exc.message,
                retry_after_seconds=0.0,
                error_type=exc.error_type,
                to_date=earlier.isoformat(),
            )
            statement = client.fetch(
                from_date=start, to_date=earlier, observer=observer
            )
        fetched_files.append(statement)
        return read_payload_stream(
            statement.file, name=query_id, source="flex_web_service"
        )

    fetched_files: list[FetchedStatement] = []
    try:
        return run_ingestion(
            database,
            settings,
            fetched,
            IngestOptions(run_type=run_type, flex_query_id=query_id),
            hooks=hooks,
            on_started=on_started,
        )
    finally:
        for statement in fetched_files:
            statement.close()


def _check_window(from_date: dt.date | None, to_date: dt.date | None) -> None:
    try:
        validate_window(from_date, to_date)
    except ValueError as exc:
        raise InvalidRequestError(
            f"Invalid date window: {exc}.",
            code="INVALID_DATE_WINDOW",
            hint="Use `flexledger backfill` for ranges over 365 days.",
        ) from None


def _earlier_end(
    error: FlexRequestError, start: dt.date, end: dt.date, settings: Settings
) -> dt.date | None:
    """The previous business day when 1003 hit a window ending at the newest days."""
    if error.flex_code != "1003":
        return None
    today = business_date(utc_now(), settings.business_timezone)
    if end < today - dt.timedelta(days=3):
        return None  # an old window: "not available" is the real answer
    earlier = end - dt.timedelta(days=1)
    while earlier.weekday() >= 5:  # Saturday, Sunday
        earlier -= dt.timedelta(days=1)
    return earlier if earlier >= start else None


def backfill(
    database: Database,
    settings: Settings,
    *,
    client: FlexClient,
    from_date: dt.date,
    to_date: dt.date,
    run_type: RunType = RunType.MANUAL,
    on_window: Callable[[dt.date, dt.date, IngestOutcome], None] | None = None,
    hooks: Sequence[PostPersistHook] = (),
) -> list[IngestOutcome]:
    """Fetch a long range as consecutive windows of at most 365 days, one run each.

    Stops at the first failed window, so a gap is never silently skipped.
    """
    if from_date > to_date:
        raise InvalidRequestError(
            f"from_date {from_date} is after to_date {to_date}.",
            code="INVALID_DATE_WINDOW",
        )
    outcomes: list[IngestOutcome] = []
    for start, end in split_windows(from_date, to_date):
        outcome = fetch_and_ingest(
            database,
            settings,
            client=client,
            from_date=start,
            to_date=end,
            run_type=run_type,
            hooks=hooks,
        )
        outcomes.append(outcome)
        if on_window is not None:
            on_window(start, end, outcome)
        if not outcome.succeeded:
            break
    return outcomes
