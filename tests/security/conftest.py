"""Serving the app with security settings, the route inventory, a database hash.

The route inventory comes from the app itself (every APIRoute, page or API) and
is checked against the OpenAPI document, so a new route is covered by the CSRF,
auth, header and GET-mutation tests without being listed anywhere.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.base import Base
from flexledger.db.database import Database
from flexledger.db.tables import (
    CorpActionCaseRow,
    EventTradeFillRow,
    IngestionRunRow,
    InstrumentRow,
    LabelRow,
    NoteRow,
    RawRecordRow,
)
from flexledger.domain.passwords import hash_password
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.instruments import import_uabean, label_with_note
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

PASSWORD = "correct horse battery staple"
# A test hash is cheap to check; the cost parameters are read from the hash.
PASSWORD_HASH = hash_password(PASSWORD, n=2**10, r=8, p=1)
API_TOKEN = "test-api-token-" + "x" * 32
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIGURES = pytest.StashKey[list[str]]()
"""One line per figure the closing note quotes (routes checked, canary hits)."""
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> list[str]:
    """Lines for the "security figures" section of the terminal summary."""
    return request.config.stash.setdefault(FIGURES, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("security figures")
        for line in lines:
            terminalreporter.write_line(line)


@dataclass
class Served:
    """The app on loopback: its URL, the FastAPI object and its database."""

    url: str
    app: FastAPI
    database: Database


@contextmanager
def serve(database: Database, **settings: Any) -> Iterator[Served]:
    """Serve the app over `database` with `settings` (no `.env`)."""
    context = AppContext(
        settings=load_settings(_env_file=None, **settings),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    app = create_app(context)
    with serve_in_thread(app) as url:
        yield Served(url, app, database)


AUTH_SETTINGS: dict[str, Any] = {
    "flexledger_admin_password_hash": PASSWORD_HASH,
    "flexledger_api_token": API_TOKEN,
}


@pytest.fixture
def populated(database: Database, clean_env: Path) -> Database:
    """A database with a statement (with an open case), a label with a note."""
    ids = import_uabean(database)
    label_with_note(database, ids["AAPL"], "Core", "a note")
    return database


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves, HEAD left out."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.update((m, route.path) for m in route.methods or () if m != "HEAD")
    # The document's operations are all among them (the pages are not in it).
    document = app.openapi()
    for path, item in document["paths"].items():
        for method in item:
            assert (method.upper(), path) in found, (method, path)
    return sorted(found)


def documented_refusal(app: FastAPI, method: str, template: str, status: str) -> None:
    """The middleware's refusal is in the document, as the error envelope."""
    operation = app.openapi()["paths"][template][method.lower()]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, template)
    assert operation["security"], (method, template)


def sample_ids(database: Database) -> dict[str, str]:
    """A real id for each path parameter name the routes use."""
    columns = {
        "ingestion_run_id": IngestionRunRow.ingestion_run_id,
        "run_id": IngestionRunRow.ingestion_run_id,
        "case_id": CorpActionCaseRow.case_id,
        "instrument_id": InstrumentRow.instrument_id,
        "label_id": LabelRow.label_id,
        "note_id": NoteRow.note_id,
        "raw_record_id": RawRecordRow.raw_record_id,
        "event_id": EventTradeFillRow.event_trade_fill_id,
    }
    ids = {}
    with database.unit_of_work() as uow:
        for name, column in columns.items():
            value = uow.session.execute(select(column).limit(1)).scalar()
            ids[name] = str(value or uuid.uuid4())
    return ids


def fill(path: str, ids: dict[str, str]) -> str:
    """`path` with each `{name}` replaced by a known id (else a random one)."""
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def database_hash(database: Database) -> str:
    """SHA-256 over every row of every table, in a stable order."""
    digest = hashlib.sha256()
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = sorted(
                repr(tuple(row)) for row in connection.execute(table.select())
            )
            digest.update(table.name.encode())
            for row in rows:
                digest.update(row.encode())
    return digest.hexdigest()


def csrf_token(page: httpx.Response) -> str:
    """The CSRF token a rendered page's forms carry."""
    found = _CSRF_FIELD.search(page.text)
    assert found, page.text[:500]
    assert found.group(1), page.text[:500]
    return found.group(1)


def sign_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the login form, as a browser does."""
    token = csrf_token(client.get("/ui/login"))
    return client.post(
        "/ui/login", data={"password": password, "csrf_token": token, "next": "/ui/"}
    )
