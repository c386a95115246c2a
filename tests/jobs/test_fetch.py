"""Fetch runs against the fake Flex service.

The token canary over these faults, the web app and the CLI is
tests/security/test_canary.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.domain.errors import ConfigError, InvalidRequestError
from flexledger.domain.runs import RunStatus
from flexledger.jobs.fetch import (
    backfill,
    client_config,
    default_window,
    fetch_and_ingest,
)
from tests.fixtures.flex_server import QUERY_ID, FlexWorld


def _settings(world: FlexWorld, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "account_id": "U1234567",
        "ibkr_flex_token": world.token,
        "ibkr_flex_query_id": QUERY_ID,
        "ibkr_flex_base_url": world.base_url,
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


def test_a_fetch_run_stores_the_statement_with_its_timeline(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.ready_after_polls = 2
    settings = _settings(flex_world)
    outcome = fetch_and_ingest(
        database,
        settings,
        client=flex_world.client(),
        from_date=dt.date(2025, 1, 1),
        to_date=dt.date(2025, 1, 15),
    )
    assert outcome.succeeded, outcome.run.error_message
    assert outcome.raw_record_count == 30
    assert outcome.run.flex_query_id == QUERY_ID
    stages = [(e["stage"], e["status"]) for e in outcome.run.diagnostics]
    assert stages == [
        ("run", "started"),
        ("request", "started"),
        ("request", "completed"),
        ("download", "completed"),
        ("preflight", "completed"),
        ("persist", "completed"),
        ("run", "success"),
    ]
    download = outcome.run.diagnostics[3]["details"]
    assert download["poll_attempt"] == 3
    send = flex_world.service.requests_to("SendRequest")[0]
    assert (send.params["fd"], send.params["td"]) == ("20250101", "20250115")


def test_retries_appear_in_the_timeline(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.get_errors = ["1009"]
    outcome = fetch_and_ingest(
        database, _settings(flex_world), client=flex_world.client()
    )
    retry = next(e for e in outcome.run.diagnostics if e["status"] == "retrying")
    assert retry["stage"] == "download"
    assert retry["details"]["error_code"] == "1009"
    assert retry["details"]["retry_after_seconds"] == 15.0


def test_an_expired_token_fails_the_run_with_code_and_hint(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.send_errors = ["1012"]
    outcome = fetch_and_ingest(
        database, _settings(flex_world), client=flex_world.client()
    )
    assert outcome.run.status is RunStatus.FAILED
    assert outcome.run.error_code == "INGESTION_TOKEN_EXPIRED_ERROR"
    failed = outcome.run.diagnostics[-1]["details"]
    assert failed["flex_code"] == "1012"
    assert "new token" in failed["hint"]


def test_timeouts_fail_the_run_with_timeout_error(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.delay_seconds = 1.0
    flex_world.script.delay_times = 10
    outcome = fetch_and_ingest(
        database,
        _settings(flex_world),
        client=flex_world.client(request_timeout_seconds=0.2),
    )
    assert outcome.run.error_code == "INGESTION_TIMEOUT_ERROR"
    assert outcome.run.diagnostics[-1]["details"]["error_type"] == "TimeoutError"


def test_backfill_splits_into_windows_and_stops_at_a_failure(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    outcomes = backfill(
        database,
        _settings(flex_world),
        client=flex_world.client(),
        from_date=dt.date(2023, 1, 1),
        to_date=dt.date(2025, 6, 30),
    )
    sends = flex_world.service.requests_to("SendRequest")
    assert [(s.params["fd"], s.params["td"]) for s in sends] == [
        ("20230101", "20231231"),
        ("20240101", "20241230"),
        ("20241231", "20250630"),
    ]
    assert all(o.succeeded for o in outcomes)
    assert [o.raw_artifact_deduplicated for o in outcomes] == [False, True, True]


def test_fetching_needs_the_three_ibkr_settings(clean_env: Path) -> None:
    with pytest.raises(ConfigError, match="IBKR_FLEX_TOKEN"):
        client_config(load_settings(_env_file=None, account_id="U1"))


def test_the_default_window_is_the_last_week_ending_yesterday(clean_env: Path) -> None:
    start, end = default_window(
        load_settings(_env_file=None), today=dt.date(2026, 3, 10)
    )
    assert (start, end) == (dt.date(2026, 3, 3), dt.date(2026, 3, 9))


def test_1003_on_the_newest_day_retries_once_with_an_earlier_end(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.send_errors = ["1003"]
    start, end = default_window(load_settings(_env_file=None))
    outcome = fetch_and_ingest(
        database,
        _settings(flex_world),
        client=flex_world.client(),
        from_date=start,
        to_date=end,
    )
    assert outcome.succeeded, outcome.run.error_message
    sends = flex_world.service.requests_to("SendRequest")
    assert len(sends) == 2
    assert sends[1].params["td"] < sends[0].params["td"]
    retry = next(e for e in outcome.run.diagnostics if e["status"] == "retrying")
    assert retry["details"]["error_code"] == "1003"


def test_1003_on_an_old_window_fails(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    flex_world.script.send_errors = ["1003"]
    outcome = fetch_and_ingest(
        database,
        _settings(flex_world),
        client=flex_world.client(),
        from_date=dt.date(2024, 1, 1),
        to_date=dt.date(2024, 1, 31),
    )
    assert outcome.run.error_code == "INGESTION_REQUEST_ERROR"
    assert len(flex_world.service.requests_to("SendRequest")) == 1


def test_an_invalid_window_is_refused_before_any_run(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    with pytest.raises(InvalidRequestError, match="at most 365"):
        fetch_and_ingest(
            database,
            _settings(flex_world),
            client=flex_world.client(),
            from_date=dt.date(2024, 1, 1),
            to_date=dt.date(2025, 6, 1),
        )
    assert flex_world.service.log == []


def test_each_stage_is_one_json_log_line_with_the_spec_fields(
    database: Database,
    clean_env: Path,
    flex_world: FlexWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="flexledger.ingestion")
    flex_world.script.get_errors = ["1009"]
    outcome = fetch_and_ingest(
        database, _settings(flex_world), client=flex_world.client()
    )
    lines = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "flexledger.ingestion"
    ]
    assert len(lines) == len(outcome.run.diagnostics)
    fields = {
        "run_id",
        "stage",
        "status",
        "started_at_utc",
        "ended_at_utc",
        "duration_ms",
        "source_section",
        "source_record_ref",
        "error_code",
        "error_message",
        "exception_type",
        "stack_trace",
        "retry_count",
        "next_retry_at_utc",
        "details",
    }
    assert all(set(line) == fields for line in lines)
    assert {line["run_id"] for line in lines} == {str(outcome.run.ingestion_run_id)}
    retry = next(line for line in lines if line["status"] == "retrying")
    assert retry["error_code"] == "1009"
    assert retry["retry_count"] == 1
    assert retry["next_retry_at_utc"] is not None
