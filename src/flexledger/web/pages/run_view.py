"""A run's stored timeline read for its page: stages, retries, error, preflight.

The run keeps its stage timeline as JSON (SPEC §5.6); this module picks out what
the page shows, so templates never dig through nested dictionaries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flexledger.domain.runs import IngestionRun

# Shown in the stage table's summary column, in this order, when present.
_SUMMARY_KEYS = (
    "reference_code",
    "attempt",
    "retry_after_seconds",
    "flex_code",
    "payload_bytes",
    "raw_record_count",
    "raw_record_deduplicated_count",
    "raw_artifact_deduplicated",
    "canonical_input_row_count",
    "events_written",
    "diagnostics_by_code",
    "detected_sections",
    "missing_sections",
    "added_count",
    "changed_count",
    "removed_count",
    "snapshots_written",
    "error_code",
)


@dataclass(frozen=True, slots=True)
class StageEvent:
    """One timeline entry."""

    stage: str
    status: str
    at_utc: str
    details: Mapping[str, Any]
    summary: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunView:
    """What the run page shows."""

    run: IngestionRun
    events: list[StageEvent]
    retries: int
    error: Mapping[str, Any] | None
    error_payload: str
    preflight: Mapping[str, Any]
    persist: Mapping[str, Any]
    canonical: Mapping[str, Any]
    changes: Mapping[str, Any] | None

    @property
    def findings(self) -> list[Mapping[str, Any]]:
        """The `check` linter's findings recorded at preflight."""
        found: list[Mapping[str, Any]] = list(self.preflight.get("query_findings", []))
        return found


def view_of(run: IngestionRun) -> RunView:
    """Read the run's timeline into the page's pieces."""
    events = [_event(entry) for entry in run.diagnostics]
    failed = [e for e in events if e.status == "failed"]
    error: dict[str, Any] | None = None
    if run.error_code or failed:
        error = {
            "error_code": run.error_code,
            "error_message": run.error_message,
        }
        for event in failed:
            error.update({k: v for k, v in event.details.items() if k != "traceback"})
            error.setdefault("stage", event.stage)
        traceback = next(
            (e.details["traceback"] for e in failed if "traceback" in e.details), None
        )
        if traceback:
            error["traceback"] = traceback
    payload = {
        "ingestion_run_id": str(run.ingestion_run_id),
        "status": run.status.value,
        "run_type": run.run_type.value,
        **(error or {}),
    }
    canonical = _last(events, "canonical_mapping")
    changes = canonical.get("changes")
    return RunView(
        run=run,
        events=events,
        retries=sum(1 for e in events if e.status == "retrying"),
        error=error,
        error_payload=json.dumps(payload, indent=2, sort_keys=True, default=str),
        preflight=_last(events, "preflight"),
        persist=_last(events, "persist"),
        canonical=canonical,
        changes=changes if isinstance(changes, Mapping) else None,
    )


def _event(entry: Mapping[str, Any]) -> StageEvent:
    details: Mapping[str, Any] = entry.get("details") or {}
    summary = [(key, _shown(details[key])) for key in _SUMMARY_KEYS if key in details]
    return StageEvent(
        stage=str(entry.get("stage", "")),
        status=str(entry.get("status", "")),
        at_utc=str(entry.get("at_utc", "")),
        details=details,
        summary=summary,
    )


def _last(events: list[StageEvent], stage: str) -> Mapping[str, Any]:
    for event in reversed(events):
        if event.stage == stage and event.details:
            return event.details
    return {}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return str(value)
