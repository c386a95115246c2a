"""Error classes map to HTTP statuses and the SPEC §12 body in one place."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from flexledger.domain.errors import (
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    FlexLedgerError,
    NotFoundError,
)
from flexledger.web.errors import install_error_handlers, status_for
from tests.fixtures.api_errors import assert_error
from tests.fixtures.live_server import serve_in_thread


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError(), 404),
        (ConflictError(), 409),
        (ConfigError(), 400),
        (DatabaseUnavailableError(), 503),
        (FlexLedgerError(), 500),
    ],
)
def test_status_for_each_error_family(error: FlexLedgerError, status: int) -> None:
    assert status_for(error) == status


class _Item(BaseModel):
    name: str
    quantity: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/conflict")
    def conflict() -> None:
        raise ConflictError("run already active", hint="Wait for the run to finish.")

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.post("/items")
    def create(item: _Item) -> dict[str, str]:
        return {"name": item.name}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret-ish internals")

    return app


def test_domain_errors_render_the_envelope() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.get(f"{base_url}/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "error": "CONFLICT",
        "detail": "run already active",
        "hint": "Wait for the run to finish.",
    }


def test_a_bad_path_parameter_answers_400_with_the_field() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.get(f"{base_url}/items/not-a-number")
    body = assert_error(response, 400, "INVALID_REQUEST")
    assert body["fields"][0]["field"] == "item_id"
    assert body["fields"][0]["location"] == "path.item_id"


def test_a_bad_body_answers_422_naming_every_field() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.post(f"{base_url}/items", json={"quantity": "many"})
    body = assert_error(response, 422, "INVALID_BODY")
    assert {f["field"] for f in body["fields"]} == {"name", "quantity"}
    assert "name" in body["detail"]
    assert "quantity" in body["detail"]


def test_an_unexpected_error_answers_500_without_its_message() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.get(f"{base_url}/boom")
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret-ish" not in response.text
    assert body["hint"]
