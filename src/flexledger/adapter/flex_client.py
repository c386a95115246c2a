"""Flex Web Service client: SendRequest → poll GetStatement → verified statement bytes.

The one HTTP seam to IBKR. Rules it keeps (FLEX_WEB_SERVICE.md §2 to §6, SPEC §5.5):

* ``v=3`` and a ``User-Agent`` on every call; GET only; the token only ever goes to
  the configured base URL, or to a URL from a response whose host is allowlisted
  (https only) — and only when that fallback is switched on.
* IBKR's pace is never exceeded: at least 1.1 s between calls and at most 8 calls in
  any rolling 60 s per token (IBKR allows 1/s and 10/min; the headroom is for a
  person clicking "Run" in Client Portal at the same time). With a `CallLog`
  (`share_pace`) the budget holds across processes: a cron fetch and a "fetch now"
  a minute later share it.
* Poll waits follow the IBKR_FLEX_* settings: before poll i,
  ``max(INITIAL_WAIT, min(BASE·2^i, MAX)·U(JITTER_MIN, JITTER_MAX))``, never less
  than the previous code's floor (1019 → 5 s, 1009 → 15 s, 1018 → 60 s).
* Each IBKR code is handled as `flex_codes.RULES` says; transport failures (timeouts,
  resets, 5xx) are retried three times with 5/15/45 s waits (tenacity); a total
  deadline bounds the whole fetch.
* A body that is not a complete Flex statement is never returned: HTML and CSV are
  errors, a truncated statement is requested once more.
* Exceptions carry endpoint names, codes and statuses — never a URL or the token.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import random
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol
from urllib.parse import urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_chain,
    wait_fixed,
)

from flexledger import __version__
from flexledger.adapter.flex_codes import CodeClass, rule_for
from flexledger.adapter.redaction import TokenRedactionFilter, fingerprint
from flexledger.adapter.statement_reader import (
    DEFAULT_MAX_BYTES,
    Envelope,
    read_envelope,
    verify_statement,
)
from flexledger.domain.errors import (
    FlexConnectionError,
    FlexRequestError,
    FlexServiceError,
    FlexStatementError,
    FlexThrottledError,
    FlexTimeoutError,
    StatementReadError,
    StatementTruncatedError,
)

# httpx logs request URLs on its own "httpx" logger (httpcore's loggers log no URLs).
# A filter on the logger that creates a record runs before any handler, so the token
# is scrubbed for every handler, tests' included.
HTTP_LOGGERS = ("httpx", "httpcore")
SEND_REQUEST = "SendRequest"
GET_STATEMENT = "GetStatement"
ALLOWED_HOSTS = ("ndcdyn.interactivebrokers.com", "gdcdyn.interactivebrokers.com")
MAX_WINDOW_DAYS = 365
IN_PROGRESS_FLOOR_SECONDS = 5.0
_ENVELOPE_MAX_BYTES = 64 * 1024  # envelopes are a few hundred bytes
_SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
TRANSPORT_WAITS_SECONDS = (5.0, 15.0, 45.0)
DATA_NOT_READY_WAIT_SECONDS = 300.0


class Clock(Protocol):
    """Time for pacing and waits; tests pass a fake one that never really sleeps."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""

    def wall(self) -> float:
        """Seconds since the epoch: what other processes' call instants are in."""

    def sleep(self, seconds: float) -> None:
        """Wait this long."""


class CallLog(Protocol):
    """A token's recent calls, shared by every process (the database keeps it).

    Keys are token fingerprints, never the token; instants are epoch seconds.
    """

    def recent(self, key: str, since: float) -> list[float]:
        """The instants of the key's calls at or after `since`."""

    def record(self, key: str, at: float) -> None:
        """Add one call of the key at `at`."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def wall(self) -> float:
        """`time.time()`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """`time.sleep()`."""
        time.sleep(seconds)


