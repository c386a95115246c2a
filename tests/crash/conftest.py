"""Fixtures of the crash suite: payload cases, reference hashes, the fork server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flexledger.db.database import Database
from tests.crash.client import ForkServer
from tests.crash.harness import (
    Case,
    Reference,
    export_hash,
    import_file,
    make_cases,
    raw_row_count,
)
from tests.fixtures.db import BlankDatabases


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """The payload sizes, generated once per session."""
    return make_cases(tmp_path_factory.mktemp("payloads"))


@pytest.fixture(scope="session")
def forkserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    """A warm `flexledger` that forks one fresh process per command."""
    server = ForkServer(tmp_path_factory.mktemp("forked"))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def reference(blank_databases: BlankDatabases) -> Callable[[Case], Reference]:
    """The export hashes before and after an uninterrupted import of a case.

    Computed once per case and database engine, in a second database, so a test
    compares its crashed database with a run that never saw a crash.
    """
    known: dict[str, Reference] = {}

    def value(case: Case) -> Reference:
        if case.name not in known:
            database = Database(blank_databases.create())
            try:
                database.upgrade()
                for path in case.before:
                    assert import_file(database, path).succeeded
                before = export_hash(database)
                outcome = import_file(database, case.payload)
                assert outcome.succeeded, outcome.run.error_message
                known[case.name] = Reference(
                    before, export_hash(database), raw_row_count(database)
                )
            finally:
                database.dispose()
        return known[case.name]

    return value


@pytest.fixture
def workdir(clean_env: Path) -> Path:
    """An empty working folder without settings, for the processes a test starts."""
    return clean_env
