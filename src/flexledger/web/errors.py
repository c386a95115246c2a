"""One place that turns errors into HTTP responses.

Every 4xx/5xx answers one JSON envelope: ``{"error": CODE, "detail": what went
wrong, "hint": what to do or null}``; a request whose parameters or body fail
validation adds ``fields``, one entry per offending field. A bad query or path
parameter is 400 (the SPEC §12 codes); a bad request body is 422 with the field
names (the issue overrides SPEC D-10 there).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from flexledger.domain.errors import (
    AuthenticationRequiredError,
    ConfigError,
    ConflictError,
    CrossSiteRequestError,
    DatabaseError,
    FlexLedgerError,
    HostNotAllowedError,
    InvalidRequestError,
    LoginThrottledError,
    NotFoundError,
    StatementReadError,
    StatementTooLargeError,
)

_log = logging.getLogger(__name__)

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[FlexLedgerError], int], ...] = (
    (NotFoundError, 404),
    (StatementTooLargeError, 413),
    (StatementReadError, 422),
    (ConflictError, 409),
    (ConfigError, 400),
    (InvalidRequestError, 400),
    (DatabaseError, 503),
    (AuthenticationRequiredError, 401),
    (CrossSiteRequestError, 403),
    (LoginThrottledError, 429),
    (HostNotAllowedError, 400),
)

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


class FieldProblemOut(BaseModel):
    """One field that failed validation."""

    field: str
    location: str
    problem: str


class ErrorOut(BaseModel):
    """The error envelope of every 4xx/5xx answer."""

    error: str
    detail: str
    hint: str | None = None
    fields: list[FieldProblemOut] | None = None


def status_for(error: FlexLedgerError) -> int:
    """The HTTP status for an error class (500 when nothing more specific fits)."""
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


def error_body(
    code: str,
    detail: str,
    *,
    hint: str = "",
    fields: Sequence[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The error envelope: `error`, `detail`, `hint` (null when none), `fields`?."""
    body: dict[str, Any] = {"error": code, "detail": detail, "hint": hint or None}
    if fields is not None:
        body["fields"] = list(fields)
    return body


_ERROR_MEANINGS = {
    400: "A query or path parameter is not valid (SPEC §12 codes), or the body "
    "cannot be read at all (not UTF-8 JSON, or cut off).",
    401: "AUTHENTICATION_REQUIRED: built-in authentication is on and the request "
    "has neither a signed-in session nor the valid bearer token.",
    403: "CSRF_REJECTED: a state change sent from another site or origin "
    "(Sec-Fetch-Site, Origin), or a form without its token.",
    404: "NOT_FOUND: no such id.",
    409: "The change conflicts with the stored state or an active run.",
    413: "The upload is larger than the limit.",
    422: "The request body is not valid; `fields` names the offending ones.",
    500: "An unexpected error; the server log has the cause.",
    503: "The database is unavailable.",
}

# Every route can fail unexpectedly and every route reads the database.
SERVER_ERRORS = (500, 503)
# A read whose query parameters are parsed by `listing` (400 for a bad one).
QUERY_ERRORS = (400, *SERVER_ERRORS)
# A route on one resource by id: a malformed id is 400, an unknown one 404.
ID_ERRORS = (400, 404, *SERVER_ERRORS)
# A route taking a JSON body: 422 names the bad fields; a body that is not even
# text is refused by the framework as 400.
BODY_ERRORS = (400, 422, *SERVER_ERRORS)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries: each status answers the error envelope."""
    return {
        status: {
            "model": ErrorOut,
            "description": _ERROR_MEANINGS.get(status, "Error."),
        }
        for status in statuses
    }


async def _flexledger_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FlexLedgerError)  # noqa: S101 - registered for this class
    if isinstance(exc, InvalidRequestError) and exc.fields:
        fields = [
            {"field": name, "location": f"body.{name}", "problem": exc.message}
            for name in exc.fields
        ]
        body = error_body(exc.code, exc.message, hint=exc.hint, fields=fields)
        return JSONResponse(body, status_code=422)
    return JSONResponse(
        error_body(exc.code, exc.message, hint=exc.hint), status_code=status_for(exc)
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it
    fields = []
    in_body = False
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        in_body = in_body or location[:1] == ["body"]
        fields.append(
            {
                "field": location[-1] if len(location) > 1 else location[0],
                "location": ".".join(location),
                "problem": str(error["msg"]),
            }
        )
    if in_body:
        body = error_body(
            "INVALID_BODY",
            "The request body is not valid: "
            + ", ".join(f["field"] for f in fields)
            + ".",
            hint="Correct the fields named in `fields` and send it again.",
            fields=fields,
        )
        return JSONResponse(body, status_code=422)
    body = error_body(
        "INVALID_REQUEST",
        "The request is not valid: " + ", ".join(f["field"] for f in fields) + ".",
        fields=fields,
    )
    return JSONResponse(body, status_code=400)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it
    code = _HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    # The message of an unknown exception may carry anything (paths, SQL, a
    # secret in a URL): it goes to the log only, never into the response.
    _log.error("unhandled error", exc_info=exc)
    return JSONResponse(
        error_body(
            "INTERNAL_ERROR",
            "The server hit an unexpected error.",
            hint="The server log has the cause; retry, and report it if it repeats.",
        ),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the one handler per error family on `app`.

    The OpenAPI document is adjusted to match: FastAPI documents its own 422
    body on every route with parameters, which `_validation_error` never sends
    (a bad parameter is 400, a bad body 422, both `ErrorOut`, as each route
    declares through `error_responses`).
    """
    app.add_exception_handler(FlexLedgerError, _flexledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return _without_framework_422(build_openapi())

    app.openapi = openapi  # type: ignore[method-assign]


_FRAMEWORK_422 = "#/components/schemas/HTTPValidationError"


def _without_framework_422(document: dict[str, Any]) -> dict[str, Any]:
    """Drop FastAPI's default 422 entries and their schemas (idempotent)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            schema = (
                responses.get("422", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            if schema.get("$ref") == _FRAMEWORK_422:
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document
