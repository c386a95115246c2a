"""`GET /reports/provenance` over real HTTP: the forms, 400/404 and pagination."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.tables import LedgerCheckRow, PnlSnapshotDailyRow
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.instruments import import_uabean
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

PROVENANCE = "/reports/provenance"


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


def _get(api: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{api}{PROVENANCE}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(api: str, status: int, code: str, **params: str) -> None:
    assert_error(httpx.get(f"{api}{PROVENANCE}", params=params), status, code)


def test_instrument_form_pages_events_with_raw_rows(
    api: str, ids: dict[str, uuid.UUID]
) -> None:
    aapl = str(ids["AAPL"])
    body = _get(api, instrument_id=aapl)
    total = body["page"]["total"]
    assert total >= 2
    assert body["sort"] == {"sort_by": "report_date_local", "sort_dir": "asc"}
    assert body["filters"]["instrument_id"] == aapl
    dates = [item["report_date_local"] for item in body["items"]]
    assert dates == sorted(dates)
    # uabean has no OpenPositions section: no position row to show.
    assert body["position_rows"] == []
    item = body["items"][0]
    assert item["instrument_id"] == aapl
    assert isinstance(item["quantity"] or "", str)
    raw = item["raw_records"][0]
    assert set(raw) >= {
        "section_name",
        "source_row_ref",
        "attributes",
        "raw_artifact_id",
        "payload_sha256",
        "artifact_created_at_utc",
        "ingestion_run_id",
        "run_type",
        "run_started_at_utc",
    }
    assert all(isinstance(v, str) for v in raw["attributes"].values())

    first = _get(api, instrument_id=aapl, limit="1")
    second = _get(api, instrument_id=aapl, limit="1", offset="1")
    assert first["page"]["returned"] == 1
    assert first["page"]["has_more"] is True
    assert [first["items"][0]["event_id"], second["items"][0]["event_id"]] == [
        i["event_id"] for i in body["items"][:2]
    ]
    newest = _get(api, instrument_id=aapl, sort_dir="desc")
    assert newest["items"][0]["event_id"] == body["items"][-1]["event_id"]

    ranged = _get(
        api, instrument_id=aapl, report_date_from=dates[-1], report_date_to=dates[-1]
    )
    assert 1 <= ranged["page"]["total"] <= total
    assert {i["report_date_local"] for i in ranged["items"]} == {dates[-1]}


def test_event_snapshot_and_check_forms(
    api: str, database: Database, ids: dict[str, uuid.UUID]
) -> None:
    event = _get(api, instrument_id=str(ids["AAPL"]), limit="1")["items"][0]
    one = _get(api, event_kind=event["event_kind"], event_id=event["event_id"])
    assert one["page"]["total"] == 1
    assert one["items"][0] == event

    with database.unit_of_work() as uow:
        snapshot = uow.session.scalars(
            select(PnlSnapshotDailyRow).where(
                PnlSnapshotDailyRow.instrument_id == ids["AAPL"]
            )
        ).first()
        check = uow.session.scalars(select(LedgerCheckRow)).first()
        assert snapshot is not None
        day = snapshot.report_date_local.isoformat()
        snapshot_id = str(snapshot.pnl_snapshot_daily_id)
        check_id = str(check.ledger_check_id) if check else None
        check_fill = check.event_trade_fill_id if check else None
    traced = _get(api, snapshot_id=snapshot_id)
    assert traced["page"]["total"] >= 1
    assert all(i["report_date_local"] <= day for i in traced["items"])
    if check_id is not None:
        checked = _get(api, check_id=check_id)
        assert checked["page"]["total"] >= 1
        if check_fill is not None:
            assert checked["items"][0]["event_id"] == str(check_fill)


def test_bad_forms_are_400_and_unknown_ids_404(
    api: str, ids: dict[str, uuid.UUID]
) -> None:
    unknown = str(uuid.uuid4())
    _error(api, 400, "INVALID_FILTER")
    _error(api, 400, "INVALID_FILTER", instrument_id="nope")
    _error(api, 400, "INVALID_FILTER", event_kind="trade_fill")
    _error(api, 400, "INVALID_FILTER", event_kind="bogus", event_id=unknown)
    _error(api, 400, "INVALID_FILTER", snapshot_id=unknown, check_id=unknown)
    _error(
        api, 400, "INVALID_FILTER", snapshot_id=unknown, report_date_from="2000-01-01"
    )
    _error(
        api, 400, "INVALID_FILTER", instrument_id=unknown, report_date_to="yesterday"
    )
    _error(api, 400, "INVALID_PAGINATION", instrument_id=unknown, limit="0")
    _error(api, 400, "INVALID_SORT_FIELD", instrument_id=unknown, sort_by="amount")
    _error(api, 404, "NOT_FOUND", instrument_id=unknown)
    _error(api, 404, "NOT_FOUND", event_kind="trade_fill", event_id=unknown)
    _error(api, 404, "NOT_FOUND", snapshot_id=unknown)
    _error(api, 404, "NOT_FOUND", check_id=unknown)