class FetchObserver(Protocol):
    """Receives progress for the run timeline."""

    def requested(self, *, reference_code: str) -> None:
        """SendRequest succeeded."""

    def retrying(
        self,
        *,
        stage: str,
        attempt: int,
        error_code: str | None,
        error_message: str,
        retry_after_seconds: float,
        error_type: str,
    ) -> None:
        """A call failed and will be retried after `retry_after_seconds`."""

    def downloaded(self, *, poll_attempt: int, host: str, payload_bytes: int) -> None:
        """The statement arrived and was verified."""


class _SilentObserver:
    def requested(self, *, reference_code: str) -> None:
        pass

    def retrying(self, **_: object) -> None:
        pass

    def downloaded(self, **_: object) -> None:
        pass


@dataclass(frozen=True, slots=True)
class FlexClientConfig:
    """Everything the client needs; build it with `from_settings` in production.

    Attributes:
        base_url: ``…/AccountManagement/FlexWebService``.
        token: the Flex token (a secret: never log or show it).
        query_id: the Activity Flex Query id.
        initial_wait_seconds, backoff_base_seconds, backoff_max_seconds,
        jitter_min_multiplier, jitter_max_multiplier, poll_attempts: SPEC §5.5.
        request_timeout_seconds: per HTTP call.
        deadline_seconds: bound on the whole fetch.
        min_spacing_seconds, max_calls_per_minute: the pace budget.
        follow_response_url: use an allowlisted host from SendRequest's `Url`.
        max_payload_bytes: decoded-size cap on the statement.
    """

    base_url: str
    token: str = field(repr=False)
    query_id: str
    initial_wait_seconds: float = 5.0
    poll_attempts: int = 7
    backoff_base_seconds: float = 10.0
    backoff_max_seconds: float = 60.0
    jitter_min_multiplier: float = 0.5
    jitter_max_multiplier: float = 1.5
    request_timeout_seconds: float = 30.0
    deadline_seconds: float = 600.0
    min_spacing_seconds: float = 1.1
    max_calls_per_minute: int = 8
    follow_response_url: bool = False
    max_payload_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class FetchedStatement:
    """A complete statement as IBKR delivered it, spooled to a temporary file.

    Large statements never sit in memory whole; `close()` removes the file.

    Attributes:
        file: the exact bytes, seekable (read from position 0).
        size: their length.
        reference_code: the SendRequest reference code.
        poll_attempts: GetStatement calls it took.
        host: the host that served it (never the URL: it carries the token).
    """

    file: IO[bytes]
    size: int
    reference_code: str
    poll_attempts: int
    host: str

    def read_bytes(self) -> bytes:
        """All the bytes (small statements and tests)."""
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        """Drop the spooled bytes."""
        self.file.close()


def user_agent() -> str:
    """``flexledger/<version> (Python/<x.y>)``; IBKR requires a User-Agent."""
    major, minor, _ = platform.python_version_tuple()
    return f"flexledger/{__version__} (Python/{major}.{minor})"


class _RetryableTransportError(Exception):
    """Internal: a call failed in a way worth retrying (timeout, reset, 5xx)."""

    def __init__(self, endpoint: str, description: str, *, is_timeout: bool) -> None:
        super().__init__(description)
        self.endpoint = endpoint
        self.description = description
        self.is_timeout = is_timeout


class _Pacer:
    """Spaces calls and caps them per rolling minute, on the injected clock.

    With a call log, the log is the record of calls (this process's included):
    calls other processes made count against the same budget. The run lock lets
    one fetch run at a time, so two processes never race for the last slot.
    """

    def __init__(
        self,
        clock: Clock,
        min_spacing: float,
        per_minute: int,
        log: CallLog | None = None,
        key: str = "",
    ) -> None:
        self._clock = clock
        self._min_spacing = min_spacing
        self._per_minute = per_minute
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self._log = log
        self._key = key

    def wait_for_turn(self) -> None:
        # Callers queue here, so two threads sharing a token never both go early.
        with self._lock:
            if self._log is not None:
                self._calls = self._shared_calls(self._log)
            self._wait()
            if self._log is not None:
                self._log.record(self._key, self._clock.wall())

    def _shared_calls(self, log: CallLog) -> deque[float]:
        """The log's calls of the last minute, on this process's clock."""
        now, wall = self._clock.monotonic(), self._clock.wall()
        return deque(
            sorted(now - (wall - at) for at in log.recent(self._key, wall - 60.0))
        )

    def _wait(self) -> None:
        now = self._clock.monotonic()
        if self._calls:
            gap = self._calls[-1] + self._min_spacing - now
            if gap > 0:
                self._clock.sleep(gap)
                now = self._clock.monotonic()
        while self._calls and self._calls[0] <= now - 60.0:
            self._calls.popleft()
        if len(self._calls) >= self._per_minute:
            self._clock.sleep(self._calls[0] + 60.0 - now + 0.01)
            now = self._clock.monotonic()
            while self._calls and self._calls[0] <= now - 60.0:
                self._calls.popleft()
        self._calls.append(now)


