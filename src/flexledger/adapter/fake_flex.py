"""A protocol-faithful fake of the IBKR Flex Web Service (FLEX_WEB_SERVICE.md §9).

Tests run it as a real HTTP server on 127.0.0.1 and point the client at it; users can
run it as ``flexledger dev fake-flex --statements DIR`` to try the app without an
IBKR account. It serves statements from bytes by query id, checks token, version and
User-Agent, enforces IBKR's pace on an injected clock, and can be scripted per query
to answer in-progress polls, any error code, HTML pages, truncated or CSV bodies,
slow responses and connection resets. Every request is logged with the token
replaced by a fingerprint, so tests can count calls and check their spacing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from flexledger.adapter.redaction import fingerprint

SERVICE_PATH = "/AccountManagement/FlexWebService"
LEGACY_PATH = "/Universal/servlet/FlexStatementService"

MESSAGES = {
    "1001": "Statement could not be generated at this time. Please try again shortly.",
    "1003": "Statement is not available.",
    "1004": "Statement is incomplete at this time. Please try again shortly.",
    "1005": "Settlement data is not ready at this time. Please try again shortly.",
    "1006": "FIFO P/L data is not ready at this time. Please try again shortly.",
    "1007": "MTM P/L data is not ready at this time. Please try again shortly.",
    "1008": "MTM and FIFO P/L data is not ready at this time. "
    "Please try again shortly.",
    "1009": "The server is under heavy load. Statement could not be generated at this "
    "time. Please try again shortly.",
    "1010": "Legacy Flex Queries are no longer supported. "
    "Please convert over to Activity Flex.",
    "1011": "Service account is inactive.",
    "1012": "Token has expired.",
    "1013": "IP restriction.",
    "1014": "Query is invalid.",
    "1015": "Token is invalid.",
    "1016": "Account in invalid.",
    "1017": "Reference code is invalid.",
    "1018": "Too many requests have been made from this token. "
    "Please try again shortly. Limited to one request per second, "
    "10 requests per minute (per token).",
    "1019": "Statement generation in progress. Please try again shortly.",
    "1020": "Invalid request or unable to validate request.",
    "1021": "Statement could not be retrieved at this time. Please try again shortly.",
}
HTML_500 = (
    "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We are "
    "sorry, our services are temporarily unavailable</h1></body></html>"
)
HTML_404 = "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"


class PaceClock(Protocol):
    """What the fake needs of a clock: the time, to enforce IBKR's pace."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""


class WallClock:
    """Real time, for `flexledger dev fake-flex` and process-level tests."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()


class FakeClock:
    """A clock that tests advance; `sleep` returns at once. Thread-safe."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """The current fake time in seconds."""
        with self._lock:
            return self._now

    def wall(self) -> float:
        """The fake time as epoch seconds (the same count: one timeline)."""
        return self.monotonic()

    def sleep(self, seconds: float) -> None:
        """Advance time instead of waiting."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += max(0.0, seconds)


