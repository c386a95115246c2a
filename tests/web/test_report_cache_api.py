"""Report answers kept as bytes follow writes made through another handle."""

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
from flexledger.jobs.labels import assign_label, create_label
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.instruments import import_uabean
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry


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


def _get(api: str, path: str, **params: str) -> httpx.Response:
    response = httpx.get(f"{api}{path}", params=params)
    assert response.status_code == 200, response.text
    return response


def _names(body: dict[str, Any]) -> list[str | None]:
    return [item["label_name"] for item in body["items"]]


def test_by_label_answer_follows_memberships_edited_elsewhere(
    api: str, other: Database, ids: dict[str, uuid.UUID]
) -> None:
    first = _get(api, "/reports/pnl/by-label")
    second = _get(api, "/reports/pnl/by-label")
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"
    assert _names(first.json()) == [None]
    label = create_label(other, "Core")
    assign_label(other, ids["LVGO"], label.label_id)
    assert "Core" in _names(_get(api, "/reports/pnl/by-label").json())
    only = _get(api, "/reports/pnl/by-instrument", label_id=str(label.label_id))
    assert [i["instrument_id"] for i in only.json()["items"]] == [str(ids["LVGO"])]


@pytest.mark.parametrize(
    "path",
    [
        "/reports/pnl/by-instrument",
        "/reports/pnl/by-label",
        "/reports/reconciliation/diff",
    ],
)
def test_csv_answers_are_passed_through(api: str, path: str) -> None:
    for _ in range(2):
        response = _get(api, path, format="csv")
        assert response.headers["content-type"].startswith("text/csv")
    assert _get(api, path).headers["content-type"] == "application/json"


def test_a_refused_query_is_not_kept(api: str) -> None:
    for _ in range(2):
        response = httpx.get(f"{api}/reports/coverage", params={"format": "csv"})
        assert response.status_code == 400
