"""The in-process scheduler (`flexledger schedule`): fetch on a cron expression.

For the compose `scheduler` service and hosts without cron. The expression is read in
`FLEX_SOURCE_TIMEZONE` (US Eastern by default), IBKR's own clock, so the default
07:15 is after IBKR publishes daily statements (05:00 ET) wherever the user lives.
Each firing is one scheduled ingestion run; a firing that finds another run active is
skipped, never queued, and no failure stops the loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Sequence

from croniter import croniter

from flexledger.adapter.flex_client import Clock, FlexClient
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import (
    FlexLedgerError,
    InvalidRequestError,
    RunAlreadyActiveError,
)
from flexledger.domain.runs import RunType
from flexledger.jobs.fetch import fetch_and_ingest
from flexledger.jobs.ingest import IngestOutcome, PostPersistHook

DEFAULT_CRON = "15 7 * * 1-6"  # 07:15 US Eastern, Monday to Saturday
logger = logging.getLogger("flexledger.schedule")


def next_fire(expression: str, after: dt.datetime, timezone: str) -> dt.datetime:
    """The next instant (UTC) the expression fires after `after`, read in `timezone`.

    Raises:
        InvalidRequestError: the expression is not a valid cron expression.
    """
    if not croniter.is_valid(expression):
        raise InvalidRequestError(
            f"{expression!r} is not a cron expression (minute hour day month weekday).",
            code="INVALID_SCHEDULE",
        )
    local = after.astimezone(zoneinfo.ZoneInfo(timezone))
    fire: dt.datetime = croniter(expression, local).get_next(dt.datetime)
    return fire.astimezone(dt.UTC)


def run_schedule(  # noqa: PLR0913 - keyword-only knobs, tests set each
    database: Database,
    settings: Settings,
    *,
    client: FlexClient,
    expression: str,
    clock: Clock,
    now: Callable[[], dt.datetime] = utc_now,
    firings: int | None = None,
    on_outcome: Callable[[IngestOutcome], None] | None = None,
    hooks: Sequence[PostPersistHook] = (),
) -> int:
    """Sleep until each firing and fetch; returns the number of runs attempted.

    Args:
        database: where runs are stored.
        settings: validated settings (fetching configured).
        client: the Flex client, shared by every firing so the pace holds.
        expression: the cron expression.
        clock: sleeps until each firing (tests pass a fake one).
        now: the current instant.
        firings: stop after this many (None: forever, until interrupted).
        on_outcome: called with each run's outcome.
        hooks: stages after persist (canonical mapping).
    """
    attempted = 0
    while firings is None or attempted < firings:
        current = now()
        fire = next_fire(expression, current, settings.flex_source_timezone)
        wait = (fire - current).total_seconds()
        logger.info("next scheduled run at %s (in %.0f s)", fire.isoformat(), wait)
        clock.sleep(max(0.0, wait))
        attempted += 1
        try:
            outcome = fetch_and_ingest(
                database,
                settings,
                client=client,
                run_type=RunType.SCHEDULED,
                hooks=hooks,
            )
        except RunAlreadyActiveError:
            logger.warning("scheduled run skipped: run already active")
            continue
        except FlexLedgerError as exc:  # e.g. the database went away: try next time
            logger.error(
                "scheduled run could not start: [%s] %s", exc.code, exc.message
            )
            continue
        if on_outcome is not None:
            on_outcome(outcome)
    return attempted
