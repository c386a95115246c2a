"""Vocabulary of ingestion runs (SPEC §5.2)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class RunType(enum.StrEnum):
    """What started a run: cron CLI, an API/UI request, or a reprocess from raw."""

    SCHEDULED = "scheduled"
    MANUAL = "manual"
    REPROCESS = "reprocess"


class RunStatus(enum.StrEnum):
    """Lifecycle of a run; only one `started` run per account at a time."""

    STARTED = "started"
    SUCCESS = "success"
    FAILED = "failed"


class Stage(enum.StrEnum):
    """Stages of a run, in order (SPEC §5.1); the timeline's `stage` values."""

    RUN = "run"
    REQUEST = "request"
    POLL = "poll"
    DOWNLOAD = "download"
    PREFLIGHT = "preflight"
    PERSIST = "persist"
    CANONICAL_MAPPING = "canonical_mapping"
    SNAPSHOT = "snapshot"


class StageStatus(enum.StrEnum):
    """Status of a timeline event (SPEC §5.6)."""

    STARTED = "started"
    COMPLETED = "completed"
    RETRYING = "retrying"
    FAILED = "failed"
    SUCCESS = "success"


@dataclass(frozen=True, slots=True)
class IngestionRun:
    """One ingestion, import or reprocess run as stored.

    Attributes:
        ingestion_run_id: the run id (`run_id` in logs).
        account_id: the account the run is for.
        run_type: what started it.
        status: started, success or failed.
        period_key: business date of the run's start, ``YYYY-MM-DD``.
        flex_query_id: the Flex query id, or ``file:<name>`` for file imports.
        started_at: when it started (UTC).
        ended_at: when it ended (UTC), None while running.
        duration_ms: ended minus started, in milliseconds.
        report_date_local: the statement `toDate`, once known.
        error_code: a stable code when the run failed.
        error_message: what went wrong, in words.
        diagnostics: the stage timeline (SPEC §5.6).
    """

    ingestion_run_id: uuid.UUID
    account_id: str
    run_type: RunType
    status: RunStatus
    period_key: str
    flex_query_id: str
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    duration_ms: int | None = None
    report_date_local: dt.date | None = None
    error_code: str | None = None
    error_message: str | None = None
    diagnostics: tuple[Mapping[str, Any], ...] = field(default=())
