"""The fake's /_fake/ control API scripts it over real HTTP (FLEX_WEB_SERVICE §9.1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flexledger.adapter.fake_flex import (
    SERVICE_PATH,
    FakeClock,
    FakeFlexService,
    QueryScript,
    WallClock,
)
from flexledger.adapter.fake_flex_control import KNOB_TYPES, control_routes
from flexledger.adapter.flex_client import FlexClient, FlexClientConfig
from flexledger.domain.errors import FlexTokenExpiredError
from tests.fixtures.flex_server import STATEMENT
from tests.fixtures.live_server import serve_in_thread

TOKEN = "control-test-token"


@pytest.fixture
def statements(tmp_path: Path) -> Path:
    (tmp_path / "daily.xml").write_bytes(STATEMENT)
    return tmp_path


@pytest.fixture
def controlled(statements: Path) -> Iterator[tuple[FakeFlexService, str]]:
    service = FakeFlexService(tokens={TOKEN: "valid"}, queries={}, clock=FakeClock())
    service.add_routes(control_routes(service, statements))
    with serve_in_thread(service.app) as root:
        yield service, root


def _client(root: str, clock: FakeClock) -> FlexClient:
    config = FlexClientConfig(
        base_url=f"{root}{SERVICE_PATH}",
        token=TOKEN,
        query_id="900",
        request_timeout_seconds=5.0,
    )
    return FlexClient(config, clock=clock)


def test_a_query_scripted_over_http_is_served_after_its_in_progress_answers(
    controlled: tuple[FakeFlexService, str],
) -> None:
    service, root = controlled
    answer = httpx.put(
        f"{root}/_fake/queries/900",
        json={"statement": "daily.xml", "ready_after_polls": 2},
    )
    assert answer.status_code == 200
    assert answer.json() == {"query_id": "900", "payload_bytes": len(STATEMENT)}
    assert isinstance(service.clock, FakeClock)
    client = _client(root, service.clock)
    try:
        fetched = client.fetch()
        try:
            assert fetched.file.read() == STATEMENT
        finally:
            fetched.close()
    finally:
        client.close()
    log = httpx.get(f"{root}/_fake/requests").json()
    assert [entry["endpoint"] for entry in log] == [
        "SendRequest",
        "GetStatement",
        "GetStatement",
        "GetStatement",
    ]
    assert all(TOKEN not in str(entry) for entry in log)  # fingerprints only
    assert httpx.delete(f"{root}/_fake/requests").status_code == 204
    assert httpx.get(f"{root}/_fake/requests").json() == []


def test_a_token_expired_over_http_fails_the_next_fetch(
    controlled: tuple[FakeFlexService, str],
) -> None:
    service, root = controlled
    httpx.put(f"{root}/_fake/queries/900", json={"payload": "<FlexQueryResponse/>"})
    assert (
        httpx.put(
            f"{root}/_fake/tokens", json={"token": TOKEN, "status": "expired"}
        ).status_code
        == 200
    )
    assert isinstance(service.clock, FakeClock)
    client = _client(root, service.clock)
    try:
        with pytest.raises(FlexTokenExpiredError):
            client.fetch()
    finally:
        client.close()


def test_the_fake_clock_moves_forward_only(
    controlled: tuple[FakeFlexService, str],
) -> None:
    service, root = controlled
    before = service.clock.monotonic()
    moved = httpx.post(f"{root}/_fake/clock", json={"advance_seconds": 61})
    assert moved.json() == {"now": before + 61}
    assert (
        httpx.post(f"{root}/_fake/clock", json={"advance_seconds": -1}).status_code
        == 400
    )


def test_a_real_time_fake_has_no_clock_to_move() -> None:
    service = FakeFlexService(tokens={}, queries={}, clock=WallClock())
    service.add_routes(control_routes(service))
    with serve_in_thread(service.app) as root:
        answer = httpx.post(f"{root}/_fake/clock", json={"advance_seconds": 1})
    assert answer.status_code == 409


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"ready_after_polls": 1}, "exactly one of 'payload' and 'statement'"),
        ({"payload": "<x/>", "statement": "daily.xml"}, "exactly one"),
        ({"statement": "../daily.xml"}, "a file name in the folder"),
        ({"statement": "missing.xml"}, "no statement 'missing.xml'"),
        ({"payload": "<x/>", "retry_forever": True}, "unknown knobs: retry_forever"),
        ({"payload": "<x/>", "ready_after_polls": "3"}, "'ready_after_polls'"),
        ({"payload": "<x/>", "never_ready": 1}, "'never_ready'"),
        ({"payload": "<x/>", "send_errors": [1012]}, "'send_errors'"),
        ({"payload": "<x/>", "truncate_at": True}, "'truncate_at'"),
    ],
)
def test_bad_scripts_are_refused_with_the_reason(
    controlled: tuple[FakeFlexService, str], body: dict[str, object], reason: str
) -> None:
    service, root = controlled
    answer = httpx.put(f"{root}/_fake/queries/900", json=body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]
    assert "900" not in service.queries


def test_every_scenario_knob_can_be_set_over_http() -> None:
    knobs = {f.name for f in dataclasses.fields(QueryScript)} - {"payload"}
    assert set(KNOB_TYPES) == knobs


def test_without_control_the_prefix_is_an_html_404() -> None:
    service = FakeFlexService(tokens={}, queries={"1": QueryScript(payload=b"")})
    with serve_in_thread(service.app) as root:
        answer = httpx.get(f"{root}/_fake/requests")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
