"""Response shapes of the ingestion API.

The routes answer `JSONResponse`s built from plain dicts, which FastAPI passes on
unchecked: these models are the documented contract the schemathesis run holds
the answers to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel

from flexledger.domain.runs import RunStatus, RunType


class RunOut(BaseModel):
    """A run as the list shows it; the account stays internal (SCHEMA)."""

    ingestion_run_id: uuid.UUID
    run_type: RunType
    status: RunStatus
    period_key: str
    flex_query_id: str
    report_date_local: dt.date | None
    started_at_utc: dt.datetime
    ended_at_utc: dt.datetime | None
    duration_ms: int | None
    error_code: str | None
    error_message: str | None
    canonical_input_row_count: int | None
    canonical_duration_ms: int | None
    canonical_skip_reason: str | None


class RunDetailOut(RunOut):
    """One run with its stage timeline (SPEC §5.6), one object per stage event."""

    diagnostics: list[dict[str, Any]]


class UploadOut(RunDetailOut):
    """`POST /ingestion/upload`: the run, and what the import stored or skipped."""

    raw_record_count: int
    raw_record_deduplicated_count: int
    raw_artifact_deduplicated: bool
    warnings: list[str]


class RunStartedOut(BaseModel):
    """`POST /ingestion/run`: the fetch started in the background (SPEC §12)."""

    job_name: Literal["ingestion"]
    status: RunStatus
    ingestion_run_id: uuid.UUID


class MissingSectionsOut(BaseModel):
    """What a run's statement lacked, per the SPEC §6 section matrix."""

    ingestion_run_id: uuid.UUID
    status: RunStatus
    error_code: str | None
    missing_sections: list[str]
    missing_hard_required: list[str]
    missing_reconciliation_required: list[str]
