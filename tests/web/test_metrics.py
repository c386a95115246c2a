"""`GET /metrics` over real HTTP: Prometheus text from the runs, raw and case tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.runs import RunRepository
from flexledger.domain.clock import utc_now
from flexledger.domain.runs import RunStatus, RunType
from flexledger.jobs.metrics import MetricFamily, Sample
from flexledger.web.api.metrics import render
from flexledger.web.api.metrics import router as metrics_router
from flexledger.web.context import AppContext
from flexledger.web.errors import install_error_handlers
from tests.fixtures.corporate import import_cases_statement
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

# One sample line of the exposition format: name, optional labels, a value.
_SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>[a-z_]+="[^"]*"'
    r'(,[a-z_]+="[^"]*")*)\})? (?P<value>-?[0-9.e+-]+|\+Inf|NaN)$'
)


def _app(database: Database, **settings: Any) -> FastAPI:
    # Only this router and the error handlers: web/app.py is wired separately.
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(metrics_router)
    app.state.context = AppContext(
        settings=load_settings(_env_file=None, **settings),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    return app


@contextmanager
def _served(database: Database, **settings: Any) -> Iterator[str]:
    with serve_in_thread(_app(database, **settings)) as base_url:
        yield base_url


def _scrape(base_url: str) -> tuple[httpx.Response, dict[str, float]]:
    """The response and every sample as `name{labels}` -> value (format checked)."""
    response = httpx.get(f"{base_url}/metrics")
    assert response.status_code == 200, response.text
    samples: dict[str, float] = {}
    typed: set[str] = set()
    for line in response.text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("# HELP "):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        family = re.sub(r"_(bucket|sum|count)$", "", match["name"])
        assert family in typed or match["name"] in typed, f"no # TYPE before {line}"
        key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
        samples[key] = float(match["value"])
    return response, samples


def _add_run(
    database: Database,
    status: RunStatus,
    run_type: RunType,
    *,
    minutes: float,
) -> None:
    """A run that started `minutes` ago and ends now (so it lasted that long)."""
    with database.unit_of_work() as uow:
        runs = RunRepository(uow)
        run = runs.start(
            account_id="U7000001",
            run_type=run_type,
            period_key="2025-01-01..2025-01-10",
            flex_query_id="q",
            started_at=utc_now() - dt.timedelta(minutes=minutes),
        )
        if status is not RunStatus.STARTED:
            runs.finish(run.ingestion_run_id, status=status, diagnostics=[])


def test_an_empty_ledger_answers_zeros_in_the_text_format(
    database: Database, clean_env: Path
) -> None:
    with _served(database) as base_url:
        response, samples = _scrape(base_url)
    assert (
        response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    )
    assert samples[f'flexledger_build_info{{version="{__version__}"}}'] == 1
    assert (
        samples['flexledger_ingestion_runs{status="success",run_type="scheduled"}'] == 0
    )
    assert samples['flexledger_ingestion_run_duration_seconds_bucket{le="+Inf"}'] == 0
    assert samples["flexledger_raw_records"] == 0
    assert samples["flexledger_provisional_instruments"] == 0
    assert samples["flexledger_corporate_action_cases_unresolved"] == 0
    assert samples['flexledger_ingestion_last_run_status{status="success"}'] == 0
    # No success yet: the series is absent rather than a misleading 0 (1970).
    assert "flexledger_ingestion_last_success_timestamp_seconds" not in samples
    assert "flexledger_ingestion_last_success_raw_records" not in samples
    assert not any(name.startswith("flexledger_flex_token") for name in samples)


def test_runs_by_status_durations_and_last_status(
    database: Database, clean_env: Path
) -> None:
    _add_run(database, RunStatus.SUCCESS, RunType.MANUAL, minutes=1)
    _add_run(database, RunStatus.FAILED, RunType.SCHEDULED, minutes=20)
    _add_run(database, RunStatus.FAILED, RunType.SCHEDULED, minutes=40)
    before = utc_now().timestamp()
    with _served(database) as base_url:
        _, samples = _scrape(base_url)
    runs = "flexledger_ingestion_runs"
    assert samples[f'{runs}{{status="success",run_type="manual"}}'] == 1
    assert samples[f'{runs}{{status="failed",run_type="scheduled"}}'] == 2
    assert samples[f'{runs}_30d{{status="failed",run_type="scheduled"}}'] == 2
    assert samples[f'{runs}{{status="failed",run_type="reprocess"}}'] == 0
    bucket = "flexledger_ingestion_run_duration_seconds_bucket"
    # SPEC §15: p95 <= 15 min (le=900) and "any run > 30 min" (+Inf minus le=1800).
    assert samples[f'{bucket}{{le="60.0"}}'] == 0
    assert samples[f'{bucket}{{le="120.0"}}'] == 1
    assert samples[f'{bucket}{{le="900.0"}}'] == 1
    assert samples[f'{bucket}{{le="1800.0"}}'] == 2
    assert samples[f'{bucket}{{le="+Inf"}}'] == 3
    assert samples["flexledger_ingestion_run_duration_seconds_count"] == 3
    assert samples["flexledger_ingestion_run_duration_seconds_sum"] > 60 * 61 - 5
    assert samples["flexledger_ingestion_run_duration_max_seconds"] >= 40 * 60
    assert samples["flexledger_ingestion_consecutive_failures"] == 2
    # The latest run to start is the 1-minute success.
    assert samples['flexledger_ingestion_last_run_status{status="success"}'] == 1
    assert samples['flexledger_ingestion_last_run_status{status="failed"}'] == 0
    last = samples["flexledger_ingestion_last_success_timestamp_seconds"]
    assert before - 60 < last <= utc_now().timestamp()
    assert samples["flexledger_ingestion_active_run_age_seconds"] == 0


def test_a_run_still_going_shows_its_age(database: Database, clean_env: Path) -> None:
    _add_run(database, RunStatus.STARTED, RunType.SCHEDULED, minutes=31)
    with _served(database) as base_url:
        _, samples = _scrape(base_url)
    assert samples["flexledger_ingestion_active_run_age_seconds"] >= 31 * 60
    assert samples['flexledger_ingestion_last_run_status{status="started"}'] == 1
    assert (
        samples['flexledger_ingestion_runs{status="started",run_type="scheduled"}'] == 1
    )


def test_raw_rows_provisional_instruments_and_open_cases(
    database: Database, clean_env: Path
) -> None:
    outcome = import_cases_statement(database)
    with _served(database) as base_url:
        _, samples = _scrape(base_url)
        # A second scrape is served from the fingerprint cache: the same figures.
        _, again = _scrape(base_url)
    assert samples["flexledger_raw_records"] == outcome.raw_record_count > 0
    assert samples["flexledger_ingestion_last_success_raw_records"] == (
        outcome.raw_record_count
    )
    # MRGR and OTHR each open a case; only their instruments are provisional.
    assert samples["flexledger_corporate_action_cases_unresolved"] == 2
    assert samples["flexledger_provisional_instruments"] == 2
    assert again == samples


def test_the_token_gauge_reports_days_left_when_an_expiry_is_set(
    database: Database, clean_env: Path
) -> None:
    expires = utc_now().date() + dt.timedelta(days=400)
    with _served(database, ibkr_flex_token_expires=expires) as base_url:
        _, samples = _scrape(base_url)
    # The business date may be a day off the machine's date near midnight.
    assert 399 <= samples["flexledger_flex_token_expiry_days"] <= 401


def test_openapi_documents_the_text_response(
    database: Database, clean_env: Path
) -> None:
    operation = _app(database).openapi()["paths"]["/metrics"]["get"]
    content = operation["responses"]["200"]["content"]
    assert list(content) == ["text/plain; version=0.0.4; charset=utf-8"]
    assert content["text/plain; version=0.0.4; charset=utf-8"]["schema"] == {
        "type": "string"
    }
    assert {"500", "503"} <= set(operation["responses"])


def test_render_escapes_label_values_and_help() -> None:
    family = MetricFamily(
        "x_total",
        "gauge",
        "two\nlines \\ here",
        (Sample(1.5, (("v", 'a"b\\c\nd'),)), Sample(float("inf"), (), "_max")),
    )
    assert render([family]) == (
        "# HELP x_total two\\nlines \\\\ here\n"
        "# TYPE x_total gauge\n"
        'x_total{v="a\\"b\\\\c\\nd"} 1.5\n'
        "x_total_max +Inf\n"
    )
