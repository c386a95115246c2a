"""The labels and notes API over real HTTP: CRUD, assignment, list contract."""

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
from flexledger.db.tables import EventTradeFillRow
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.corporate import import_cases_statement, instrument_ids
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry


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


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    return assert_error(response, status, code)


def _label(api: str, name: str, **fields: str) -> dict[str, Any]:
    return _ok(httpx.post(f"{api}/labels", json={"name": name, **fields}), 201)


def _trade_fill_id(database: Database) -> str:
    with database.unit_of_work() as uow:
        first = uow.session.scalars(
            select(EventTradeFillRow.event_trade_fill_id).order_by(
                EventTradeFillRow.event_trade_fill_id
            )
        ).first()
    return str(first)


def test_labels_crud_and_the_list_contract(api: str) -> None:
    growth = _label(api, "Growth", color="#00aa00")
    assert set(growth) == {
        "label_id",
        "name",
        "color",
        "instrument_count",
        "created_at_utc",
        "updated_at_utc",
    }
    assert (growth["name"], growth["color"], growth["instrument_count"]) == (
        "Growth",
        "#00aa00",
        0,
    )
    _label(api, "income")
    _label(api, "Tax 2025")
    body = _ok(httpx.get(f"{api}/labels"))
    assert [i["name"] for i in body["items"]] == ["Growth", "income", "Tax 2025"]
    assert body["page"] == {
        "limit": 50,
        "offset": 0,
        "returned": 3,
        "total": 3,
        "has_more": False,
        "applied_limit": 50,
    }
    assert body["sort"] == {"sort_by": "name", "sort_dir": "asc"}
    assert body["filters"] == {"search": None}
    page = _ok(
        httpx.get(
            f"{api}/labels",
            params={"sort_by": "created_at_utc", "sort_dir": "desc", "limit": "1"},
        )
    )
    assert ([i["name"] for i in page["items"]], page["page"]["has_more"]) == (
        ["Tax 2025"],
        True,
    )
    found = _ok(httpx.get(f"{api}/labels", params={"search": "COM"}))
    assert ([i["name"] for i in found["items"]], found["filters"]) == (
        ["income"],
        {"search": "COM"},
    )

    url = f"{api}/labels/{growth['label_id']}"
    renamed = _ok(httpx.patch(url, json={"name": "Momentum"}))
    assert (renamed["name"], renamed["color"]) == ("Momentum", "#00aa00")
    cleared = _ok(httpx.patch(url, json={"color": None}))
    assert (cleared["name"], cleared["color"]) == ("Momentum", None)
    _error(httpx.patch(url, json={}), 422, "INVALID_LABEL")
    _error(httpx.patch(url, json={"name": "  "}), 422, "INVALID_LABEL")
    _error(httpx.patch(url, json={"colour": "red"}), 422, "INVALID_BODY")


def test_duplicate_names_conflict_whatever_their_case(api: str) -> None:
    _label(api, "Growth")
    value = _label(api, "Value")
    body = _error(
        httpx.post(f"{api}/labels", json={"name": "GROWTH"}), 409, "DUPLICATE_LABEL"
    )
    assert "Growth" in body["detail"]
    _error(
        httpx.patch(f"{api}/labels/{value['label_id']}", json={"name": "growth"}),
        409,
        "DUPLICATE_LABEL",
    )
    _error(httpx.post(f"{api}/labels", json={"name": ""}), 422, "INVALID_LABEL")
    _error(httpx.post(f"{api}/labels", json={}), 422, "INVALID_BODY")


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/labels", {"sort_by": "color"}, "INVALID_SORT_FIELD"),
        ("/labels", {"sort_dir": "up"}, "INVALID_SORT_DIRECTION"),
        ("/labels", {"offset": "-1"}, "INVALID_PAGINATION"),
        ("/notes", {"sort_by": "content"}, "INVALID_SORT_FIELD"),
        ("/notes", {"limit": "0"}, "INVALID_PAGINATION"),
        ("/notes", {"instrument_id": "x"}, "INVALID_FILTER"),
        ("/notes", {"event_id": "x"}, "INVALID_FILTER"),
        ("/notes", {"created_from": "yesterday"}, "INVALID_FILTER"),
    ],
)
def test_bad_list_parameters_are_400(
    api: str, path: str, params: dict[str, str], code: str
) -> None:
    _error(httpx.get(f"{api}{path}", params=params), 400, code)


