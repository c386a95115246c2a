"""`GET /health` over real HTTP: 200 when healthy, 503 with a reason otherwise."""

from __future__ import annotations

import httpx

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.migration import head_revision
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry


def _context(database: Database) -> AppContext:
    return AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )


def test_healthy_database_answers_200(database: Database) -> None:
    with serve_in_thread(create_app(_context(database))) as base_url:
        response = httpx.get(f"{base_url}/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": "ok",
        "schema": {
            "current": head_revision(),
            "head": head_revision(),
            "at_head": True,
        },
        "reason": None,
    }


def test_unreachable_database_answers_503_with_the_reason() -> None:
    # Nothing listens on port 1; the password must not reach the response.
    database = Database("postgresql+psycopg://ledger:pw-secret@127.0.0.1:1/flexledger")
    try:
        with serve_in_thread(create_app(_context(database))) as base_url:
            response = httpx.get(f"{base_url}/health", timeout=30)
    finally:
        database.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "unreachable"
    assert body["schema"] is None
    assert "unreachable" in body["reason"]
    assert (
        "Connection refused" in body["reason"] or "connection" in body["reason"].lower()
    )
    assert "pw-secret" not in response.text


def test_schema_behind_head_answers_503_naming_the_command(
    blank_database_url: str,
) -> None:
    database = Database(blank_database_url)
    try:
        with serve_in_thread(create_app(_context(database))) as base_url:
            response = httpx.get(f"{base_url}/health")
    finally:
        database.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["schema"] == {
        "current": None,
        "head": head_revision(),
        "at_head": False,
    }
    assert "flexledger db upgrade" in body["reason"]


def test_unknown_routes_use_the_spec_error_body(database: Database) -> None:
    with serve_in_thread(create_app(_context(database))) as base_url:
        response = httpx.get(f"{base_url}/no-such-page")
    assert response.json() == {
        "error": "NOT_FOUND",
        "detail": "Not Found",
        "hint": None,
    }
    assert_error(response, 404, "NOT_FOUND")


def test_creating_the_app_opens_no_connection() -> None:
    # A factory, not an import-time engine: building the app must not touch the DB.
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        app = create_app(_context(database))
    finally:
        database.dispose()
    assert app.title == "ibkr-flex-ledger"
