"""The Flex client against the fake service: codes, waits, pace, bad bodies."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from flexledger.adapter.fake_flex import LoggedRequest
from flexledger.adapter.flex_client import MAX_WINDOW_DAYS, split_windows, user_agent
from flexledger.domain.errors import (
    FlexConnectionError,
    FlexRequestError,
    FlexServiceError,
    FlexThrottledError,
    FlexTimeoutError,
    FlexTokenExpiredError,
    FlexTokenInvalidError,
    NotAFlexStatementError,
    StatementTruncatedError,
)
from tests.fixtures.flex_server import STATEMENT, FlexWorld


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []

    def requested(self, **details: object) -> None:
        self.events.append(("requested", details))

    def retrying(self, **details: object) -> None:
        self.events.append(("retrying", details))

    def downloaded(self, **details: object) -> None:
        self.events.append(("downloaded", details))


def _gaps(log: list[LoggedRequest]) -> list[float]:
    return [later.at - earlier.at for earlier, later in itertools.pairwise(log)]


def _assert_within_pace(log: list[LoggedRequest]) -> None:
    assert all(gap >= 1.0 for gap in _gaps(log)), _gaps(log)
    for entry in log:
        window = [other for other in log if entry.at <= other.at < entry.at + 60]
        assert len(window) <= 8
    assert not any(entry.outcome.startswith("1018") for entry in log)


@pytest.mark.parametrize("in_progress", [0, 1, 5, 30])
def test_success_after_n_in_progress_polls(
    flex_world: FlexWorld, in_progress: int
) -> None:
    flex_world.script.ready_after_polls = in_progress
    recorder = Recorder()
    fetched = flex_world.client(poll_attempts=40, deadline_seconds=3600).fetch(
        observer=recorder
    )
    assert fetched.read_bytes() == STATEMENT
    assert fetched.poll_attempts == in_progress + 1
    log = flex_world.service.log
    assert [e.endpoint for e in log] == ["SendRequest"] + ["GetStatement"] * (
        in_progress + 1
    )
    assert all(e.user_agent == user_agent() and e.params["v"] == "3" for e in log)
    _assert_within_pace(log)
    assert recorder.events[0] == (
        "requested",
        {"reference_code": fetched.reference_code},
    )
    assert recorder.events[-1][0] == "downloaded"


def test_poll_waits_follow_the_settings_and_floors(flex_world: FlexWorld) -> None:
    flex_world.script.ready_after_polls = 3
    flex_world.client(
        initial_wait_seconds=5,
        backoff_base_seconds=10,
        backoff_max_seconds=60,
        jitter_min_multiplier=1.0,
        jitter_max_multiplier=1.0,
    ).fetch()
    # Before poll i: max(5, min(10·2^i, 60)) → 10, 20, 40, 60 after the previous call.
    assert [round(gap, 1) for gap in _gaps(flex_world.service.log)] == [
        10.0,
        20.0,
        40.0,
        60.0,
    ]


def test_1018_waits_at_least_a_minute_and_a_second_one_aborts(
    flex_world: FlexWorld,
) -> None:
    flex_world.script.get_errors = ["1018"]
    fetched = flex_world.client(
        jitter_min_multiplier=0.5, jitter_max_multiplier=0.5
    ).fetch()
    assert fetched.read_bytes() == STATEMENT
    gets = flex_world.service.requests_to("GetStatement")
    assert gets[0].outcome.startswith("1018")
    assert gets[1].at - gets[0].at >= 60.0

    flex_world.service.log.clear()
    flex_world.clock.advance(61)  # a new client has a new pacer: start it fresh
    flex_world.script.get_errors = ["1018", "1018"]
    with pytest.raises(FlexThrottledError) as caught:
        flex_world.client().fetch()
    assert caught.value.flex_code == "1018"
    assert len(flex_world.service.requests_to("GetStatement")) == 2


def test_1009_retries_after_its_floor(flex_world: FlexWorld) -> None:
    flex_world.script.get_errors = ["1009"]
    recorder = Recorder()
    flex_world.client(jitter_min_multiplier=0.5, jitter_max_multiplier=0.5).fetch(
        observer=recorder
    )
    gets = flex_world.service.requests_to("GetStatement")
    assert gets[1].at - gets[0].at >= 15.0
    retry = next(details for kind, details in recorder.events if kind == "retrying")
    assert retry["error_code"] == "1009"
    assert retry["retry_after_seconds"] == 15.0
    _assert_within_pace(flex_world.service.log)


@pytest.mark.parametrize(
    ("code", "error", "hint_fragment"),
    [
        ("1003", FlexRequestError, "earlier end date"),
        ("1010", FlexRequestError, "Activity Flex Query"),
        ("1011", FlexRequestError, "enable it"),
        ("1013", FlexRequestError, "public IP"),
        ("1014", FlexRequestError, "IBKR_FLEX_QUERY_ID"),
        ("1016", FlexRequestError, "ACCOUNT_ID"),
        ("1012", FlexTokenExpiredError, "new token"),
        ("1015", FlexTokenInvalidError, "IBKR_FLEX_TOKEN"),
        ("1099", FlexRequestError, "does not know"),
    ],
)
def test_credential_and_configuration_codes_fail_fast(
    flex_world: FlexWorld, code: str, error: type[FlexServiceError], hint_fragment: str
) -> None:
    flex_world.script.send_errors = [code]
    with pytest.raises(error) as caught:
        flex_world.client().fetch()
    assert caught.value.flex_code == code
    assert hint_fragment in caught.value.hint
    assert len(flex_world.service.log) == 1  # no follow-up call after a fatal code


def test_an_expired_token_is_reported_by_the_service_itself(
    flex_world: FlexWorld,
) -> None:
    with pytest.raises(FlexTokenExpiredError) as caught:
        flex_world.client(token="expired-token").fetch()
    assert caught.value.code == "INGESTION_TOKEN_EXPIRED_ERROR"
    assert "Client Portal" in caught.value.hint


def test_transient_send_errors_retry_then_give_up_with_a_legacy_hint(
    flex_world: FlexWorld,
) -> None:
    flex_world.script.send_errors = ["1001", "1001"]
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    sends = flex_world.service.requests_to("SendRequest")
    assert [round(b.at - a.at) for a, b in itertools.pairwise(sends)] == [
        15,
        30,
    ]

    flex_world.service.log.clear()
    flex_world.clock.advance(61)
    flex_world.script.send_errors = ["1001"] * 4
    with pytest.raises(FlexRequestError) as caught:
        flex_world.client().fetch()
    assert "legacy" in caught.value.hint
    assert len(flex_world.service.requests_to("SendRequest")) == 4


def test_1020_is_retried_once_after_a_minute(flex_world: FlexWorld) -> None:
    flex_world.script.send_errors = ["1020", "1020"]
    with pytest.raises(FlexRequestError):
        flex_world.client().fetch()
    sends = flex_world.service.requests_to("SendRequest")
    assert len(sends) == 2
    assert sends[1].at - sends[0].at >= 60


def test_data_not_ready_waits_five_minutes_then_fails(flex_world: FlexWorld) -> None:
    flex_world.script.send_errors = ["1005", "1005"]
    with pytest.raises(FlexRequestError, match="1005"):
        flex_world.client().fetch()
    sends = flex_world.service.requests_to("SendRequest")
    assert sends[1].at - sends[0].at >= 300


def test_1021_retries_twice(flex_world: FlexWorld) -> None:
    flex_world.script.get_errors = ["1021", "1021"]
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    assert len(flex_world.service.requests_to("GetStatement")) == 3


def test_1017_restarts_from_send_request_once(flex_world: FlexWorld) -> None:
    flex_world.script.get_errors = ["1017"]
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    assert len(flex_world.service.requests_to("SendRequest")) == 2


def test_http_500_pages_are_retried_like_timeouts(flex_world: FlexWorld) -> None:
    flex_world.script.get_http_errors = [500, 500]
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    gets = flex_world.service.requests_to("GetStatement")
    assert [g.outcome for g in gets] == ["HTTP 500", "HTTP 500", "statement"]
    assert [round(b.at - a.at) for a, b in itertools.pairwise(gets)] == [5, 15]


def test_http_404_fails_at_once(flex_world: FlexWorld) -> None:
    flex_world.script.get_http_errors = [404]
    with pytest.raises(FlexConnectionError, match="HTTP 404"):
        flex_world.client().fetch()
    assert len(flex_world.service.requests_to("GetStatement")) == 1


def test_an_html_page_with_status_200_is_never_a_statement(
    flex_world: FlexWorld,
) -> None:
    flex_world.script.html_200 = True
    with pytest.raises(NotAFlexStatementError, match="HTML"):
        flex_world.client().fetch()


def test_a_csv_body_says_to_switch_the_query_to_xml(flex_world: FlexWorld) -> None:
    flex_world.script.payload = b'"BOF","U1","1","20260302"\n"EOF","U1"\n'
    with pytest.raises(NotAFlexStatementError) as caught:
        flex_world.client().fetch()
    assert "Format to XML" in caught.value.hint


def test_a_truncated_download_is_requested_again_once(flex_world: FlexWorld) -> None:
    flex_world.script.truncate_at = 3000
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    assert len(flex_world.service.requests_to("SendRequest")) == 2

    flex_world.service.log.clear()
    flex_world.clock.advance(61)
    flex_world.script.truncate_times = 5
    with pytest.raises(StatementTruncatedError):
        flex_world.client().fetch()
    assert len(flex_world.service.requests_to("SendRequest")) == 2


def test_timeouts_are_retried_then_fail_as_timeout_errors(
    flex_world: FlexWorld,
) -> None:
    flex_world.script.delay_seconds = 1.0
    flex_world.script.delay_times = 2
    recorder = Recorder()
    assert (
        flex_world.client(request_timeout_seconds=0.2)
        .fetch(observer=recorder)
        .read_bytes()
        == STATEMENT
    )
    retries = [d for kind, d in recorder.events if kind == "retrying"]
    assert [r["error_type"] for r in retries] == ["TimeoutError", "TimeoutError"]
    assert [r["retry_after_seconds"] for r in retries] == [5.0, 15.0]

    flex_world.clock.advance(61)
    flex_world.script.delay_times = 10
    with pytest.raises(FlexTimeoutError) as caught:
        flex_world.client(request_timeout_seconds=0.2).fetch()
    assert caught.value.error_type == "TimeoutError"


def test_a_connection_reset_is_retried(flex_world: FlexWorld) -> None:
    flex_world.script.reset_times = 1
    assert flex_world.client().fetch().read_bytes() == STATEMENT
    assert [g.outcome for g in flex_world.service.requests_to("GetStatement")] == [
        "reset",
        "statement",
    ]


def test_never_ready_ends_within_the_bound(flex_world: FlexWorld) -> None:
    flex_world.script.never_ready = True
    start = flex_world.clock.monotonic()
    with pytest.raises(FlexTimeoutError):
        flex_world.client().fetch()
    assert flex_world.clock.monotonic() - start <= 600
    assert len(flex_world.service.log) <= 60


def test_the_response_url_is_followed_only_to_allowlisted_https_hosts(
    flex_world: FlexWorld,
) -> None:
    flex_world.script.url_host = "evil.example.com"
    fetched = flex_world.client(follow_response_url=True).fetch()
    assert fetched.host == "127.0.0.1"


def test_explicit_dates_are_always_sent(flex_world: FlexWorld) -> None:
    flex_world.client().fetch(
        from_date=dt.date(2026, 1, 1), to_date=dt.date(2026, 1, 31)
    )
    send = flex_world.service.requests_to("SendRequest")[0]
    assert (send.params["fd"], send.params["td"]) == ("20260101", "20260131")


def test_invalid_windows_are_refused_before_any_call(flex_world: FlexWorld) -> None:
    client = flex_world.client()
    with pytest.raises(ValueError, match="at most 365"):
        client.fetch(from_date=dt.date(2025, 1, 1), to_date=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="both"):
        client.fetch(from_date=dt.date(2025, 1, 1))
    assert flex_world.service.log == []


def test_long_ranges_split_into_windows_of_at_most_365_days() -> None:
    windows = split_windows(dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    assert windows[0] == (dt.date(2020, 1, 1), dt.date(2020, 12, 30))
    assert all((end - start).days + 1 <= MAX_WINDOW_DAYS for start, end in windows)
    assert windows[-1][1] == dt.date(2022, 12, 31)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end + dt.timedelta(days=1)


def test_the_token_never_reaches_the_fake_service_log(flex_world: FlexWorld) -> None:
    flex_world.client().fetch()
    assert flex_world.token not in repr(flex_world.service.log)


class _MemoryCallLog:
    """What the database keeps for every process, in memory."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = {}

    def recent(self, key: str, since: float) -> list[float]:
        return [at for at in self.calls.get(key, []) if at >= since]

    def record(self, key: str, at: float) -> None:
        self.calls.setdefault(key, []).append(at)


def _two_processes_fetch(
    flex_world: FlexWorld, logs: tuple[_MemoryCallLog, ...]
) -> None:
    flex_world.script.ready_after_polls = 5
    for log in logs:
        # A client with its own pacer: what a second process would have.
        client = flex_world.client(poll_attempts=40, deadline_seconds=3600)
        client.share_pace(log)
        client.fetch()


def test_a_shared_call_log_keeps_the_pace_across_processes(
    flex_world: FlexWorld,
) -> None:
    shared = _MemoryCallLog()
    _two_processes_fetch(flex_world, (shared, shared))
    log = flex_world.service.log
    assert len(log) == 14  # two fetches of 1 SendRequest + 6 GetStatement
    _assert_within_pace(log)
    # The log keeps a fingerprint, never the token.
    assert flex_world.token not in "".join(shared.calls)


def test_without_a_shared_log_two_processes_would_break_the_pace(
    flex_world: FlexWorld,
) -> None:
    # The control: each "process" sees only its own calls.
    _two_processes_fetch(flex_world, (_MemoryCallLog(), _MemoryCallLog()))
    with pytest.raises(AssertionError):
        _assert_within_pace(flex_world.service.log)
