"""The ingestion API over real HTTP: upload, runs list contract, fetch trigger."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flexledger import __version__
from flexledger.adapter.flex_client import FlexClient, FlexClientConfig
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.web.api import ingestion as ingestion_api
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.flex_server import QUERY_ID, FlexWorld
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

COMPLETE = FLEX_DIR / "clifton__ib-flex__activity_daily_portfolio.xml"
MINIMAL = FLEX_DIR / "clifton__ib-flex__activity_minimal.xml"


def _serve(database: Database, **settings: Any) -> Any:
    context = AppContext(
        settings=load_settings(_env_file=None, **settings),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    return serve_in_thread(create_app(context))


@pytest.fixture
def api(database: Database, clean_env: Path) -> Iterator[str]:
    with _serve(database) as base_url:
        yield base_url


def _upload(
    base_url: str, path: Path, data: bytes | None = None, **form: str
) -> httpx.Response:
    body = data if data is not None else path.read_bytes()
    return httpx.post(
        f"{base_url}/ingestion/upload",
        files={"file": (path.name, body, "application/xml")},
        data=form,
        timeout=60,
    )


def test_upload_imports_and_reports_counts(api: str) -> None:
    first = _upload(api, COMPLETE)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "success"
    assert body["raw_record_count"] == 30
    assert "account_id" not in body
    again = _upload(api, COMPLETE).json()
    assert (again["raw_record_count"], again["raw_record_deduplicated_count"]) == (
        0,
        30,
    )


def test_gzipped_uploads_are_accepted(api: str) -> None:
    response = _upload(api, COMPLETE, gzip.compress(COMPLETE.read_bytes()))
    assert response.json()["raw_record_count"] == 30


def test_a_bad_upload_is_a_failed_run_with_its_code(api: str) -> None:
    response = _upload(api, MINIMAL)
    assert response.status_code == 422
    assert response.json()["error_code"] == "MISSING_REQUIRED_SECTION"
    allowed = _upload(api, MINIMAL, allow_missing_sections="true")
    assert allowed.status_code == 200


def test_runs_list_follows_the_list_contract(api: str) -> None:
    for _ in range(3):
        _upload(api, COMPLETE)
    _upload(api, MINIMAL)
    listed = httpx.get(f"{api}/ingestion/runs").json()
    assert listed["page"] == {
        "limit": 50,
        "offset": 0,
        "returned": 4,
        "total": 4,
        "has_more": False,
        "applied_limit": 50,
    }
    assert listed["sort"] == {"sort_by": "started_at_utc", "sort_dir": "desc"}
    started = [item["started_at_utc"] for item in listed["items"]]
    assert started == sorted(started, reverse=True)
    assert all("account_id" not in item for item in listed["items"])

    page = httpx.get(f"{api}/ingestion/runs", params={"limit": 2, "offset": 1}).json()
    assert page["page"]["returned"] == 2
    assert page["page"]["has_more"] is True
    clamped = httpx.get(f"{api}/ingestion/runs", params={"limit": 5000}).json()
    assert clamped["page"]["applied_limit"] == 200
    failed = httpx.get(f"{api}/ingestion/runs", params={"status": "failed"}).json()
    assert [item["error_code"] for item in failed["items"]] == [
        "MISSING_REQUIRED_SECTION"
    ]
    ascending = httpx.get(
        f"{api}/ingestion/runs", params={"sort_by": "duration_ms"}
    ).json()
    assert ascending["sort"] == {"sort_by": "duration_ms", "sort_dir": "asc"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": "0"}, "INVALID_PAGINATION"),
        ({"offset": "-1"}, "INVALID_PAGINATION"),
        ({"limit": "ten"}, "INVALID_PAGINATION"),
        ({"sort_by": "account_id"}, "INVALID_SORT_FIELD"),
        ({"sort_dir": "sideways"}, "INVALID_SORT_DIRECTION"),
        ({"status": "running"}, "INVALID_FILTER"),
        ({"from_utc": "yesterday"}, "INVALID_FILTER"),
        ({"offset": str(2**63)}, "INVALID_PAGINATION"),
        ({"from_utc": "0001-01-01T00:00:00+01:00"}, "INVALID_FILTER"),
    ],
)
def test_bad_list_parameters_answer_400_with_their_code(
    api: str, params: dict[str, str], code: str
) -> None:
    response = httpx.get(f"{api}/ingestion/runs", params=params)
    assert_error(response, 400, code)


def test_run_detail_and_missing_sections(api: str) -> None:
    run_id = _upload(api, MINIMAL).json()["ingestion_run_id"]
    detail = httpx.get(f"{api}/ingestion/runs/{run_id}").json()
    assert detail["diagnostics"][0]["stage"] == "run"
    missing = httpx.get(f"{api}/ingestion/runs/{run_id}/missing-sections").json()
    assert missing["error_code"] == "MISSING_REQUIRED_SECTION"
    assert "OpenPositions" in missing["missing_hard_required"]
    unknown = httpx.get(f"{api}/ingestion/runs/00000000-0000-0000-0000-000000000000")
    assert_error(unknown, 404, "NOT_FOUND")
    assert httpx.get(f"{api}/ingestion/runs/not-a-uuid").status_code == 400


def test_uploads_while_a_run_is_active_answer_409(api: str, database: Database) -> None:
    with database.run_lock():
        response = _upload(api, COMPLETE)
    assert response.json() == {
        "error": "RUN_ALREADY_ACTIVE",
        "detail": "run already active",
        "hint": None,
    }
    assert_error(response, 409, "RUN_ALREADY_ACTIVE")


def test_fetch_now_needs_the_ibkr_settings(api: str) -> None:
    response = httpx.post(f"{api}/ingestion/run")
    assert "IBKR_FLEX_TOKEN" in assert_error(response, 400, "CONFIG_INVALID")["detail"]


def test_fetch_now_starts_a_run_that_succeeds(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    def factory(config: FlexClientConfig) -> FlexClient:
        return FlexClient(config, clock=flex_world.clock)

    context = AppContext(
        settings=load_settings(
            _env_file=None,
            account_id="U1234567",
            ibkr_flex_token=flex_world.token,
            ibkr_flex_query_id=QUERY_ID,
            ibkr_flex_base_url=flex_world.base_url,
        ),
        database=database,
        version=__version__,
        registry=installed_registry(),
        flex_client_factory=factory,
    )
    with serve_in_thread(create_app(context)) as base_url:
        started = httpx.post(f"{base_url}/ingestion/run", timeout=60)
        assert started.status_code == 200, started.text
        run_id = started.json()["ingestion_run_id"]
        assert started.json()["job_name"] == "ingestion"
        deadline = time.monotonic() + 30
        status = "started"
        while status == "started" and time.monotonic() < deadline:
            status = httpx.get(f"{base_url}/ingestion/runs/{run_id}").json()["status"]
        assert status == "success"
        with database.run_lock():
            assert httpx.post(f"{base_url}/ingestion/run").status_code == 409
    assert flex_world.token not in started.text


def test_uploads_over_the_size_limit_are_refused_before_reading(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion_api, "MAX_UPLOAD_BYTES", 1_000)
    response = _upload(api, COMPLETE)
    assert response.status_code == 413
    assert response.json()["error"] == "STATEMENT_TOO_LARGE"
    assert httpx.get(f"{api}/ingestion/runs").json()["page"]["total"] == 0


def test_chunked_uploads_stop_at_the_limit(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion_api, "MAX_UPLOAD_BYTES", 1_000)
    boundary = "flexledgerboundary"

    def chunks() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.xml"\r\nContent-Type: application/xml\r\n\r\n'
        ).encode()
        for _ in range(10):
            yield b"x" * 500
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{api}/ingestion/upload",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert httpx.get(f"{api}/ingestion/runs").json()["page"]["total"] == 0


def test_reprocess_rebuilds_from_raw_and_validates_its_scope(api: str) -> None:
    assert _upload(api, COMPLETE).status_code == 200
    half = httpx.post(f"{api}/ingestion/reprocess", json={"period_key": "2025-01-15"})
    assert half.status_code == 400
    assert half.json()["error"] == "INVALID_REPROCESS_SCOPE"
    everything = httpx.post(f"{api}/ingestion/reprocess", json={})
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["run_type"] == "reprocess"
    assert body["status"] == "success"
    stage = [e for e in body["diagnostics"] if e["stage"] == "canonical_mapping"]
    assert stage[0]["details"]["changes"]["changed_count"] == 0
    assert stage[0]["details"]["canonical_input_row_count"] == 30
