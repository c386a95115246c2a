"""T05: XML attacks are refused fast, in bounded memory, touching no file or socket.

The external-entity cases point at a canary file and at a listening socket on
127.0.0.1: the canary's text must never appear in an error or a row, and the
listener must never see a connection.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flexledger.adapter.statement_reader import read_statement
from flexledger.domain.errors import FlexLedgerError
from tests.hostile import corpus
from tests.hostile.corpus import Case, Expect
from tests.hostile.harness import read_case
from tests.hostile.test_reader_corpus import check

pytestmark = pytest.mark.usefixtures("traced_memory")

# T05's own bounds for a refused attack: far below the corpus-wide ones.
ATTACK_MAX_SECONDS = 5.0
ATTACK_MAX_PEAK_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(file URL, secret text) of a file no case may read."""
    secret = f"CANARY-{uuid.uuid4()}"
    path: Path = tmp_path_factory.mktemp("canary") / "secret.txt"
    path.write_text(secret)
    return path.as_uri(), secret


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[str, socket.socket]]:
    """(http URL, socket) of a listener no case may connect to."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", server
    finally:
        server.close()


def _attack_cases() -> list[Case]:
    # Built per test session with placeholders, then given the real URLs: the
    # ids must be known at collection, the URLs only once the fixtures run.
    return list(corpus.attacks(canary_url="CANARY_URL", listener_url="LISTENER_URL"))


def _connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.mark.parametrize("template", _attack_cases(), ids=lambda case: case.name)
def test_an_attack_is_refused_without_side_effects(
    template: Case,
    canary: tuple[str, str],
    listener: tuple[str, socket.socket],
) -> None:
    canary_url, secret = canary
    listener_url, server = listener
    data = template.data.replace(b"CANARY_URL", canary_url.encode()).replace(
        b"LISTENER_URL", listener_url.encode()
    )
    case = Case(template.name, data, template.expect, template.codes)
    measured = read_case(case.data)
    check(case, measured, "attacks")
    assert secret not in measured.message
    if case.expect is Expect.REJECT:
        assert measured.seconds < ATTACK_MAX_SECONDS, measured.seconds
        assert measured.peak_bytes < ATTACK_MAX_PEAK_BYTES, measured.peak_bytes
    else:
        records, _ = read_statement(case.data)
        assert all(secret not in repr(r.attrs) for r in records)
    assert _connections(server) == 0


def test_the_attack_set_is_complete() -> None:
    names = {case.name.split("/", 1)[1] for case in _attack_cases()}
    assert {
        "billion-laughs",
        "quadratic-blowup",
        "xxe-file",
        "xxe-http",
        "external-dtd",
        "parameter-entity",
        "deep-nesting-100k",
        "huge-attribute-50mb",
        "many-attributes-1m",
    } <= names


def test_refusals_say_what_to_do() -> None:
    for case in _attack_cases():
        if case.expect is not Expect.REJECT:
            continue
        with pytest.raises(FlexLedgerError) as caught:
            read_statement(case.data)
        assert caught.value.hint, case.name
