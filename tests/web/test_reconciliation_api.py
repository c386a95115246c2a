"""The reconciliation diff API over real HTTP, on two real statements.

uabean has closing trades with `fifoPnlRealized` and a withholding row; PP File17
has IBKR's FIFO and MTM performance summaries and open positions (history
older than the file, so our basis is IBKR's: agreement is flagged as such).
"""

from __future__ import annotations

import csv
import io
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
from tests.analytics.test_csv_v1 import DIFF_HEADER
from tests.fixtures.api_errors import assert_error
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.instruments import UABEAN, import_statement
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

DIFF = "/reports/reconciliation/diff"
FILE17 = FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile17.xml"


def _serve(database: Database) -> AppContext:
    return AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )


@pytest.fixture(params=[UABEAN, FILE17], ids=["uabean", "file17"])
def statement(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture
def api(database: Database, clean_env: Path, statement: Path) -> Iterator[str]:
    yield from _served(database, statement)


@pytest.fixture
def uabean_api(database: Database, clean_env: Path) -> Iterator[str]:
    yield from _served(database, UABEAN)


@pytest.fixture
def file17_api(database: Database, clean_env: Path) -> Iterator[str]:
    yield from _served(database, FILE17)


def _served(database: Database, statement: Path) -> Iterator[str]:
    import_statement(database, statement)
    with serve_in_thread(create_app(_serve(database))) as base_url:
        yield base_url


def _all(api: str, **params: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{api}{DIFF}", params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["page"]["total"] == body["page"]["returned"]
    items: list[dict[str, Any]] = body["items"]
    return items


EXPECTED_METRICS = {
    UABEAN.name: {"realized_pnl", "withholding_tax"},
    FILE17.name: {"realized_pnl", "unrealized_pnl", "fees", "position_qty"},
}


def test_every_metric_is_listed_with_a_verdict_and_reasons(
    api: str, statement: Path
) -> None:
    rows = _all(api)
    assert {r["metric"] for r in rows} == EXPECTED_METRICS[statement.name]
    for row in rows:
        assert isinstance(row["within_tolerance"], bool)
        assert isinstance(row["unresolved_cases"], int)
        assert Decimal(row["tolerance_abs"]) in {Decimal("0.01"), Decimal("0.000001")}
        assert row["formula_context"]
        assert row["source_raw_record_id"], row
        if not row["within_tolerance"]:
            assert row["reason_code"], row
    # Neither statement has a difference we cannot explain.
    assert all(r["reason_code"] != "unexplained" for r in rows)


def test_uabean_trades_agree_with_fifo_pnl_realized(uabean_api: str) -> None:
    api = uabean_api
    trades = _all(api, metric="realized_pnl")
    assert {r["symbol"] for r in trades} == {"BRK B", "AGG"}
    assert all(r["within_tolerance"] for r in trades)
    assert all(r["source_event_id"] for r in trades)
    # BRK B was opened before the statement: IBKR's basis, said so.
    assert {r["reason_code"] for r in trades if r["symbol"] == "BRK B"} == {
        "missing_opening_lot"
    }
    (withholding,) = _all(api, metric="withholding_tax")
    assert (withholding["symbol"], withholding["broker_value"]) == ("VWOB", "-0.53")


def test_file17_summaries_match_through_ibkr_basis(file17_api: str) -> None:
    api = file17_api
    rows = _all(api)
    # 11 stocks (the 2 options are outside the ledger): 3 summary metrics and
    # one position check each.
    assert len(rows) == 11 * 4
    unrealized = {r["symbol"]: r for r in rows if r["metric"] == "unrealized_pnl"}
    assert unrealized["AMC"]["broker_value"] == "-465.69"
    assert unrealized["AMC"]["economic_value"] == "-465.69"
    assert all(r["reason_code"] == "missing_opening_lot" for r in unrealized.values())
    assert all(r["provisional"] for r in unrealized.values())
    assert all(r["within_tolerance"] for r in rows)


def test_filters_and_the_economic_mode(api: str) -> None:
    everything = _all(api)
    failing = _all(api, within_tolerance="false")
    assert failing == [r for r in everything if not r["within_tolerance"]]
    economic = _all(api, mode="economic")
    assert len(economic) == len(everything)
    body = httpx.get(f"{api}{DIFF}", params={"mode": "economic"}).json()
    assert body["filters"]["mode"] == "economic"
    first = everything[0]
    one = _all(api, instrument_id=first["instrument_id"])
    assert {r["instrument_id"] for r in one} == {first["instrument_id"]}
    day = first["report_date_local"]
    dated = _all(api, report_date_from=day, report_date_to=day)
    assert {r["report_date_local"] for r in dated} == {day}


def test_csv_has_the_v1_columns(api: str) -> None:
    response = httpx.get(f"{api}{DIFF}", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["x-schema-version"] == "v1"
    table = list(csv.reader(io.StringIO(response.text)))
    assert tuple(table[0]) == DIFF_HEADER
    assert len(table) - 1 == len(_all(api))


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"mode": "tax"}, "INVALID_FILTER"),
        ({"metric": "nav"}, "INVALID_FILTER"),
        ({"within_tolerance": "maybe"}, "INVALID_FILTER"),
        ({"report_date_from": "2024-02-30"}, "INVALID_FILTER"),
        ({"sort_by": "conid"}, "INVALID_SORT_FIELD"),
        ({"limit": "0"}, "INVALID_PAGINATION"),
        ({"format": "xlsx"}, "INVALID_FILTER"),
    ],
)
def test_bad_parameters_are_400(api: str, params: dict[str, str], code: str) -> None:
    assert_error(httpx.get(f"{api}{DIFF}", params=params), 400, code)


def test_a_file17_row_traces_to_its_open_positions_row(file17_api: str) -> None:
    (amc,) = _all(file17_api, metric="position_qty", within_tolerance="true")[:1]
    body = httpx.get(
        f"{file17_api}/reports/provenance",
        params={"instrument_id": amc["instrument_id"]},
    ).json()
    # No trade in the file: the figures rest on IBKR's own position row.
    assert body["items"] == []
    (row,) = body["position_rows"]
    assert row["raw_record_id"] == amc["source_raw_record_id"]
    assert row["attributes"]["position"] == "31"