def test_assignment_is_idempotent_and_delete_reports_what_it_removed(
    api: str, database: Database
) -> None:
    ids = instrument_ids(database)
    label = _label(api, "Growth")
    label_id = label["label_id"]
    for symbol in ("SPLT", "MRGR"):
        url = f"{api}/instruments/{ids[symbol]}/labels/{label_id}"
        first = _ok(httpx.post(url))
        assert first == {
            "instrument_id": str(ids[symbol]),
            "label_id": label_id,
            "assigned": True,
            "changed": True,
        }
        assert _ok(httpx.post(url))["changed"] is False
    assert _ok(httpx.get(f"{api}/labels"))["items"][0]["instrument_count"] == 2
    url = f"{api}/instruments/{ids['MRGR']}/labels/{label_id}"
    assert _ok(httpx.delete(url))["changed"] is True
    again = _ok(httpx.delete(url))
    assert (again["assigned"], again["changed"]) == (False, False)
    for method in (httpx.post, httpx.delete):
        _error(
            method(f"{api}/instruments/{uuid.uuid4()}/labels/{label_id}"),
            404,
            "NOT_FOUND",
        )
        _error(
            method(f"{api}/instruments/{ids['SPLT']}/labels/{uuid.uuid4()}"),
            404,
            "NOT_FOUND",
        )

    _ok(httpx.post(f"{api}/notes", json={"content": "why", "label_id": label_id}), 201)
    deleted = _ok(httpx.delete(f"{api}/labels/{label_id}"))
    assert deleted == {
        "label_id": label_id,
        "deleted": True,
        "instrument_assignments_removed": 1,
        "notes_removed": 1,
    }
    _error(httpx.delete(f"{api}/labels/{label_id}"), 404, "NOT_FOUND")
    _error(
        httpx.patch(f"{api}/labels/{label_id}", json={"name": "x"}), 404, "NOT_FOUND"
    )
    assert _ok(httpx.get(f"{api}/notes"))["page"]["total"] == 0


def test_notes_crud_filters_and_targets(api: str, database: Database) -> None:
    ids = instrument_ids(database)
    splt = str(ids["SPLT"])
    event_id = _trade_fill_id(database)
    on_instrument = _ok(
        httpx.post(f"{api}/notes", json={"content": " watch ", "instrument_id": splt}),
        201,
    )
    assert set(on_instrument) == {
        "note_id",
        "instrument_id",
        "label_id",
        "event_kind",
        "event_id",
        "content",
        "created_at_utc",
        "updated_at_utc",
    }
    assert (on_instrument["content"], on_instrument["instrument_id"]) == (
        "watch",
        splt,
    )
    on_event = _ok(
        httpx.post(
            f"{api}/notes",
            json={"content": "fill", "event_kind": "trade_fill", "event_id": event_id},
        ),
        201,
    )
    assert (on_event["event_kind"], on_event["event_id"]) == ("trade_fill", event_id)

    body = _ok(httpx.get(f"{api}/notes"))
    assert body["page"]["total"] == 2
    assert body["sort"] == {"sort_by": "created_at_utc", "sort_dir": "desc"}
    assert body["filters"] == {
        "instrument_id": None,
        "label_id": None,
        "event_id": None,
        "created_from": None,
        "created_to": None,
    }
    by_instrument = _ok(httpx.get(f"{api}/notes", params={"instrument_id": splt}))
    assert [n["note_id"] for n in by_instrument["items"]] == [on_instrument["note_id"]]
    assert by_instrument["filters"]["instrument_id"] == splt
    by_event = _ok(httpx.get(f"{api}/notes", params={"event_id": event_id}))
    assert [n["note_id"] for n in by_event["items"]] == [on_event["note_id"]]
    later = _ok(
        httpx.get(f"{api}/notes", params={"created_from": "2999-01-01T00:00:00Z"})
    )
    assert later["items"] == []
    assert later["filters"]["created_from"] == "2999-01-01T00:00:00+00:00"

    url = f"{api}/notes/{on_instrument['note_id']}"
    edited = _ok(httpx.patch(url, json={"content": "sold half"}))
    assert (edited["content"], edited["created_at_utc"]) == (
        "sold half",
        on_instrument["created_at_utc"],
    )
    _error(httpx.patch(url, json={"content": " "}), 422, "INVALID_NOTE")
    assert _ok(httpx.delete(url)) == {
        "note_id": on_instrument["note_id"],
        "deleted": True,
    }
    _error(httpx.delete(url), 404, "NOT_FOUND")
    _error(httpx.patch(url, json={"content": "x"}), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"content": "x"}, 422, "INVALID_NOTE_TARGET"),
        ({"content": "x", "event_kind": "trade_fill"}, 422, "INVALID_NOTE_TARGET"),
        (
            {"content": "x", "event_kind": "trade", "event_id": str(uuid.uuid4())},
            422,
            "INVALID_NOTE_TARGET",
        ),
        (
            {"content": "x", "event_kind": "fx", "event_id": "1"},
            422,
            "INVALID_NOTE_TARGET",
        ),
        (
            {
                "content": "x",
                "label_id": str(uuid.uuid4()),
                "instrument_id": str(uuid.uuid4()),
            },
            422,
            "INVALID_NOTE_TARGET",
        ),
        ({"content": "x", "instrument_id": str(uuid.uuid4())}, 404, "NOT_FOUND"),
        ({"content": "x", "label_id": str(uuid.uuid4())}, 404, "NOT_FOUND"),
        (
            {"content": "x", "event_kind": "fx", "event_id": str(uuid.uuid4())},
            404,
            "NOT_FOUND",
        ),
        ({"content": "", "instrument_id": str(uuid.uuid4())}, 422, "INVALID_NOTE"),
        ({"text": "x"}, 422, "INVALID_BODY"),
    ],
)
def test_bad_notes_are_refused(
    api: str, body: dict[str, str], status: int, code: str
) -> None:
    _error(httpx.post(f"{api}/notes", json=body), status, code)
