"""The instruments API over real HTTP: the list contract, filters, one in full."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
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
from tests.fixtures.instruments import (
    ACTIVE_SYMBOLS,
    INSTRUMENT_COUNT,
    import_uabean,
    label_with_note,
)
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

INSTRUMENTS = "/instruments"


@pytest.fixture
def ids(database: Database) -> dict[str, uuid.UUID]:
    return import_uabean(database)


@pytest.fixture
def api(
    database: Database, clean_env: Path, ids: dict[str, uuid.UUID]
) -> Iterator[str]:
    context = AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    with serve_in_thread(create_app(context)) as base_url:
        yield base_url


def _list(api: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{api}{INSTRUMENTS}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert_error(response, status, code)


def test_list_follows_the_list_contract(api: str) -> None:
    body = _list(api)
    assert body["page"] == {
        "limit": 50,
        "offset": 0,
        "returned": INSTRUMENT_COUNT,
        "total": INSTRUMENT_COUNT,
        "has_more": False,
        "applied_limit": 50,
    }
    assert body["sort"] == {"sort_by": "symbol", "sort_dir": "asc"}
    assert body["filters"] == {"label_id": None, "search": None, "active_only": False}
    symbols = [i["symbol"] for i in body["items"]]
    assert symbols == sorted(symbols)
    item = body["items"][0]
    assert set(item) == {
        "instrument_id",
        "conid",
        "symbol",
        "isin",
        "cusip",
        "figi",
        "description",
        "asset_category",
        "currency",
        "has_open_position",
        "created_at_utc",
        "updated_at_utc",
    }
    assert "account_id" not in item
    # sort_by alone takes API_DEFAULT_SORT_DIR (asc by default).
    assert _list(api, sort_by="conid")["sort"] == {
        "sort_by": "conid",
        "sort_dir": "asc",
    }
    by_conid = _list(api, sort_by="conid", sort_dir="DESC")
    assert by_conid["sort"] == {"sort_by": "conid", "sort_dir": "desc"}
    conids = [i["conid"] for i in by_conid["items"]]
    assert conids == sorted(conids, reverse=True)
    assert _list(api, sort_by="updated_at_utc", sort_dir="asc")["page"]["total"] == (
        INSTRUMENT_COUNT
    )
    page = _list(api, limit="3", offset="3")
    assert page["page"] == {
        "limit": 3,
        "offset": 3,
        "returned": 3,
        "total": INSTRUMENT_COUNT,
        "has_more": True,
        "applied_limit": 3,
    }
    assert [i["symbol"] for i in page["items"]] == symbols[3:6]
    last = _list(api, limit="3", offset="9")["page"]
    assert (last["returned"], last["has_more"]) == (1, False)
    clamped = _list(api, limit="100000")["page"]
    assert (clamped["limit"], clamped["applied_limit"]) == (100000, 200)


def test_list_filters(api: str, database: Database, ids: dict[str, uuid.UUID]) -> None:
    active = _list(api, active_only="true")
    assert [i["symbol"] for i in active["items"]] == ACTIVE_SYMBOLS
    assert active["filters"]["active_only"] is True
    assert all(i["has_open_position"] for i in active["items"])
    found = _list(api, search="  Apple ")
    assert [i["symbol"] for i in found["items"]] == ["AAPL"]
    assert found["filters"]["search"] == "Apple"
    assert [i["symbol"] for i in _list(api, search="us0846")["items"]] == ["BRK B"]
    label_id = str(label_with_note(database, ids["LVGO"], "health", "watch merger"))
    labelled = _list(api, label_id=label_id)
    assert [i["symbol"] for i in labelled["items"]] == ["LVGO"]
    assert labelled["filters"]["label_id"] == label_id


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"label_id": "not-a-uuid"}, "INVALID_FILTER"),
        ({"active_only": "maybe"}, "INVALID_FILTER"),
        ({"sort_by": "description"}, "INVALID_SORT_FIELD"),
        ({"sort_dir": "up"}, "INVALID_SORT_DIRECTION"),
        ({"limit": "0"}, "INVALID_PAGINATION"),
        ({"offset": "-1"}, "INVALID_PAGINATION"),
        ({"limit": "ten"}, "INVALID_PAGINATION"),
    ],
)
def test_bad_list_parameters_are_400(
    api: str, params: dict[str, str], code: str
) -> None:
    _error(httpx.get(f"{api}{INSTRUMENTS}", params=params), 400, code)


def test_detail_position_equals_open_lots_and_latest_snapshot(
    api: str, database: Database, ids: dict[str, uuid.UUID]
) -> None:
    label_with_note(database, ids["LVGO"], "health", "watch merger")
    response = httpx.get(f"{api}{INSTRUMENTS}/{ids['LVGO']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "instrument",
        "aliases",
        "labels",
        "position",
        "open_lots",
        "latest_snapshot",
        "recent_events",
        "notes",
    }
    assert body["instrument"]["symbol"] == "LVGO"
    position = body["position"]
    lots = body["open_lots"]
    assert isinstance(position["quantity"], str)
    assert Decimal(position["quantity"]) == sum(
        Decimal(lot["remaining_quantity"]) for lot in lots
    )
    assert Decimal(position["cost_basis"]) == sum(
        Decimal(lot["remaining_cost_basis"]) for lot in lots
    )
    assert position["open_lot_count"] == len(lots) == 2
    assert {lot["basis_source"] for lot in lots} == {"lots"}
    assert all(lot["opened_at_utc"] for lot in lots)
    snapshot = body["latest_snapshot"]
    assert snapshot["position_qty"] == position["quantity"]
    assert (snapshot["provisional"], snapshot["unresolved_cases"]) == (True, 1)
    assert "CORP_ACTION_OPEN_CASE" in snapshot["diagnostic_codes"]
    assert all(isinstance(snapshot[k], str) for k in ("realized_pnl", "total_pnl"))
    kinds = {e["kind"] for e in body["recent_events"]}
    assert kinds == {"trade_fill", "corp_action"}
    assert all(uuid.UUID(e["event_id"]) for e in body["recent_events"])
    symbol_alias = next(a for a in body["aliases"] if a["alias_kind"] == "symbol")
    assert symbol_alias["value"] == "LVGO"
    assert symbol_alias["first_seen_local"] == "2000-03-03"
    assert [label["name"] for label in body["labels"]] == ["health"]
    assert [note["content"] for note in body["notes"]] == ["watch merger"]


def test_closed_instrument_and_unknown_ids(api: str, ids: dict[str, uuid.UUID]) -> None:
    body = httpx.get(f"{api}{INSTRUMENTS}/{ids['VWOB']}").json()
    assert body["open_lots"] == []
    assert body["position"]["quantity"] == "0.00000000"
    assert body["latest_snapshot"]["position_qty"] == "0.00000000"
    _error(httpx.get(f"{api}{INSTRUMENTS}/{uuid.uuid4()}"), 404, "NOT_FOUND")
    _error(httpx.get(f"{api}{INSTRUMENTS}/123"), 400, "INVALID_REQUEST")
