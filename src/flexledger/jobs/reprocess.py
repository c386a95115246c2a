"""Reprocess: rebuild canonical events from stored raw rows (SPEC §5.4).

Never touches the network or the raw tables. Everything (or one scope, a stored
`period_key` + `flex_query_id`) is mapped again in one transaction, and the run
records which events were added, which changed (each changed column with its value
before and after) and which were removed, so a user can see what a fix changed.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.db.repositories.canonical import (
    CanonicalRepository,
    EventChanges,
    RawScope,
)
from flexledger.db.repositories.runs import RunRepository
from flexledger.domain.errors import FlexLedgerError, InvalidRequestError
from flexledger.domain.runs import RunStatus, RunType, Stage, StageStatus
from flexledger.jobs.canonical import CHANGE_SAMPLES, mapping_context, rebuild
from flexledger.jobs.cycle_gc import cyclic_gc_paused
from flexledger.jobs.ingest import IngestOptions, IngestOutcome, fail_run, start_run
from flexledger.jobs.ledger import recompute
from flexledger.jobs.timeline import Timeline
from flexledger.mapping.registry import MapperRegistry

_PERIOD_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INVALID_SCOPE = "INVALID_REPROCESS_SCOPE"


def reprocess_scope(
    period_key: str | None, flex_query_id: str | None
) -> RawScope | None:
    """The scope to rebuild: both parts, or neither (everything, SPEC D-11).

    Raises:
        InvalidRequestError: only one part given, or a malformed `period_key`.
    """
    if period_key is None and flex_query_id is None:
        return None
    if period_key is None or flex_query_id is None:
        raise InvalidRequestError(
            "Give both period_key and flex_query_id to reprocess one scope, or "
            "neither to reprocess everything.",
            code=INVALID_SCOPE,
        )
    if not _PERIOD_KEY.match(period_key) or not _is_date(period_key):
        raise InvalidRequestError(
            f"period_key {period_key!r} is not a date written YYYY-MM-DD.",
            code=INVALID_SCOPE,
        )
    if not flex_query_id.strip():
        raise InvalidRequestError("flex_query_id is empty.", code=INVALID_SCOPE)
    return RawScope(period_key=period_key, flex_query_id=flex_query_id)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def reprocess(
    database: Database,
    settings: Settings,
    registry: MapperRegistry,
    scope: RawScope | None = None,
) -> IngestOutcome:
    """Rebuild canonical events from raw rows under the run lock, as one run.

    Raises:
        RunAlreadyActiveError: another run holds the lock (no run row is written).
    """
    with database.run_lock():
        timeline = Timeline()
        options = IngestOptions(
            run_type=RunType.REPROCESS,
            flex_query_id=scope.flex_query_id if scope else "all",
        )
        run = start_run(database, settings, options, timeline)
        try:
            with database.unit_of_work() as uow:
                context = mapping_context(uow, settings)
                details: dict[str, Any] = {
                    "scope": (
                        {
                            "period_key": scope.period_key,
                            "flex_query_id": scope.flex_query_id,
                        }
                        if scope
                        else "all"
                    )
                }
                if context is None:
                    details["canonical_skip_reason"] = "no_account_yet"
                else:
                    with cyclic_gc_paused():
                        summary = rebuild(
                            CanonicalRepository(uow), registry, context, scope
                        )
                    details.update(summary.details())
                    details["changes"] = change_details(summary.changes)
                timeline.add(Stage.CANONICAL_MAPPING, StageStatus.COMPLETED, **details)
                if context is not None:
                    started = time.monotonic()
                    ledger = recompute(
                        uow,
                        None,
                        since=None,
                        ingestion_run_id=run.ingestion_run_id,
                        parallel=settings.ledger_parallel,
                    )
                    ledger["ledger_duration_ms"] = int(
                        (time.monotonic() - started) * 1000
                    )
                    timeline.add(Stage.SNAPSHOT, StageStatus.COMPLETED, **ledger)
                timeline.add(Stage.RUN, StageStatus.SUCCESS)
                closed = RunRepository(uow).finish(
                    run.ingestion_run_id,
                    status=RunStatus.SUCCESS,
                    diagnostics=timeline.events,
                )
            return IngestOutcome(run=closed)
        except FlexLedgerError as exc:
            return fail_run(
                database, run, timeline, "REPROCESS_CONTRACT_ERROR", exc.message, exc
            )
        except Exception as exc:
            return fail_run(
                database,
                run,
                timeline,
                "REPROCESS_UNEXPECTED_ERROR",
                f"{type(exc).__name__}: {exc}",
                exc,
                with_traceback=True,
            )


def change_details(changes: EventChanges) -> dict[str, Any]:
    """What a rebuild changed, for the run's timeline (lists capped, counts whole)."""
    return {
        "added_count": len(changes.added),
        "changed_count": len(changes.changed),
        "removed_count": len(changes.removed),
        "added": [
            {"kind": kind.value, "event_id": str(event_id)}
            for kind, event_id in changes.added[:CHANGE_SAMPLES]
        ],
        "changed": [
            {
                "kind": change.kind.value,
                "event_id": str(change.event_id),
                "fields": {
                    name: {"before": before, "after": after}
                    for name, (before, after) in sorted(change.changes.items())
                },
            }
            for change in changes.changed[:CHANGE_SAMPLES]
        ],
        "removed": [
            {"kind": kind.value, "event_id": str(event_id)}
            for kind, event_id in changes.removed[:CHANGE_SAMPLES]
        ],
    }