_PACERS: dict[tuple[str, int], _Pacer] = {}
_PACERS_LOCK = threading.Lock()


def _pacer_for(token: str, clock: Clock, config: FlexClientConfig) -> _Pacer:
    """One pacer per token and clock in this process, shared by every client.

    The API builds a client per request; sharing keeps back-to-back runs within
    IBKR's per-token budget (`share_pace` extends it to other processes).
    """
    key = (fingerprint(token), id(clock))
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = _Pacer(
                clock, config.min_spacing_seconds, config.max_calls_per_minute
            )
            _PACERS[key] = pacer
        return pacer


class FlexClient:
    """Fetches one statement at a time; reuse it for several fetches, then `close()`."""

    def __init__(
        self,
        config: FlexClientConfig,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._config = config
        self._clock = clock or SystemClock()
        self._rng = rng or random.SystemRandom()
        self._pacer = _pacer_for(config.token, self._clock, config)
        self._http = httpx.Client(
            timeout=config.request_timeout_seconds,
            headers={"User-Agent": user_agent()},
            follow_redirects=False,
            transport=transport,
        )
        self._throttled = False
        self._watcher: FetchObserver = _SilentObserver()
        self._redaction = TokenRedactionFilter([config.token])
        for name in HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._redaction)

    def share_pace(self, log: CallLog) -> None:
        """Pace this token's calls with every process that writes to `log`.

        The log holds the state, so each client gets its own pacer over it; the
        run lock keeps fetches, and so the log's writers, one at a time.
        """
        self._pacer = _Pacer(
            self._clock,
            self._config.min_spacing_seconds,
            self._config.max_calls_per_minute,
            log,
            fingerprint(self._config.token),
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()
        for name in HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._redaction)

    def fetch(
        self,
        *,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        observer: FetchObserver | None = None,
    ) -> FetchedStatement:
        """Generate and download one statement.

        Args:
            from_date: first business date (`fd`); needs `to_date`.
            to_date: last business date (`td`), at most 365 days after `from_date`.
            observer: receives timeline events.

        Raises:
            ValueError: an invalid date window.
            FlexServiceError: subclasses per code and failure (see domain/errors.py).
            StatementReadError: IBKR sent something that is not a usable statement.
        """
        window = _window_parameters(from_date, to_date)
        watcher = observer or _SilentObserver()
        self._watcher = watcher
        deadline = self._clock.monotonic() + self._config.deadline_seconds
        self._throttled = False
        restarts_left = 1  # 1017 or a truncated body: request a new statement once
        while True:
            reference_code, base = self._send_request(window, watcher, deadline)
            try:
                return self._poll(reference_code, base, watcher, deadline)
            except _RestartError as restart:
                if restarts_left == 0:
                    raise restart.cause from None
                restarts_left -= 1
                watcher.retrying(
                    stage="request",
                    attempt=1,
                    error_code=restart.cause.flex_code
                    if isinstance(restart.cause, FlexServiceError)
                    else None,
                    error_message=restart.cause.message,
                    retry_after_seconds=0.0,
                    error_type=type(restart.cause).__name__,
                )

    # -- SendRequest ----------------------------------------------------------------

    def _send_request(
        self, window: Mapping[str, str], watcher: FetchObserver, deadline: float
    ) -> tuple[str, str]:
        params = {"q": self._config.query_id, **window}
        retries: dict[str, int] = {}
        while True:
            spooled, _ = self._call(
                self._config.base_url, SEND_REQUEST, params, deadline
            )
            with spooled:
                envelope = read_envelope(spooled.read(_ENVELOPE_MAX_BYTES + 1))
            if envelope is None:
                raise FlexConnectionError(
                    "SendRequest answered with something that is not a Flex envelope.",
                    hint="Check IBKR_FLEX_BASE_URL (it must end in /FlexWebService).",
                )
            if envelope.reference_code and not envelope.error_code:
                watcher.requested(reference_code=envelope.reference_code)
                return envelope.reference_code, self._statement_base(envelope)
            code = envelope.error_code or "unknown"
            wait = self._retry_wait(SEND_REQUEST, code, envelope, retries, deadline)
            watcher.retrying(
                stage="request",
                attempt=retries[code],
                error_code=code,
                error_message=envelope.error_message or "",
                retry_after_seconds=wait,
                error_type="FlexServiceError",
            )
            self._clock.sleep(wait)

    def _statement_base(self, envelope: Envelope) -> str:
        if not (self._config.follow_response_url and envelope.url):
            return self._config.base_url
        parts = urlsplit(envelope.url)
        if parts.scheme == "https" and parts.hostname in ALLOWED_HOSTS:
            path = parts.path.rsplit("/", 1)[0]
            return f"https://{parts.hostname}{path}"
        return self._config.base_url

    # -- GetStatement ----------------------------------------------------------------

    def _poll(
        self, reference_code: str, base: str, watcher: FetchObserver, deadline: float
    ) -> FetchedStatement:
        params = {"q": reference_code}
        floor = 0.0  # no code seen yet: only the schedule applies before poll 0
        retries: dict[str, int] = {}
        empty_bodies = 0
        last_code = "none"
        for attempt in range(self._config.poll_attempts):
            wait = max(self._poll_wait(attempt), floor)
            self._sleep_within(wait, deadline)
            spooled, host = self._call(base, GET_STATEMENT, params, deadline)
            head = spooled.read(_ENVELOPE_MAX_BYTES + 1)
            spooled.seek(0)
            if not head.strip():
                spooled.close()
                empty_bodies += 1
                if empty_bodies > 1:
                    raise FlexStatementError(
                        "GetStatement answered with an empty body twice.",
                        hint="IBKR may be having trouble; run again later.",
                    )
                floor = IN_PROGRESS_FLOOR_SECONDS
                continue
            envelope = read_envelope(head) if len(head) <= _ENVELOPE_MAX_BYTES else None
            if envelope is None:
                return self._verified(
                    spooled, reference_code, attempt + 1, host, watcher
                )
            spooled.close()
            code = envelope.error_code or "unknown"
            last_code = code
            rule = rule_for(code)
            if rule.code_class is CodeClass.IN_PROGRESS:
                floor = IN_PROGRESS_FLOOR_SECONDS
                continue
            if rule.code_class is CodeClass.RESTART:
                raise _RestartError(self._error(GET_STATEMENT, code, envelope))
            wait = self._retry_wait(GET_STATEMENT, code, envelope, retries, deadline)
            watcher.retrying(
                stage="download",
                attempt=attempt + 1,
                error_code=code,
                error_message=envelope.error_message or "",
                retry_after_seconds=wait,
                error_type="FlexServiceError",
            )
            floor = wait
        raise FlexTimeoutError(
            f"No statement after {self._config.poll_attempts} GetStatement calls "
            f"(the last answer was {last_code}).",
            flex_code=last_code,
        )

    def _verified(
        self,
        spooled: IO[bytes],
        reference_code: str,
        attempts: int,
        host: str,
        watcher: FetchObserver,
    ) -> FetchedStatement:
        try:
            verify_statement(spooled, max_bytes=self._config.max_payload_bytes)
        except StatementTruncatedError as exc:
            spooled.close()
            raise _RestartError(exc) from None
        except BaseException:
            spooled.close()
            raise
        size = spooled.tell()
        spooled.seek(0)
        watcher.downloaded(poll_attempt=attempts, host=host, payload_bytes=size)
        return FetchedStatement(
            file=spooled,
            size=size,
            reference_code=reference_code,
            poll_attempts=attempts,
            host=host,
        )

    # -- shared -----------------------------------------------------------------------

    def _poll_wait(self, attempt: int) -> float:
        config = self._config
        backoff = min(
            config.backoff_base_seconds * (1 << attempt), config.backoff_max_seconds
        )
        jitter = self._rng.uniform(
            config.jitter_min_multiplier, config.jitter_max_multiplier
        )
        return max(config.initial_wait_seconds, backoff * jitter)

    def _retry_wait(
        self,
        endpoint: str,
        code: str,
        envelope: Envelope,
        retries: dict[str, int],
        deadline: float,
    ) -> float:
        """How long to wait before retrying after `code`, or raise when it is final."""
        rule = rule_for(code)
        retries[code] = retries.get(code, 0) + 1
        error = self._error(endpoint, code, envelope)
        if rule.code_class is CodeClass.THROTTLE:
            if self._throttled:
                raise FlexThrottledError(
                    f"{endpoint}: IBKR throttled this token twice (1018).",
                    flex_code=code,
                )
            self._throttled = True
            wait = rule.floor_seconds
        elif rule.code_class is CodeClass.DATA_NOT_READY:
            if retries[code] > 1:
                raise error
            wait = DATA_NOT_READY_WAIT_SECONDS
        elif rule.code_class in (CodeClass.TRANSIENT, CodeClass.RETRY_ONCE):
            if retries[code] > rule.max_retries:
                raise error
            wait = rule.floor_seconds * (1 << (retries[code] - 1))
        else:
            raise error
        if self._clock.monotonic() + wait > deadline:
            raise error
        return wait

    def _error(self, endpoint: str, code: str, envelope: Envelope) -> FlexServiceError:
        rule = rule_for(code)
        message = f"{endpoint} failed with IBKR code {code}"
        if envelope.error_message:
            message += f": {envelope.error_message}"
        error_class = rule.error
        if error_class is FlexServiceError:
            error_class = (
                FlexRequestError if endpoint == SEND_REQUEST else FlexStatementError
            )
        return error_class(message, hint=rule.hint, flex_code=code)

    def _sleep_within(self, seconds: float, deadline: float) -> None:
        if self._clock.monotonic() + seconds > deadline:
            raise FlexTimeoutError(
                "The statement was not ready within "
                f"{self._config.deadline_seconds:.0f} s.",
                flex_code="1019",
            )
        self._clock.sleep(seconds)

    def _call(
        self, base: str, endpoint: str, params: Mapping[str, str], deadline: float
    ) -> tuple[IO[bytes], str]:
        """One GET with pacing and transport retries; returns (spooled body, host)."""
        url = f"{base.rstrip('/')}/{endpoint}"
        query = {"t": self._config.token, **params, "v": "3"}

        def notify(state: RetryCallState) -> None:
            outcome = state.outcome
            failure = outcome.exception() if outcome else None
            if isinstance(failure, _RetryableTransportError):
                self._watcher.retrying(
                    stage="download" if endpoint == GET_STATEMENT else "request",
                    attempt=state.attempt_number,
                    error_code=None,
                    error_message=f"{endpoint}: {failure.description}",
                    retry_after_seconds=state.upcoming_sleep,
                    error_type="TimeoutError"
                    if failure.is_timeout
                    else "ConnectionError",
                )

        retrying = Retrying(
            stop=stop_after_attempt(len(TRANSPORT_WAITS_SECONDS) + 1),
            wait=wait_chain(*(wait_fixed(s) for s in TRANSPORT_WAITS_SECONDS)),
            retry=retry_if_exception_type(_RetryableTransportError),
            sleep=self._clock.sleep,
            before_sleep=notify,
            reraise=True,
        )
        try:
            return retrying(self._get_once, url, endpoint, query, deadline)
        except _RetryableTransportError as exc:
            attempts = len(TRANSPORT_WAITS_SECONDS) + 1
            message = f"{endpoint}: {exc.description} on {attempts} attempts."
            if exc.is_timeout:
                raise FlexTimeoutError(message, error_type="TimeoutError") from None
            raise FlexConnectionError(message, error_type="ConnectionError") from None

    def _get_once(
        self, url: str, endpoint: str, query: Mapping[str, str], deadline: float
    ) -> tuple[IO[bytes], str]:
        if self._clock.monotonic() > deadline:
            raise FlexTimeoutError(
                f"{endpoint}: the fetch took longer than "
                f"{self._config.deadline_seconds:.0f} s.",
                error_type="TimeoutError",
            )
        self._pacer.wait_for_turn()
        host = urlsplit(url).hostname or ""
        # Spooled: a large statement goes to a temporary file, never whole in memory.
        spooled: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - returned
            max_size=_SPOOL_IN_MEMORY_BYTES
        )
        try:
            status = self._download(url, endpoint, query, spooled)
            _raise_for_status(endpoint, status)
        except BaseException:
            spooled.close()
            raise
        spooled.seek(0)
        return spooled, host

    def _download(
        self, url: str, endpoint: str, query: Mapping[str, str], spooled: IO[bytes]
    ) -> int:
        try:
            with self._http.stream("GET", url, params=dict(query)) as response:
                self._read_capped(response, endpoint, spooled)
                return response.status_code
        except httpx.TimeoutException:
            raise _RetryableTransportError(
                endpoint, "timed out", is_timeout=True
            ) from None
        except httpx.TransportError as exc:
            raise _RetryableTransportError(
                endpoint, f"connection failed ({type(exc).__name__})", is_timeout=False
            ) from None
        except httpx.HTTPError as exc:  # e.g. a body that fails to decode
            raise FlexConnectionError(
                f"{endpoint}: the response could not be read ({type(exc).__name__})."
            ) from None

    def _read_capped(
        self, response: httpx.Response, endpoint: str, spooled: IO[bytes]
    ) -> None:
        # Counts decoded bytes, so a small gzip body cannot expand past the cap.
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._config.max_payload_bytes:
                raise FlexConnectionError(
                    f"{endpoint} sent more than "
                    f"{self._config.max_payload_bytes:,} bytes."
                )
            spooled.write(chunk)


