"""The corporate-action cases API over real HTTP: list, get, resolve, dismiss."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.corporate import (
    import_cases_statement,
    instrument_ids,
    snapshots,
)
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

CASES = "/corporate-actions/cases"


@pytest.fixture
def api(database: Database, clean_env: Path) -> Iterator[str]:
    import_cases_statement(database)
    context = AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    with serve_in_thread(create_app(context)) as base_url:
        yield base_url


def _cases(api: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{api}{CASES}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _case_id(api: str, symbol: str) -> str:
    (item,) = [i for i in _cases(api)["items"] if i["symbol"] == symbol]
    case_id: str = item["case_id"]
    return case_id


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    return assert_error(response, status, code)


def test_list_follows_the_list_contract(api: str) -> None:
    body = _cases(api)
    assert body["page"] == {
        "limit": 50,
        "offset": 0,
        "returned": 2,
        "total": 2,
        "has_more": False,
        "applied_limit": 50,
    }
    assert body["sort"] == {"sort_by": "created_at_utc", "sort_dir": "desc"}
    assert body["filters"] == {"status": None, "instrument_id": None}
    item = body["items"][0]
    assert set(item) == {
        "case_id",
        "action_id",
        "action_type",
        "instrument_id",
        "conid",
        "symbol",
        "status",
        "owner",
        "resolution_note",
        "resolved_at_utc",
        "quantity_adjustment",
        "cost_adjustment",
        "created_at_utc",
        "updated_at_utc",
    }
    assert "account_id" not in item
    assert {(i["symbol"], i["action_type"], i["status"]) for i in body["items"]} == {
        ("MRGR", "TC", "open"),
        ("OTHR", "TC", "open"),
    }
    page = _cases(api, limit="1", sort_by="status", sort_dir="asc")
    assert (page["page"]["returned"], page["page"]["has_more"]) == (1, True)


def test_list_filters(api: str, database: Database) -> None:
    assert _cases(api, status="resolved")["items"] == []
    mrgr = str(instrument_ids(database)["MRGR"])
    body = _cases(api, instrument_id=mrgr, status="open")
    assert [i["symbol"] for i in body["items"]] == ["MRGR"]
    assert body["filters"] == {"status": "open", "instrument_id": mrgr}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "closed"}, "INVALID_FILTER"),
        ({"instrument_id": "not-a-uuid"}, "INVALID_FILTER"),
        ({"sort_by": "symbol"}, "INVALID_SORT_FIELD"),
        ({"sort_dir": "up"}, "INVALID_SORT_DIRECTION"),
        ({"limit": "0"}, "INVALID_PAGINATION"),
    ],
)
def test_bad_list_parameters_are_400(
    api: str, params: dict[str, str], code: str
) -> None:
    _error(httpx.get(f"{api}{CASES}", params=params), 400, code)


def test_get_one_and_unknown_ids(api: str) -> None:
    case_id = _case_id(api, "MRGR")
    response = httpx.get(f"{api}{CASES}/{case_id}")
    assert response.status_code == 200
    assert (response.json()["case_id"], response.json()["conid"]) == (case_id, "2002")
    _error(httpx.get(f"{api}{CASES}/{uuid.uuid4()}"), 404, "NOT_FOUND")
    _error(
        httpx.post(
            f"{api}{CASES}/{uuid.uuid4()}/resolve", json={"resolution_note": "x"}
        ),
        404,
        "NOT_FOUND",
    )
    _error(httpx.get(f"{api}{CASES}/123"), 400, "INVALID_REQUEST")


def test_resolve_recomputes_its_instrument_only(api: str, database: Database) -> None:
    other_before = snapshots(database, "OTHR")
    case_id = _case_id(api, "MRGR")
    response = httpx.post(
        f"{api}{CASES}/{case_id}/resolve",
        json={
            "resolution_note": "5 ACQR per 10 MRGR, basis carried",
            "owner": "dana",
            "quantity_adjustment": "-10",
            "cost_adjustment": "0",
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    case = body["case"]
    assert (case["status"], case["owner"]) == ("resolved", "dana")
    assert case["resolution_note"] == "5 ACQR per 10 MRGR, basis carried"
    assert case["resolved_at_utc"] is not None
    # Decimals are JSON strings with plain digits.
    assert (case["quantity_adjustment"], case["cost_adjustment"]) == (
        "-10.00000000",
        "0.00000000",
    )
    mrgr = str(instrument_ids(database)["MRGR"])
    assert body["instruments"] == [{"instrument_id": mrgr, "unresolved_cases": 0}]
    rows = snapshots(database, "MRGR")
    assert rows
    assert not any(r["provisional"] or r["unresolved_cases"] for r in rows)
    assert snapshots(database, "OTHR") == other_before
    assert [i["symbol"] for i in _cases(api, status="open")["items"]] == ["OTHR"]

    again = httpx.post(
        f"{api}{CASES}/{case_id}/resolve", json={"resolution_note": "again"}
    )
    _error(again, 409, "CASE_ALREADY_CLOSED")
    _error(
        httpx.post(f"{api}{CASES}/{case_id}/dismiss", json={"resolution_note": "x"}),
        409,
        "CASE_ALREADY_CLOSED",
    )


def test_dismiss(api: str) -> None:
    case_id = _case_id(api, "OTHR")
    response = httpx.post(
        f"{api}{CASES}/{case_id}/dismiss",
        json={"resolution_note": "informational only"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    case = response.json()["case"]
    assert (case["status"], case["owner"], case["cost_adjustment"]) == (
        "dismissed",
        None,
        None,
    )
    assert response.json()["instruments"][0]["unresolved_cases"] == 0


INVALID_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("resolve", {"resolution_note": ""}, "CASE_NOTE_REQUIRED"),
    ("resolve", {"resolution_note": "   "}, "CASE_NOTE_REQUIRED"),
    ("dismiss", {"resolution_note": " "}, "CASE_NOTE_REQUIRED"),
    ("resolve", {}, "INVALID_BODY"),
    ("dismiss", {"owner": "dana"}, "INVALID_BODY"),
    # Decimals travel as strings (SPEC §4: Decimal only); a JSON number is refused.
    ("resolve", {"resolution_note": "x", "cost_adjustment": 1.5}, "INVALID_BODY"),
    ("resolve", {"resolution_note": "x", "cost_adjustment": "abc"}, "INVALID_BODY"),
    (
        "resolve",
        {"resolution_note": "x", "cost_adjustment": "1e30"},
        "INVALID_ADJUSTMENT",
    ),
    # Adjustments belong to a resolution only.
    ("dismiss", {"resolution_note": "x", "cost_adjustment": "1"}, "INVALID_BODY"),
]


def test_refused_requests_change_nothing(api: str, database: Database) -> None:
    case_id = _case_id(api, "MRGR")
    for action, body, code in INVALID_BODIES:
        response = httpx.post(f"{api}{CASES}/{case_id}/{action}", json=body)
        _error(response, 422, code)
    with database.run_lock():
        busy = httpx.post(
            f"{api}{CASES}/{case_id}/resolve", json={"resolution_note": "done"}
        )
    assert _error(busy, 409, "RUN_ALREADY_ACTIVE")["detail"] == "run already active"
    assert httpx.get(f"{api}{CASES}/{case_id}").json()["status"] == "open"
