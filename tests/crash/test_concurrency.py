"""T09 and T11: one payload many times, at once, and through every trigger.

T09: the same payload 100 times in a row, then 16 processes at once, is one raw
artifact with each row once. T11: 50 simultaneous triggers over the CLI (`import`
and `ingestion-run` against the fake Flex service), the API (`POST
/ingestion/run`, `POST /ingestion/upload`) and the scheduler's job: runs never
overlap, and every trigger that did not run was refused with run-already-active
(409, or a non-zero exit saying "run already active").
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flexledger import __version__
from flexledger.adapter.fake_flex import (
    SERVICE_PATH,
    FakeFlexService,
    QueryScript,
    WallClock,
)
from flexledger.adapter.flex_client import FlexClient
from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.db.tables import IngestionRunRow
from flexledger.domain.errors import RunAlreadyActiveError
from flexledger.domain.runs import RunType
from flexledger.jobs.fetch import client_config, fetch_and_ingest
from flexledger.jobs.stages import post_persist_stages
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.crash.client import Finished, ForkServer, Spawned
from tests.crash.harness import (
    REGISTRY,
    Case,
    Reference,
    artifact_count,
    cli_environment,
    export_hash,
    import_file,
    raw_row_count,
    runs,
)
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.synthetic_flex import ACCOUNT
from tests.invariants.checks import assert_no_violations

TOKEN = "crash-suite-token-CANARY-5f2d"
QUERY_ID = "424242"
REFUSED = "run already active"
# Every trigger's run outlasts the time all 50 need to reach the lock.
FETCH_DELAY_SECONDS = 6.0


def test_the_same_payload_100_times_in_a_row_is_one_artifact(
    database: Database, cases: dict[str, Case], workdir: Path
) -> None:
    case = cases["small"]
    first = import_file(database, case.payload)
    assert first.succeeded
    assert (first.raw_record_count, first.raw_record_deduplicated_count) == (24, 0)
    after_first = export_hash(database)
    counters: Counter[tuple[int, int, bool]] = Counter()
    for _ in range(99):
        again = import_file(database, case.payload)
        assert again.succeeded
        counters[
            (
                again.raw_record_count,
                again.raw_record_deduplicated_count,
                again.raw_artifact_deduplicated,
            )
        ] += 1
    assert counters == {(0, 24, True): 99}
    assert artifact_count(database, case.payload) == 1
    assert raw_row_count(database) == 24
    assert export_hash(database) == after_first
    assert [status for _, status, _ in runs(database)] == ["success"] * 100
    assert_no_violations(database)


def test_16_processes_importing_one_payload_at_once_store_it_once(
    database: Database,
    cases: dict[str, Case],
    reference: Callable[[Case], Reference],
    forkserver: ForkServer,
    workdir: Path,
) -> None:
    case = cases["1k"]
    for path in case.before:
        assert import_file(database, path).succeeded
    environment = cli_environment(database)
    argv = ["import", "--allow-missing-sections", str(case.payload)]
    spawned = [forkserver.spawn(argv, environment, workdir) for _ in range(16)]
    ended = [forkserver.wait(child) for child in spawned]

    ran = [e for e in ended if e.returncode == 0]
    refused = [e for e in ended if e.returncode != 0]
    assert ran, [e.stderr for e in ended]
    assert all(REFUSED in e.stderr for e in refused), [e.stderr for e in refused]
    assert artifact_count(database, case.payload) == 1
    expected = reference(case)
    assert raw_row_count(database) == expected.raw_rows
    assert export_hash(database) == expected.complete
    assert {status for _, status, _ in runs(database)} == {"success"}
    assert_no_violations(database)
    print(  # noqa: T201 - the figure for the closing note (pytest -s)
        f"16-way: {len(ran)} ran, {len(refused)} refused ({database.dialect})"
    )


@pytest.fixture
def flex_service(cases: dict[str, Case]) -> Iterator[tuple[FakeFlexService, str]]:
    """The fake Flex service answering with the 5k statement, slowly."""
    fake = FakeFlexService(
        tokens={TOKEN: "valid"},
        queries={
            QUERY_ID: QueryScript(
                payload=cases["5k"].payload.read_bytes(),
                delay_seconds=FETCH_DELAY_SECONDS,
                delay_times=1_000,
            )
        },
        clock=WallClock(),
    )
    with serve_in_thread(fake.app) as root:
        yield fake, f"{root}{SERVICE_PATH}"


def _fetch_settings(base_url: str) -> dict[str, str]:
    return {
        "ACCOUNT_ID": ACCOUNT,
        "IBKR_FLEX_TOKEN": TOKEN,
        "IBKR_FLEX_QUERY_ID": QUERY_ID,
        "IBKR_FLEX_BASE_URL": base_url,
        "IBKR_FLEX_INITIAL_WAIT_SECONDS": "0",
        "IBKR_FLEX_BACKOFF_BASE_SECONDS": "0",
        "IBKR_FLEX_BACKOFF_MAX_SECONDS": "1",
    }


@pytest.mark.slow
def test_50_simultaneous_triggers_run_one_at_a_time_and_refuse_the_rest(
    database: Database,
    cases: dict[str, Case],
    forkserver: ForkServer,
    workdir: Path,
    flex_service: tuple[FakeFlexService, str],
) -> None:
    _, base_url = flex_service
    fetch = _fetch_settings(base_url)
    settings = load_settings(
        _env_file=None, **{name.lower(): value for name, value in fetch.items()}
    )
    payload = cases["5k"].payload
    context = AppContext(
        settings=settings, database=database, version=__version__, registry=REGISTRY
    )
    with serve_in_thread(create_app(context)) as api:
        # The processes first: they take longest to reach the lock.
        environment = cli_environment(database, **fetch)
        imports = [
            (
                "cli_import",
                forkserver.spawn(
                    ["import", "--allow-missing-sections", str(payload)],
                    environment,
                    workdir,
                ),
            )
            for _ in range(10)
        ]
        fetches = [
            (
                "cli_fetch",
                forkserver.spawn(
                    [
                        "ingestion-run",
                        "--from-date",
                        "2021-01-04",
                        "--to-date",
                        "2021-12-31",
                    ],
                    environment,
                    workdir,
                ),
            )
            for _ in range(10)
        ]
        in_process = _in_process_triggers(api, payload, database, settings)
        outcomes = _fire_together(in_process)
        cli = [
            (kind, _cli_outcome(forkserver, child))
            for kind, child in (*imports, *fetches)
        ]
        _wait_until_no_run_is_started(database)

    labels = Counter((kind, outcome) for kind, outcome in [*outcomes, *cli])
    print(f"50 triggers ({database.dialect}): {dict(sorted(labels.items()))}")  # noqa: T201
    assert sum(labels.values()) == 50
    assert {outcome for _, outcome in labels} <= {"ran", "refused"}, labels
    ran = sum(count for (_, outcome), count in labels.items() if outcome == "ran")
    assert ran >= 1
    stored = _run_intervals(database)
    assert len(stored) == ran
    assert {status for status, _, _ in stored} == {"success"}, stored
    for (_, _, end), (_, start, _) in itertools.pairwise(stored):
        assert end <= start, "two runs overlapped"
    assert artifact_count(database, payload) == 1
    assert_no_violations(database, token=TOKEN)


def _in_process_triggers(
    api: str, payload: Path, database: Database, settings: Settings
) -> list[tuple[str, Callable[[], str]]]:
    data = payload.read_bytes()

    def upload() -> str:
        response = httpx.post(
            f"{api}/ingestion/upload",
            files={"file": (payload.name, data, "application/xml")},
            data={"allow_missing_sections": "true"},
            timeout=180,
        )
        return _http_outcome(response)

    def fetch_now() -> str:
        return _http_outcome(httpx.post(f"{api}/ingestion/run", timeout=180))

    def scheduled() -> str:
        # What the scheduler does at each firing (jobs/schedule.py).
        client = FlexClient(client_config(settings))
        try:
            fetch_and_ingest(
                database,
                settings,
                client=client,
                from_date=dt.date(2021, 1, 4),
                to_date=dt.date(2021, 12, 31),
                run_type=RunType.SCHEDULED,
                hooks=post_persist_stages(REGISTRY, settings),
            )
        except RunAlreadyActiveError:
            return "refused"
        finally:
            client.close()
        return "ran"

    return [
        *[("api_upload", upload)] * 10,
        *[("api_run", fetch_now)] * 10,
        *[("scheduler", scheduled)] * 10,
    ]


def _fire_together(
    triggers: list[tuple[str, Callable[[], str]]],
) -> list[tuple[str, str]]:
    barrier = threading.Barrier(len(triggers))

    def fire(trigger: tuple[str, Callable[[], str]]) -> tuple[str, str]:
        kind, call = trigger
        barrier.wait(timeout=60)
        return kind, call()

    with ThreadPoolExecutor(max_workers=len(triggers)) as pool:
        return list(pool.map(fire, triggers))


def _http_outcome(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "ran"
    body: dict[str, Any] = response.json()
    if response.status_code == 409 and body.get("error") == "RUN_ALREADY_ACTIVE":
        return "refused"
    return f"http {response.status_code}: {body}"


def _cli_outcome(forkserver: ForkServer, child: Spawned) -> str:
    ended: Finished = forkserver.wait(child)
    if ended.returncode == 0:
        return "ran"
    if REFUSED in ended.stderr:
        return "refused"
    return f"exit {ended.returncode}: {ended.stderr[-300:]}"


def _wait_until_no_run_is_started(database: Database) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if "started" not in {status for _, status, _ in runs(database)}:
            return
        time.sleep(0.2)
    raise AssertionError("a run stayed started")


def _run_intervals(database: Database) -> list[tuple[str, Any, Any]]:
    with database.unit_of_work() as uow:
        return [
            (status, start, end)
            for status, start, end in uow.session.execute(
                select(
                    IngestionRunRow.status,
                    IngestionRunRow.started_at_utc,
                    IngestionRunRow.ended_at_utc,
                ).order_by(IngestionRunRow.started_at_utc)
            )
        ]