def _raise_for_status(endpoint: str, status: int) -> None:
    if status >= 500:
        raise _RetryableTransportError(endpoint, f"HTTP {status}", is_timeout=False)
    if status >= 400:
        raise FlexConnectionError(
            f"{endpoint} answered HTTP {status}.",
            hint=(
                "Check IBKR_FLEX_BASE_URL: it must end in "
                "/AccountManagement/FlexWebService."
            ),
        )


class _RestartError(Exception):
    """Internal: the statement must be requested again with a new SendRequest."""

    def __init__(self, cause: FlexServiceError | StatementReadError) -> None:
        super().__init__(cause.message)
        self.cause = cause


def validate_window(from_date: dt.date | None, to_date: dt.date | None) -> None:
    """Check a fetch window before any call.

    Raises:
        ValueError: only one date, from after to, or more than 365 days.
    """
    _window_parameters(from_date, to_date)


def _window_parameters(
    from_date: dt.date | None, to_date: dt.date | None
) -> dict[str, str]:
    if from_date is None and to_date is None:
        return {}
    if from_date is None or to_date is None:
        raise ValueError("give both from_date and to_date, or neither")
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    if (to_date - from_date).days + 1 > MAX_WINDOW_DAYS:
        raise ValueError(f"a window covers at most {MAX_WINDOW_DAYS} days")
    return {"fd": from_date.strftime("%Y%m%d"), "td": to_date.strftime("%Y%m%d")}


def split_windows(
    from_date: dt.date, to_date: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """Split an inclusive date range into consecutive windows of at most 365 days."""
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    windows: list[tuple[dt.date, dt.date]] = []
    start = from_date
    while start <= to_date:
        end = min(start + dt.timedelta(days=MAX_WINDOW_DAYS - 1), to_date)
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows
