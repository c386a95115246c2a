"""A ledger computed in two parts (this process and a forked child) stores the same.

Real statements, real databases: each is imported, then its ledger recomputed in
one pass and in two parts, and the stored rows and the stage's details compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.tables import (
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
)
from flexledger.demo.flex_writer import file_name, statement_xml
from flexledger.demo.sample import DEFAULT_SEED, simulate
from flexledger.jobs import ledger_parts
from flexledger.jobs.forked import ForkedCall
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from flexledger.jobs.ledger import recompute
from flexledger.jobs.stages import post_persist_stages
from flexledger.ledger.compute import compute_ledger
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.registry import installed_registry

REGISTRY = installed_registry()
_DERIVED = (PositionLotRow, LotClosureRow, LedgerCheckRow, PnlSnapshotDailyRow)
_VOLATILE = {"created_at_utc", "updated_at_utc", "ingestion_run_id"}
# Several instruments each; corporate actions (a split, a merger's case) in some.
# The public statements whose fills span several instruments.
STATEMENTS = (
    "portfolio-performance__portfolio__testIBFlexStatementFile02.xml",
    "OSadovy__uabean__beancount.xml",  # an identity change links two conids
)


def _import(database: Database, path: Path) -> None:
    _import_bytes(database, path.read_bytes(), path.name)


def _import_bytes(database: Database, data: bytes, name: str) -> None:
    settings = load_settings(_env_file=None)
    outcome = ingest_payload(
        database,
        settings,
        Payload.of_bytes(data, source="file", name=name),
        IngestOptions(allow_missing_sections=True),
        hooks=post_persist_stages(REGISTRY, settings),
    )
    assert outcome.succeeded, outcome.run.diagnostics[-1]


def _import_demo_history(database: Database) -> None:
    # 30 monthly statements of 12 stocks: splits, a merger's case, dividends,
    # withholding, FX, instruments held across years.
    account = simulate(DEFAULT_SEED, dt.date(2026, 11, 30))
    for statement in account.statements:
        _import_bytes(database, statement_xml(statement), file_name(statement))


def _rebuild(
    database: Database, *, parallel: bool = True
) -> tuple[dict[str, Any], str]:
    """Recompute everything; the stage details and a digest of the stored rows."""
    with database.unit_of_work() as uow:
        details = recompute(
            uow, None, since=None, ingestion_run_id=None, parallel=parallel
        )
    digest = hashlib.sha256()
    with database.unit_of_work() as uow:
        for table in _DERIVED:
            columns = [c for c in table.__table__.columns if c.name not in _VOLATILE]
            primary = list(table.__table__.primary_key)
            for row in uow.session.execute(select(*columns).order_by(*primary)):
                digest.update(repr(tuple(str(v) for v in row)).encode())
    return details, digest.hexdigest()


class _Children:
    """Counts the forked parts and which of them came back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.returned = 0
        real = ForkedCall.result

        def result(call: ForkedCall[Any]) -> Any:
            value = real(call)
            self.returned += value is not None
            return value

        monkeypatch.setattr(ForkedCall, "result", result)


@pytest.mark.parametrize("name", STATEMENTS)
def test_two_parts_store_what_one_pass_stores(
    database: Database, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _import(database, FLEX_DIR / name)
    one_pass = _rebuild(database)
    children = _Children(monkeypatch)
    monkeypatch.setattr(ledger_parts, "PARALLEL_MIN_FILLS", 1)
    in_parts = _rebuild(database)
    assert children.returned == 1  # the child's rows were used
    assert in_parts == one_pass
    assert one_pass[0]["rows_written"]["pnl_snapshot_daily"] > 0


def test_the_demo_history_in_two_parts_stores_what_one_pass_stores(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_demo_history(database)
    one_pass = _rebuild(database)
    children = _Children(monkeypatch)
    monkeypatch.setattr(ledger_parts, "PARALLEL_MIN_FILLS", 1)
    assert _rebuild(database) == one_pass
    assert children.returned == 1
    assert one_pass[0]["ledger_instruments"] > 10
    assert one_pass[0]["rows_written"]["lot_closure"] > 0


def test_a_ledger_computed_alone_piece_by_piece_stores_what_one_pass_stores(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_demo_history(database)
    one_pass = _rebuild(database)
    passes = 0
    real = compute_ledger

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal passes
        passes += 1
        return real(*args, **kwargs)

    monkeypatch.setattr("flexledger.jobs.ledger.compute_ledger", counted)
    monkeypatch.setattr(ledger_parts, "PARALLEL_MIN_FILLS", 1)
    monkeypatch.setattr(ledger_parts, "PIECE_FILLS", 3)  # an instrument or two each
    monkeypatch.setattr(ForkedCall, "__enter__", _refuse_fork)
    assert _rebuild(database, parallel=False) == one_pass
    assert passes >= 4


def test_ledger_parallel_off_computes_in_one_pass(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(database, FLEX_DIR / STATEMENTS[0])
    monkeypatch.setattr(ledger_parts, "PARALLEL_MIN_FILLS", 1)
    monkeypatch.setattr(ForkedCall, "__enter__", _refuse_fork)
    details, _ = _rebuild(database, parallel=False)
    assert details["rows_written"]["position_lot"] > 0
    assert load_settings(_env_file=None).ledger_parallel  # on unless set off
    monkeypatch.setenv("LEDGER_PARALLEL", "false")
    assert not load_settings(_env_file=None).ledger_parallel


def _refuse_fork(_: object) -> None:
    raise AssertionError("forked although LEDGER_PARALLEL is false")


def test_a_failed_child_s_part_is_computed_here(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(database, FLEX_DIR / STATEMENTS[0])
    one_pass = _rebuild(database)
    monkeypatch.setattr(ledger_parts, "PARALLEL_MIN_FILLS", 1)
    monkeypatch.setattr(ForkedCall, "_run_child", lambda _, __: os._exit(3))
    assert _rebuild(database) == one_pass


def _fail() -> int:
    raise RuntimeError("boom")


def test_a_forked_call_returns_the_child_s_value_or_none() -> None:
    with ForkedCall(lambda: {"rows": list(range(100_000))}) as values:
        assert values.result() == {"rows": list(range(100_000))}
    with ForkedCall(_fail) as failing:
        assert failing.result() is None
    with ForkedCall(lambda: os._exit(0)) as silent:  # exits before writing
        assert silent.result() is None
    with ForkedCall(lambda: 1) as unasked:
        pass  # leaving without asking reaps the child
    assert unasked.result() is None
