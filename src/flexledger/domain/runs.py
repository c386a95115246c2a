"""Vocabulary of ingestion runs (SPEC §5.2)."""

from __future__ import annotations

import enum


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