@dataclass
class QueryScript:
    """One query the fake knows, and how it should misbehave.

    Lists are consumed front to back: ``send_errors=["1001"]`` answers the first
    SendRequest with 1001 and the next one normally.

    Attributes:
        payload: the statement bytes served once ready.
        token: the token that owns the query (None: any valid token).
        ready_after_polls: GetStatement calls answered 1019 before the statement.
        in_progress_status: ``Warn`` or ``Fail`` for those 1019 answers.
        never_ready: answer 1019 forever.
        send_errors: codes SendRequest answers before succeeding.
        get_errors: codes GetStatement answers before the statement.
        get_http_errors: HTTP statuses (500, 404) GetStatement answers first, with an
            HTML page.
        html_200: answer GetStatement with an HTML page and status 200.
        truncate_at: serve only this many bytes of the payload.
        truncate_times: how many downloads are truncated (then whole).
        delay_seconds: real seconds to wait before answering GetStatement.
        delay_times: how many GetStatement answers are delayed.
        reset_times: GetStatement answers cut with a connection reset.
        url_host: host to put in SendRequest's `Url` (None: omit it).
    """

    payload: bytes
    token: str | None = None
    ready_after_polls: int = 0
    in_progress_status: str = "Warn"
    never_ready: bool = False
    send_errors: list[str] = field(default_factory=list)
    get_errors: list[str] = field(default_factory=list)
    get_http_errors: list[int] = field(default_factory=list)
    html_200: bool = False
    truncate_at: int | None = None
    truncate_times: int = 1
    delay_seconds: float = 0.0
    delay_times: int = 1
    reset_times: int = 0
    url_host: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the fake saw it; `t` is a fingerprint, never the token."""

    at: float
    endpoint: str
    params: dict[str, str]
    user_agent: str | None
    outcome: str


@dataclass
class _Job:
    token: str
    query_id: str
    polls: int = 0


class FakeFlexService:
    """The fake service's state and its ASGI app (`app`)."""

    def __init__(
        self,
        *,
        tokens: dict[str, str],
        queries: dict[str, QueryScript],
        clock: PaceClock | None = None,
        enforce_pace: bool = True,
    ) -> None:
        """Create the fake.

        Args:
            tokens: token → ``valid``, ``expired``, ``invalid`` or ``inactive``.
            queries: query id → its script.
            clock: the clock for pacing (shared with the client in tests).
            enforce_pace: answer 1018 when IBKR's 1/s or 10/min is exceeded.
        """
        self.tokens = tokens
        self.queries = queries
        self.clock: PaceClock = clock or FakeClock()
        self.enforce_pace = enforce_pace
        self.log: list[LoggedRequest] = []
        self._jobs: dict[str, _Job] = {}
        self._calls: dict[str, deque[float]] = {}
        self._codes = itertools.count(7_305_518_824)
        self._lock = threading.Lock()
        self.routes: list[Route] = [
            Route(f"{SERVICE_PATH}/SendRequest", self._send_request, methods=["GET"]),
            Route(f"{SERVICE_PATH}/GetStatement", self._get_statement, methods=["GET"]),
            Route(f"{LEGACY_PATH}.SendRequest", self._legacy, methods=["GET"]),
            Route(f"{LEGACY_PATH}.GetStatement", self._legacy, methods=["GET"]),
        ]
        self.app = self._app()

    @property
    def lock(self) -> threading.Lock:
        """Held while the fake's state changes; take it to change state from outside."""
        return self._lock

    def add_routes(self, routes: list[Route]) -> None:
        """Serve more routes (the control API), ahead of the HTML 404 for the rest."""
        self.routes.extend(routes)
        self.app = self._app()

    def _app(self) -> Starlette:
        catch_all = Route("/{path:path}", self._not_found, methods=["GET"])
        return Starlette(routes=[*self.routes, catch_all])

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        """Logged requests to one endpoint, in order."""
        return [entry for entry in self.log if entry.endpoint == endpoint]

    # -- routes -------------------------------------------------------------------

    async def _send_request(self, request: Request) -> Response:
        with self._lock:
            refusal = self._validate(request, "SendRequest")
            if refusal:
                return refusal
            params = request.query_params
            query_id = params.get("q", "")
            token = params["t"]
            script = self.queries.get(query_id)
            if script is None or (script.token is not None and script.token != token):
                return self._fail(request, "SendRequest", "1014")
            window_error = _window_error(
                params.get("fd"), params.get("td"), params.get("p")
            )
            if window_error:
                return self._fail(request, "SendRequest", "1020")
            if script.send_errors:
                return self._fail(request, "SendRequest", script.send_errors.pop(0))
            reference = str(next(self._codes))
            self._jobs[reference] = _Job(token=token, query_id=query_id)
            url = (
                f"<Url>https://{script.url_host}{SERVICE_PATH}/GetStatement</Url>"
                if script.url_host
                else ""
            )
            self._record(request, "SendRequest", "Success")
            return _xml(
                f'<FlexStatementResponse timestamp="{_timestamp()}">'
                f"<Status>Success</Status><ReferenceCode>{reference}</ReferenceCode>"
                f"{url}</FlexStatementResponse>"
            )

    async def _get_statement(self, request: Request) -> Response:  # noqa: PLR0911 - one answer per scripted behaviour
        with self._lock:
            refusal = self._validate(request, "GetStatement")
            if refusal:
                return refusal
            params = request.query_params
            job = self._jobs.get(params.get("q", ""))
            if job is None or job.token != params["t"]:
                return self._fail(request, "GetStatement", "1017")
            script = self.queries[job.query_id]
            job.polls += 1
            if script.get_http_errors:
                status = script.get_http_errors.pop(0)
                self._record(request, "GetStatement", f"HTTP {status}")
                return HTMLResponse(
                    HTML_500 if status >= 500 else HTML_404, status_code=status
                )
            if script.get_errors:
                return self._fail(request, "GetStatement", script.get_errors.pop(0))
            if script.never_ready or job.polls <= script.ready_after_polls:
                return self._fail(
                    request, "GetStatement", "1019", status=script.in_progress_status
                )
            if script.html_200:
                self._record(request, "GetStatement", "HTML 200")
                return HTMLResponse(HTML_500)
            delay = 0.0
            if script.delay_seconds and script.delay_times > 0:
                script.delay_times -= 1
                delay = script.delay_seconds
            body = script.payload
            if script.truncate_at is not None and script.truncate_times > 0:
                script.truncate_times -= 1
                body = body[: script.truncate_at]
            reset = script.reset_times > 0
            if reset:
                script.reset_times -= 1
            self._record(request, "GetStatement", "reset" if reset else "statement")
        if delay:
            await asyncio.sleep(delay)
        if reset:
            return StreamingResponse(_reset_midway(body), media_type="text/xml")
        return Response(body, media_type="text/xml")

    async def _legacy(self, request: Request) -> Response:
        with self._lock:
            return self._fail(request, "legacy", "1001")

    async def _not_found(self, request: Request) -> Response:
        with self._lock:
            self._record(request, "other", "HTTP 404")
        return HTMLResponse(HTML_404, status_code=404)

    # -- rules --------------------------------------------------------------------

    def _validate(self, request: Request, endpoint: str) -> Response | None:  # noqa: PLR0911 - IBKR's validation order
        params = request.query_params
        if not request.headers.get("user-agent"):
            return self._fail(request, endpoint, "1020", note="missing User-Agent")
        if params.get("v") != "3":
            return self._fail(request, endpoint, "1020", note="version is not 3")
        token = params.get("t", "")
        if self.enforce_pace and self._over_pace(token):
            return self._fail(request, endpoint, "1018")
        status = self.tokens.get(token)
        if status is None or status == "invalid":
            return self._fail(request, endpoint, "1015")
        if status == "expired":
            return self._fail(request, endpoint, "1012")
        if status == "inactive":
            return self._fail(request, endpoint, "1011")
        return None

    def _over_pace(self, token: str) -> bool:
        now = self.clock.monotonic()
        calls = self._calls.setdefault(token, deque())
        too_soon = bool(calls) and now - calls[-1] < 1.0
        while calls and calls[0] <= now - 60.0:
            calls.popleft()
        too_many = len(calls) >= 10
        calls.append(now)
        return too_soon or too_many

    def _fail(
        self,
        request: Request,
        endpoint: str,
        code: str,
        *,
        status: str = "Fail",
        note: str = "",
    ) -> Response:
        self._record(request, endpoint, f"{code} {note}".strip())
        return _xml(
            f'<FlexStatementResponse timestamp="{_timestamp()}">'
            f"<Status>{status}</Status>"
            f"<ErrorCode>{code}</ErrorCode><ErrorMessage>{MESSAGES.get(code, 'Error')}"
            "</ErrorMessage></FlexStatementResponse>"
        )

    def _record(self, request: Request, endpoint: str, outcome: str) -> None:
        params = dict(request.query_params)
        if "t" in params:
            params["t"] = fingerprint(params["t"])
        self.log.append(
            LoggedRequest(
                at=self.clock.monotonic(),
                endpoint=endpoint,
                params=params,
                user_agent=request.headers.get("user-agent"),
                outcome=outcome,
            )
        )


async def _reset_midway(body: bytes) -> AsyncIterator[bytes]:
    yield body[: max(1, len(body) // 2)]
    raise ConnectionResetError("fake connection reset")


def _xml(text: str) -> Response:
    return Response(text.encode(), media_type="text/xml")


def _timestamp() -> str:
    # IBKR writes US-Eastern wall time like "03 March, 2026 06:05 AM EST".
    return dt.datetime(2026, 3, 3, 6, 5).strftime("%d %B, %Y %I:%M %p") + " EST"  # noqa: DTZ001


def _window_error(fd: str | None, td: str | None, period: str | None) -> bool:
    if period is not None and (fd is not None or td is not None):
        return True
    if period is not None:
        return not (period.isdigit() and 1 <= int(period) <= 365)
    if fd is None and td is None:
        return False
    if fd is None or td is None:
        return True
    try:
        start = dt.datetime.strptime(fd, "%Y%m%d").date()  # noqa: DTZ007 - dates only
        end = dt.datetime.strptime(td, "%Y%m%d").date()  # noqa: DTZ007 - dates only
    except ValueError:
        return True
    return start > end or (end - start).days + 1 > 365
