"""The P&L reports API over real HTTP: the list contract, filters, label rollups."""

from __future__ import annotations

import csv
import io
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
from tests.analytics.test_csv_v1 import INSTRUMENT_HEADER, LABEL_HEADER
from tests.fixtures.api_errors import assert_error
from tests.fixtures.instruments import import_uabean, label_with_note
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

BY_INSTRUMENT = "/reports/pnl/by-instrument"
BY_LABEL = "/reports/pnl/by-label"
_SUMMED = (
    "realized_pnl",
    "unrealized_pnl",
    "total_pnl",
    "fees",
    "withholding_tax",
    "dividends",
    "other_fees",
    "economic_pnl",
)


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


def _get(api: str, path: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{api}{path}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(api: str, path: str, code: str, **params: str) -> None:
    assert_error(httpx.get(f"{api}{path}", params=params), 400, code)


def test_by_instrument_follows_the_list_contract(
    api: str, ids: dict[str, uuid.UUID]
) -> None:
    body = _get(api, BY_INSTRUMENT)
    assert body["page"] == {
        "limit": 50,
        "offset": 0,
        "returned": 7,
        "total": 7,
        "has_more": False,
        "applied_limit": 50,
    }
    assert body["sort"] == {"sort_by": "symbol", "sort_dir": "asc"}
    assert body["filters"] == {
        "report_date_from": None,
        "report_date_to": None,
        "instrument_id": None,
        "label_id": None,
    }
    agg = next(i for i in body["items"] if i["symbol"] == "AGG")
    assert agg == {
        "report_date_local": "2000-10-07",
        "instrument_id": str(ids["AGG"]),
        "conid": "25985141",
        "symbol": "AGG",
        "currency": "USD",
        "position_qty": "25.00000000",
        "cost_basis": "2932.08333333",
        "realized_pnl": "4.71965181",
        "unrealized_pnl": "28.66666667",
        "total_pnl": "33.38631848",
        "fees": "-2.01368152",
        "withholding_tax": "0.00000000",
        "dividends": "0.00000000",
        "other_fees": "0.00000000",
        "economic_pnl": "33.38631848",
        "provisional": True,
        "unresolved_cases": 0,
        "diagnostic_codes": ["EOD_MARK_FALLBACK_LAST_TRADE"],
    }
    lvgo = next(i for i in body["items"] if i["symbol"] == "LVGO")
    assert lvgo["unresolved_cases"] == 1
    assert lvgo["provisional"] is True

    paged = _get(api, BY_INSTRUMENT, sort_by="total_pnl", sort_dir="desc", limit="2")
    assert [i["symbol"] for i in paged["items"]] == ["AGG", "BRK B"]
    assert paged["page"]["has_more"] is True
    assert paged["page"]["total"] == 7


def test_by_instrument_filters(api: str, ids: dict[str, uuid.UUID]) -> None:
    body = _get(
        api,
        BY_INSTRUMENT,
        report_date_from="2000-06-01",
        report_date_to="2000-06-30",
        instrument_id=str(ids["AGG"]),
    )
    (agg,) = body["items"]
    assert (agg["report_date_local"], agg["fees"]) == ("2000-06-21", "-1.01368152")
    assert agg["provisional"] is False
    assert body["filters"]["report_date_from"] == "2000-06-01"
    assert body["filters"]["instrument_id"] == str(ids["AGG"])


def test_by_label_sums_its_instruments(
    api: str, database: Database, ids: dict[str, uuid.UUID]
) -> None:
    bonds = label_with_note(database, ids["AGG"], "bonds", "fixed income")
    instruments = {i["instrument_id"]: i for i in _get(api, BY_INSTRUMENT)["items"]}
    body = _get(api, BY_LABEL)
    assert body["sort"] == {"sort_by": "label_name", "sort_dir": "asc"}
    assert [i["label_name"] for i in body["items"]] == ["bonds", None]
    for item in body["items"]:
        members = [instruments[m] for m in item["instrument_ids"]]
        assert item["instrument_count"] == len(members)
        for field in _SUMMED:
            expected = sum((Decimal(m[field]) for m in members), Decimal(0))
            assert Decimal(item[field]) == expected, field
    assert body["items"][0]["label_id"] == str(bonds)
    assert body["items"][1]["label_id"] is None

    one = _get(api, BY_LABEL, label_id=str(bonds))
    assert [i["label_name"] for i in one["items"]] == ["bonds"]
    assert one["filters"]["label_id"] == str(bonds)
    by_instrument = _get(api, BY_INSTRUMENT, label_id=str(bonds))
    assert [i["symbol"] for i in by_instrument["items"]] == ["AGG"]


def test_bad_parameters_answer_400(api: str) -> None:
    for path in (BY_INSTRUMENT, BY_LABEL):
        _error(api, path, "INVALID_PAGINATION", limit="0")
        _error(api, path, "INVALID_PAGINATION", offset="-1")
        _error(api, path, "INVALID_SORT_FIELD", sort_by="nope")
        _error(api, path, "INVALID_SORT_DIRECTION", sort_dir="up")
        _error(api, path, "INVALID_FILTER", report_date_from="2000-13-01")
        _error(api, path, "INVALID_FILTER", instrument_id="not-a-uuid")
        _error(api, path, "INVALID_FILTER", label_id="x")
        _error(
            api,
            path,
            "INVALID_FILTER",
            report_date_from="2000-06-02",
            report_date_to="2000-06-01",
        )


def _csv(api: str, path: str, **params: str) -> list[list[str]]:
    response = httpx.get(f"{api}{path}", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["x-schema-version"] == "v1"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.text.endswith("\r\n")
    return list(csv.reader(io.StringIO(response.text, newline="")))


def test_by_instrument_csv_has_every_row(api: str) -> None:
    # limit/offset do not page the CSV: it carries every matching row.
    rows = _csv(api, BY_INSTRUMENT, limit="2", offset="1")
    assert tuple(rows[0]) == INSTRUMENT_HEADER
    assert len(rows) - 1 == _get(api, BY_INSTRUMENT)["page"]["total"]
    symbols = [item["symbol"] for item in _get(api, BY_INSTRUMENT)["items"]]
    assert [row[3] for row in rows[1:]] == symbols


def test_by_label_csv_has_every_row(
    api: str, database: Database, ids: dict[str, uuid.UUID]
) -> None:
    label_with_note(database, ids["AGG"], "bonds", "fixed income")
    rows = _csv(api, BY_LABEL)
    assert tuple(rows[0]) == LABEL_HEADER
    assert len(rows) - 1 == _get(api, BY_LABEL)["page"]["total"]
    assert [row[2] for row in rows[1:]] == ["bonds", ""]


def test_unknown_format_answers_400(api: str) -> None:
    for path in (BY_INSTRUMENT, BY_LABEL):
        _error(api, path, "INVALID_FILTER", format="xlsx")
        _error(api, path, "INVALID_FILTER", format="CSV")
