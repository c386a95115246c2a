"""One place that turns errors into HTTP responses (SPEC §12 error body).

Body: ``{"status": "error", "code", "message", "hint"?, "details"?}``.
Request validation answers 400, never the framework's 422 (SPEC D-10).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from flexledger.domain.errors import (
    ConfigError,
    ConflictError,
    DatabaseError,
    FlexLedgerError,
    InvalidRequestError,
    NotFoundError,
    StatementReadError,
    StatementTooLargeError,
)

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[FlexLedgerError], int], ...] = (
    (NotFoundError, 404),
    (StatementTooLargeError, 413),
    (StatementReadError, 422),
    (ConflictError, 409),
    (ConfigError, 400),
    (InvalidRequestError, 400),
    (DatabaseError, 503),
)


def status_for(error: FlexLedgerError) -> int:
    """The HTTP status for an error class (500 when nothing more specific fits)."""
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


def error_body(
    code: str, message: str, *, hint: str = "", details: Any = None
) -> dict[str, Any]:
    """The SPEC §12 error envelope."""
    body: dict[str, Any] = {"status": "error", "code": code, "message": message}
    if hint:
        body["hint"] = hint
    if details is not None:
        body["details"] = details
    return body


async def _flexledger_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FlexLedgerError)  # noqa: S101 - registered for this class
    return JSONResponse(
        error_body(exc.code, exc.message, hint=exc.hint), status_code=status_for(exc)
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it
    details = [
        {
            "location": ".".join(str(part) for part in error["loc"]),
            "problem": error["msg"],
        }
        for error in exc.errors()
    ]
    return JSONResponse(
        error_body("INVALID_REQUEST", "The request is not valid.", details=details),
        status_code=400,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it
    code = "NOT_FOUND" if exc.status_code == 404 else f"HTTP_{exc.status_code}"
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the one handler per error family on `app`."""
    app.add_exception_handler(FlexLedgerError, _flexledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
