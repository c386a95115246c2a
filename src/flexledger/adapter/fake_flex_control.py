"""The fake Flex service's control API (FLEX_WEB_SERVICE.md §9.1), under `/_fake/`.

In-process tests script the fake through its Python objects. A fake started as
its own process (`flexledger dev fake-flex --control`) is scripted over HTTP
instead, so a person or another program can rehearse IBKR's failures against a
real `flexledger ingestion-run`:

* ``GET /_fake/requests`` — the request log (tokens as fingerprints);
  ``DELETE`` empties it.
* ``PUT /_fake/queries/{query_id}`` — a query's script: the knobs of
  `QueryScript` as JSON, with the statement as ``payload`` text or as
  ``statement``, a file name in the folder the fake serves.
* ``PUT /_fake/tokens`` — ``{"token": …, "status": "valid|expired|invalid|
  inactive"}``; the token travels in the body, so it is never in a URL or an
  access log.
* ``POST /_fake/clock`` — ``{"advance_seconds": n}``, when the fake runs on a
  fake clock.

Never enabled against anything but the fake; it has no authentication.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flexledger.adapter.fake_flex import FakeClock, QueryScript

if TYPE_CHECKING:
    from flexledger.adapter.fake_flex import FakeFlexService

CONTROL_PREFIX = "/_fake"
TOKEN_STATUSES = ("valid", "expired", "invalid", "inactive")
# Each knob of QueryScript (payload aside) and the JSON it takes: (type, element
# type for lists, whether null is allowed). A test holds this to QueryScript.
KNOB_TYPES: dict[str, tuple[type, type | None, bool]] = {
    "token": (str, None, True),
    "ready_after_polls": (int, None, False),
    "in_progress_status": (str, None, False),
    "never_ready": (bool, None, False),
    "send_errors": (list, str, False),
    "get_errors": (list, str, False),
    "get_http_errors": (list, int, False),
    "html_200": (bool, None, False),
    "truncate_at": (int, None, True),
    "truncate_times": (int, None, False),
    "delay_seconds": (float, None, False),
    "delay_times": (int, None, False),
    "reset_times": (int, None, False),
    "url_host": (str, None, True),
}


class _BadControlRequestError(ValueError):
    """A control request the fake cannot act on; answered 400 with the reason."""


def control_routes(
    service: FakeFlexService, statements: Path | None = None
) -> list[Route]:
    """The `/_fake/` routes for `service`; `statements` is the folder it serves."""

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            with service.lock:
                service.log.clear()
            return Response(status_code=204)
        with service.lock:
            entries = [dataclasses.asdict(entry) for entry in service.log]
        return JSONResponse(entries)

    async def put_query(request: Request) -> Response:
        query_id = request.path_params["query_id"]
        try:
            script = _script(await _body(request), statements)
        except _BadControlRequestError as exc:
            return _refused(str(exc))
        with service.lock:
            service.queries[query_id] = script
        return JSONResponse(
            {"query_id": query_id, "payload_bytes": len(script.payload)}
        )

    async def put_token(request: Request) -> Response:
        try:
            body = await _body(request)
            token, status = body.get("token"), body.get("status")
            if not isinstance(token, str) or not token:
                raise _BadControlRequestError("'token' must be a non-empty string")
            if status not in TOKEN_STATUSES:
                raise _BadControlRequestError(
                    f"'status' must be one of {', '.join(TOKEN_STATUSES)}"
                )
        except _BadControlRequestError as exc:
            return _refused(str(exc))
        with service.lock:
            service.tokens[token] = status
        return JSONResponse({"status": status})

    async def advance_clock(request: Request) -> Response:
        try:
            seconds = (await _body(request)).get("advance_seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise _BadControlRequestError("'advance_seconds' must be a number")
            if seconds < 0:
                raise _BadControlRequestError("time only moves forward")
        except _BadControlRequestError as exc:
            return _refused(str(exc))
        clock = service.clock
        if not isinstance(clock, FakeClock):
            return JSONResponse(
                {"error": "this fake runs on real time; there is no clock to move"},
                status_code=409,
            )
        clock.advance(float(seconds))
        return JSONResponse({"now": clock.monotonic()})

    return [
        Route(f"{CONTROL_PREFIX}/requests", requests_log, methods=["GET", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/queries/{{query_id}}", put_query, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/tokens", put_token, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/clock", advance_clock, methods=["POST"]),
    ]


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise _BadControlRequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _BadControlRequestError("the body must be a JSON object")
    return body


def _script(body: dict[str, Any], statements: Path | None) -> QueryScript:
    """A `QueryScript` from a control body; every key must be one of its knobs."""
    values = dict(body)
    payload = _payload(
        values.pop("payload", None), values.pop("statement", None), statements
    )
    unknown = sorted(set(values) - set(KNOB_TYPES))
    if unknown:
        raise _BadControlRequestError(
            f"unknown knobs: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KNOB_TYPES))}"
        )
    for name, value in values.items():
        if not _fits(value, *KNOB_TYPES[name]):
            raise _BadControlRequestError(f"'{name}' has the wrong type")
    return QueryScript(payload=payload, **values)


def _payload(text: object, statement: object, statements: Path | None) -> bytes:
    if (text is None) == (statement is None):
        raise _BadControlRequestError("give exactly one of 'payload' and 'statement'")
    if text is not None:
        if not isinstance(text, str):
            raise _BadControlRequestError("'payload' must be text")
        return text.encode()
    if statements is None:
        raise _BadControlRequestError("this fake serves no folder of statements")
    if not isinstance(statement, str) or Path(statement).name != statement:
        raise _BadControlRequestError("'statement' must be a file name in the folder")
    path = statements / statement
    if not path.is_file():
        raise _BadControlRequestError(f"no statement {statement!r} in the folder")
    return path.read_bytes()


def _fits(value: object, kind: type, element: type | None, nullable: bool) -> bool:
    """Whether a JSON value is of a knob's type (JSON has no int/bool divide)."""
    if value is None:
        return nullable
    if isinstance(value, bool) and kind is not bool:
        return False
    if kind is float:
        return isinstance(value, int | float)
    if not isinstance(value, kind):
        return False
    return element is None or all(
        isinstance(item, element) and not isinstance(item, bool)
        for item in value  # type: ignore[attr-defined]
    )


def _refused(reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=400)
