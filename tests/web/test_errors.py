"""Error classes map to HTTP statuses and the SPEC §12 body in one place."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from flexledger.domain.errors import (
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    FlexLedgerError,
    NotFoundError,
)
from flexledger.web.errors import install_error_handlers, status_for
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


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/conflict")
    def conflict() -> None:
        raise ConflictError("run already active", hint="Wait for the run to finish.")

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    return app


def test_domain_errors_render_the_spec_body() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.get(f"{base_url}/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "status": "error",
        "code": "CONFLICT",
        "message": "run already active",
        "hint": "Wait for the run to finish.",
    }


def test_request_validation_answers_400_not_422() -> None:
    with serve_in_thread(_app()) as base_url:
        response = httpx.get(f"{base_url}/items/not-a-number")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID_REQUEST"
    assert body["details"][0]["location"] == "path.item_id"
