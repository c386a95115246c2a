"""T04/T05/T16 through a real import, on SQLite and PostgreSQL.

The database already holds an imported fixture (raw, canonical and ledger rows).
Each case is imported with the mapping and ledger stages, as `flexledger import`
and the upload do: a failed run must leave every table but the run log exactly as
it was (a digest over all their rows), and must fail with a typed code, never
`INGESTION_UNEXPECTED_ERROR`. An accepted case may add rows, never lose one.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flexledger import __version__
from flexledger.adapter.statement_reader import DEFAULT_MAX_BYTES
from flexledger.db.base import Base
from flexledger.db.database import Database
from flexledger.jobs import ingest
from flexledger.jobs.ingest import Payload, read_payload_file
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.db import BlankDatabases
from tests.fixtures.environment import clean_environ
from tests.fixtures.live_server import serve_in_thread
from tests.hostile import corpus
from tests.hostile.conftest import figures
from tests.hostile.corpus import READ_ERRORS, Case, Expect
from tests.hostile.harness import (
    MAX_PEAK_BYTES,
    MAX_SECONDS,
    REGISTRY,
    Measured,
    database_digest,
    import_case,
    import_payload,
    raw_rows,
    settings,
)

# Codes an import adds to the reader's for a statement that reads but cannot be
# taken in (another account, no statement, not an Activity statement…).
INGEST_ERRORS = frozenset(
    {
        "ACCOUNT_MISMATCH",
        "BASE_CURRENCY_MISMATCH",
        "INGESTION_CONTRACT_ERROR",
        "MISSING_REQUIRED_SECTION",
    }
)
pytestmark = pytest.mark.usefixtures("traced_memory")

CASES = corpus.database_corpus()
# `flexledger` itself, reporting its peak RSS at exit. VmHWM belongs to the process
# image after exec; getrusage would count the forking test process's pages too.
_CLI_WITH_PEAK_RSS = """
import atexit, pathlib, sys
from flexledger.main import run
def peak():
    status = pathlib.Path("/proc/self/status").read_text()
    print([l for l in status.splitlines() if l.startswith("VmHWM")][0], file=sys.stderr)
