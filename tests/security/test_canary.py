"""The token canary (T13, I9): the Flex token never shows anywhere.

One run of a representative fault suite with a unique token (`CANARY<uuid>`):
the fake Flex server's error codes and transport faults, direct client errors,
then the web app configured with that token (uploads good and bad, a failed
"fetch now", every GET route of the API and UI, CSV exports, refused requests)
and the CLI with the token in its environment. Searched, plain and URL-encoded:
every log record at DEBUG (httpx and httpcore included), the captured stdout and
stderr, a dump of every database table with the run diagnostics, every API/UI
response body and header, the CLI's output and the exception texts. The app's
own API token is a second canary over the same haystack.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text

from flexledger import __version__
from flexledger.adapter.fake_flex import QueryScript
from flexledger.adapter.flex_client import FlexClient
from flexledger.config import Settings, load_settings
from flexledger.db.base import Base
from flexledger.db.database import Database
from flexledger.jobs.fetch import fetch_and_ingest
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.cli import FLEXLEDGER
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.flex_server import CLEAN_STATEMENT, QUERY_ID, STATEMENT, FlexWorld
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry
from tests.security.conftest import (
    API_TOKEN,
    SAFE_METHODS,
    csrf_token,
    fill,
    routes,
    sample_ids,
)

LOGGERS = ("httpx", "httpcore", "flexledger", "uvicorn", "uvicorn.error")
MINIMAL = FLEX_DIR / "clifton__ib-flex__activity_minimal.xml"
FAULTS: list[dict[str, Any]] = [
    {},
    {"ready_after_polls": 3},
    {"get_errors": ["1009", "1018"]},
    {"send_errors": ["1012"]},
    {"send_errors": ["1015"]},
    {"get_http_errors": [500, 404]},
    {"truncate_at": 500, "truncate_times": 5},
    {"html_200": True},
    {"delay_seconds": 1.0, "delay_times": 10},
    {"reset_times": 1},
]


def _settings(world: FlexWorld, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "account_id": "U1234567",
        "ibkr_flex_token": world.token,
        "ibkr_flex_query_id": QUERY_ID,
        "ibkr_flex_base_url": world.base_url,
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


def _dump(database: Database) -> str:
    """Every row of every table, as text, and the run diagnostics as JSON."""
    parts = []
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                parts.append(repr(tuple(row)))
        for (diagnostics,) in connection.execute(
            text("SELECT diagnostics FROM ingestion_run")
        ):
            parts.append(json.dumps(diagnostics, default=str))
    return "\n".join(parts)


def _fault_suite(database: Database, world: FlexWorld, texts: list[str]) -> None:
    for scenario in FAULTS:
        world.service.queries[QUERY_ID] = QueryScript(payload=STATEMENT, **scenario)
        world.clock.advance(61)
        client = world.client(request_timeout_seconds=0.2)
        outcome = fetch_and_ingest(database, _settings(world), client=client)
        texts.append(repr(outcome))
        texts.append(json.dumps(list(outcome.run.diagnostics), default=str))
        client.close()
    # Direct client errors carry text of their own.
    world.script.send_errors = ["1012"]
    world.clock.advance(61)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error text counts
        world.client().fetch()
    texts.append(str(caught.value) + repr(caught.value) + repr(caught.value.args))


def _answer(response: httpx.Response) -> str:
    return f"{response.status_code} {dict(response.headers)!r}\n{response.text}"


def _web_suite(database: Database, world: FlexWorld, texts: list[str]) -> int:
    """Drive the app configured with the token; returns the answers collected."""
    context = AppContext(
        settings=_settings(world, flexledger_api_token=API_TOKEN),
        database=database,
        version=__version__,
        registry=installed_registry(),
        flex_client_factory=lambda config: FlexClient(config, clock=world.clock),
    )
    app = create_app(context)
    answers: list[httpx.Response] = []
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    with (
        serve_in_thread(app) as url,
        httpx.Client(base_url=url, headers=bearer, timeout=60) as client,
    ):
        for upload in (MINIMAL, FLEX_DIR / "OSadovy__uabean__beancount.xml"):
            answers.append(
                client.post(
                    "/ingestion/upload",
                    files={"file": (upload.name, upload.read_bytes())},
                    data={"allow_missing_sections": "true"},
                )
            )
        page = client.get("/ui/ingestion/runs")
        answers.append(page)
        answers.append(
            client.post(
                "/ui/ingestion/upload",
                files={"file": (MINIMAL.name, MINIMAL.read_bytes())},
                data={"csrf_token": csrf_token(page)},
            )
        )
        # "Fetch now" into an expired-token answer: a failed run in the UI.
        world.service.queries[QUERY_ID] = QueryScript(
            payload=STATEMENT, send_errors=["1012"]
        )
        world.clock.advance(61)
        started = client.post("/ingestion/run")
        answers.append(started)
        run = started.json()["ingestion_run_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = client.get(f"/ingestion/runs/{run}")
            if answer.json()["status"] != "started":
                break
            time.sleep(0.1)
        answers.append(answer)
        # Every GET route, page and API, with real ids; CSV where reports take it.
        ids = sample_ids(database)
        for method, template in routes(app):
            if method in SAFE_METHODS:
                path = fill(template, ids)
                answers.append(client.get(path))
                if template.startswith("/reports/"):
                    answers.append(client.get(path, params={"format": "csv"}))
        answers.append(client.get("/ui/setup"))
        # Refusals and errors have texts of their own.
        answers.append(httpx.get(f"{url}/labels"))
        answers.append(
            httpx.get(f"{url}/labels", headers={"Authorization": "Bearer x"})
        )
        answers.append(
            client.post("/labels", json={"name": "x"}, headers={"Origin": "http://e.x"})
        )
        answers.append(client.get("/ingestion/runs/not-an-id"))
    assert (
        sum(
            1
            for a in answers
            if a.headers.get("content-type", "").startswith("text/csv")
        )
        >= 3
    )
    texts.extend(_answer(a) for a in answers)
    return len(answers)


class _RunningOn:
    """Real time, counted on from a given fake instant."""

    def __init__(self, start: float) -> None:
        self._start = start
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        return self._start + time.monotonic() - self._origin


def _cli_suite(
    database: Database, world: FlexWorld, tmp_path: Path, texts: list[str]
) -> int:
    env = clean_environ(
        DATABASE_URL=database.url,
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ACCOUNT_ID="U1234567",
        IBKR_FLEX_TOKEN=world.token,
        IBKR_FLEX_QUERY_ID=QUERY_ID,
        IBKR_FLEX_BASE_URL=world.base_url,
        IBKR_FLEX_INITIAL_WAIT_SECONDS="0",
        IBKR_FLEX_BACKOFF_BASE_SECONDS="0",
        IBKR_FLEX_BACKOFF_MAX_SECONDS="0.1",
        IBKR_FLEX_REQUEST_TIMEOUT_SECONDS="5",
        FLEXLEDGER_API_TOKEN=API_TOKEN,
        LOG_LEVEL="DEBUG",
    )
    commands: list[tuple[list[str], dict[str, Any]]] = [
        (["config", "check"], {}),
        (["ingestion-run"], {"send_errors": ["1012"]}),
        (["ingestion-run"], {"send_errors": ["1015"]}),
        (["ingestion-run"], {"get_http_errors": [500]}),
        (["ingestion-run"], {}),
        (["import", str(MINIMAL)], {}),
        (["report", "by-instrument", "--format", "csv"], {}),
    ]
    # The CLI paces its calls in real time, so the fake must judge them in real
    # time too: on the test's frozen clock every call would look like a burst
    # (1018), and each command would sit out IBKR's throttling floors. The clock
    # goes on from the fake time, a minute on, so earlier calls are out of the
    # window rather than in its future.
    frozen = world.service.clock
    world.service.clock = _RunningOn(frozen.monotonic() + 61)
    try:
        for args, scenario in commands:
            payload = CLEAN_STATEMENT if args == ["ingestion-run"] else STATEMENT
            world.service.queries[QUERY_ID] = QueryScript(payload=payload, **scenario)
            result = subprocess.run(
                [FLEXLEDGER, *args],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            texts.append(
                f"{args} {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
    finally:
        world.service.clock = frozen
    return len(commands)


def test_the_token_canary_never_leaks(
    database: Database,
    clean_env: Path,
    flex_world: FlexWorld,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    figures: list[str],
) -> None:
    # Everything at DEBUG, httpx's and httpcore's own loggers included.
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    texts: list[str] = []
    try:
        _fault_suite(database, flex_world, texts)
        answers = _web_suite(database, flex_world, texts)
        commands = _cli_suite(database, flex_world, tmp_path, texts)
    finally:
        for name in LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    texts.append(caplog.text)
    texts.extend(record.getMessage() for record in caplog.records)
    texts.extend(str(record.exc_info) for record in caplog.records if record.exc_info)
    captured = capfd.readouterr()
    texts.append(captured.out + captured.err)
    texts.append(_dump(database))
    texts.append(repr(flex_world.service.log))
    settings = _settings(flex_world)
    texts.append(repr(settings) + str(settings.describe()))
    haystack = "\n".join(texts)
    assert "HTTP Request:" in caplog.text  # httpx really logged its request lines
    assert "INGESTION_TOKEN_EXPIRED_ERROR" in haystack  # the faults really ran
    needles = (flex_world.token, quote(flex_world.token), API_TOKEN, quote(API_TOKEN))
    hits = {needle: haystack.count(needle) for needle in needles}
    assert set(hits.values()) == {0}, hits
    figures.append(
        f"canary ({database.engine.dialect.name}): {len(FAULTS)} fault scenarios, {answers} web answers, "
        f"{commands} CLI commands, {len(haystack):,} characters searched, 0 hits"
    )
