"""The stage timeline of a run (SPEC §5.6), also written as structured log lines.

Each event becomes one JSON line on the `flexledger.ingestion` logger with the SPEC
§5.7 fields; `started_at_utc`/`duration_ms` measure from the start of the run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

from flexledger.domain.clock import utc_now
from flexledger.domain.runs import Stage, StageStatus

logger = logging.getLogger("flexledger.ingestion")


class Timeline:
    """Collects `{stage, status, at_utc, details?}` events for one run."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.run_id: uuid.UUID | None = None
        self._started = utc_now()
        self._retries = 0

    def add(self, stage: Stage, status: StageStatus, **details: Any) -> None:
        """Append an event and log it as one JSON line with the run id."""
        now = utc_now()
        event: dict[str, Any] = {
            "stage": stage.value,
            "status": status.value,
            "at_utc": now.isoformat(),
        }
        if details:
            event["details"] = details
        self.events.append(event)
        if status is StageStatus.RETRYING:
            self._retries += 1
        logger.info(json.dumps(self._log_line(event, now), default=str, sort_keys=True))

    def _log_line(self, event: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        # SPEC §5.7: the same fields on every line (null where they do not apply).
        details = event.get("details", {})
        retry_after = details.get("retry_after_seconds")
        return {
            "run_id": str(self.run_id) if self.run_id else None,
            "stage": event["stage"],
            "status": event["status"],
            "started_at_utc": self._started.isoformat(),
            "ended_at_utc": now.isoformat(),
            "duration_ms": int((now - self._started).total_seconds() * 1000),
            "source_section": details.get("source_section"),
            "source_record_ref": details.get("source_record_ref"),
            "error_code": details.get("error_code"),
            "error_message": details.get("error_message"),
            "exception_type": details.get("error_type"),
            "stack_trace": details.get("traceback"),
            "retry_count": self._retries,
            "next_retry_at_utc": (now + dt.timedelta(seconds=retry_after)).isoformat()
            if retry_after is not None
            else None,
            "details": details or None,
        }