atexit.register(peak)
sys.argv[0] = "flexledger"
sys.exit(run())
"""
# A bomb only has to outgrow the cap; the cap is lowered where the test would
# otherwise spend seconds inflating 512 MiB of NULs (one real-cap run below).
TEST_CAP = 32 * 1024 * 1024


def _load_base(database: Database) -> None:
    """Empty every table, then import the base fixture with every stage."""
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    outcome = import_payload(database, read_payload_file(corpus.BASE_FIXTURE))
    assert outcome.succeeded, outcome.run.diagnostics[-1]


@pytest.fixture(scope="module")
def loaded(blank_databases: BlankDatabases) -> Iterator[Database]:
    """A database of its own holding the base fixture, imported with every stage."""
    database = Database(blank_databases.create())
    database.upgrade()
    _load_base(database)
    try:
        yield database
    finally:
        database.dispose()


def _check_import(
    database: Database, case: Case, payload: Payload, suite: str
) -> Measured:
    before = database_digest(database)
    raw_before = raw_rows(database)
    measured = import_case(database, payload)
    figures(suite).record(
        case.name, measured.code or "accepted", measured.seconds, measured.peak_bytes
    )
    assert measured.code != "INGESTION_UNEXPECTED_ERROR", measured.message
    if measured.accepted:
        assert case.expect is not Expect.REJECT, f"{case.name} was imported"
        assert raw_before <= raw_rows(database)
        # Back to the base, so every case meets the same database (and the
        # ledger stage does not grow slower with each accepted mutant).
        _load_base(database)
    else:
        allowed = (
            case.codes if case.expect is Expect.REJECT else READ_ERRORS | INGEST_ERRORS
        )
        assert measured.code in allowed, f"{case.name}: {measured.message}"
        assert database_digest(database) == before, case.name
    assert measured.seconds < MAX_SECONDS, case.name
    assert measured.peak_bytes < MAX_PEAK_BYTES, case.name
    return measured


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_case_fails_typed_and_changes_nothing_or_imports(
    loaded: Database, dialect: str, case: Case
) -> None:
    payload = Payload.of_bytes(case.data, source="upload", name="case.xml")
    _check_import(loaded, case, payload, dialect)


def test_attack_payloads_change_nothing(loaded: Database, dialect: str) -> None:
    for case in corpus.attacks(
        canary_url="file:///nonexistent/canary", listener_url="http://127.0.0.1:9"
    ):
        if case.expect is Expect.REJECT:
            payload = Payload.of_bytes(case.data, source="upload", name="attack.xml")
            _check_import(loaded, case, payload, dialect)


@pytest.mark.parametrize(
    ("name", "body", "codes"), list(corpus.gzip_cases()), ids=lambda v: str(v)[:24]
)
def test_a_broken_gzip_file_fails_typed(
    loaded: Database,
    dialect: str,
    tmp_path: Path,
    name: str,
    body: bytes,
    codes: frozenset[str],
) -> None:
    path = tmp_path / f"{name}.xml.gz"
    path.write_bytes(body)
    case = Case(f"gzip/{name}", body, Expect.REJECT, codes)
    _check_import(loaded, case, read_payload_file(path), dialect)


def test_a_gzip_bomb_file_stops_at_the_size_cap(
    loaded: Database, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "DEFAULT_MAX_BYTES", TEST_CAP)
    path = tmp_path / "bomb.xml.gz"
    path.write_bytes(corpus.gzip_bomb(8 * TEST_CAP))
    case = Case("gzip/bomb", b"", Expect.REJECT, frozenset({"STATEMENT_TOO_LARGE"}))
    measured = _check_import(loaded, case, read_payload_file(path), dialect)
    assert measured.peak_bytes < 64 * 1024 * 1024


def test_a_gzip_bomb_upload_is_a_422_with_its_code(
    loaded: Database, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "DEFAULT_MAX_BYTES", TEST_CAP)
    before = database_digest(loaded)
    context = AppContext(
        settings=settings(),
        database=loaded,
        version=__version__,
        registry=REGISTRY,
    )
    bomb = corpus.gzip_bomb(8 * TEST_CAP)
    with serve_in_thread(create_app(context)) as base_url:
        response = httpx.post(
            f"{base_url}/ingestion/upload",
            files={"file": ("bomb.xml.gz", bomb, "application/gzip")},
            timeout=60,
        )
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "STATEMENT_TOO_LARGE"
    assert database_digest(loaded) == before


def test_flexledger_import_of_a_real_size_gzip_bomb_survives(
    loaded: Database, dialect: str, tmp_path: Path
) -> None:
    # A real-size bomb (past the 512 MiB cap), in a real process: the figure
    # for T05. It is refused by its inflation ratio long before the cap.
    path = tmp_path / "bomb.xml.gz"
    path.write_bytes(corpus.gzip_bomb(DEFAULT_MAX_BYTES + (64 << 20)))
    before = database_digest(loaded)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _CLI_WITH_PEAK_RSS, "import", str(path)],
        cwd=tmp_path,
        env=clean_environ(DATABASE_URL=loaded.url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seconds = time.perf_counter() - started
    stderr = result.stderr
    peak_rss = int(stderr.rsplit("VmHWM:", 1)[1].split()[0]) * 1024
    figures("gzip-bomb-cli").record(
        "512 MiB cap", "STATEMENT_TOO_LARGE", seconds, peak_rss
    )
    assert result.returncode == 1, stderr
    assert "STATEMENT_TOO_LARGE" in stderr
    assert "gzip bomb" in stderr  # refused by its ratio, not at the size cap
    assert "Traceback" not in stderr
    assert peak_rss < MAX_PEAK_BYTES
    assert database_digest(loaded) == before
    assert path.stat().st_size < 1024 * 1024  # ~1:1000, as T05 has it
