"""The in-process scheduler: cron firings in the business time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.domain.errors import InvalidRequestError
from flexledger.jobs.ingest import IngestOutcome
from flexledger.jobs.schedule import next_fire, run_schedule
from tests.fixtures.flex_server import QUERY_ID, FlexWorld


def test_next_fire_reads_the_expression_in_the_business_zone() -> None:
    after = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # Monday 14:00 in Jerusalem
    fire = next_fire("15 7 * * 1-6", after, "Asia/Jerusalem")
    assert fire == dt.datetime(2026, 3, 3, 5, 15, tzinfo=dt.UTC)  # Tuesday 07:15 +02:00


def test_next_fire_follows_a_dst_change() -> None:
    # Israel moves to summer time on Friday 27 March 2026 (UTC+3).
    after = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)
    assert next_fire("15 7 * * *", after, "Asia/Jerusalem") == dt.datetime(
        2026, 3, 28, 4, 15, tzinfo=dt.UTC
    )


def test_invalid_expressions_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="not a cron expression"):
        next_fire("every morning", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "UTC")


def test_each_firing_is_a_scheduled_run(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    settings = load_settings(
        _env_file=None,
        account_id="U1234567",
        ibkr_flex_token=flex_world.token,
        ibkr_flex_query_id=QUERY_ID,
        ibkr_flex_base_url=flex_world.base_url,
        flex_source_timezone="UTC",
    )
    outcomes: list[IngestOutcome] = []
    moments = iter(
        [
            dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC),
        ]
    )
    start = flex_world.clock.monotonic()
    attempted = run_schedule(
        database,
        settings,
        client=flex_world.client(),
        expression="15 7 * * *",
        clock=flex_world.clock,
        now=lambda: next(moments),
        firings=2,
        on_outcome=outcomes.append,
    )
    assert attempted == 2
    assert [o.run.run_type.value for o in outcomes] == ["scheduled", "scheduled"]
    assert outcomes[0].succeeded
    assert outcomes[1].raw_artifact_deduplicated is True
    # The first firing waited 15 minutes on the fake clock before fetching.
    first_call = flex_world.service.log[0].at
    assert first_call - start >= 15 * 60
