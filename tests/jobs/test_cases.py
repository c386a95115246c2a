"""Closing a case recomputes only the instruments it touches, in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from flexledger.db.database import Database
from flexledger.db.repositories.cases import CaseFilter
from flexledger.domain.cases import CaseStatus, CorpActionCase
from flexledger.domain.errors import (
    CaseAlreadyClosedError,
    CaseNoteRequiredError,
    NotFoundError,
    RunAlreadyActiveError,
)
from flexledger.jobs import cases as case_jobs
from flexledger.jobs.cases import dismiss_case, get_case, list_cases, resolve_case
from flexledger.jobs.reprocess import reprocess
from tests.fixtures.corporate import (
    REGISTRY,
    import_cases_statement,
    instrument_ids,
    settings,
    snapshots,
)

CLOSED_AT = dt.datetime(2025, 2, 1, 12, 30, tzinfo=dt.UTC)


def _clock() -> dt.datetime:
    return CLOSED_AT


def _case(database: Database, symbol: str) -> CorpActionCase:
    (case,) = [c for c in list_cases(database).cases if c.symbol == symbol]
    return case


@pytest.fixture
def imported(database: Database) -> Database:
    import_cases_statement(database)
    return database


def _is_clean(rows: list[dict[str, Any]]) -> bool:
    return bool(rows) and all(
        not row["provisional"]
        and row["unresolved_cases"] == 0
        and row["diagnostic_codes"] is None
        for row in rows
    )


def test_cases_start_open_and_keep_their_instruments_provisional(
    imported: Database,
) -> None:
    page = list_cases(imported, CaseFilter(status=CaseStatus.OPEN))
    assert page.total == 2
    assert {c.symbol for c in page.cases} == {"MRGR", "OTHR"}
    for symbol in ("MRGR", "OTHR"):
        rows = snapshots(imported, symbol)
        assert rows
        assert all(r["provisional"] for r in rows)
        assert all(r["unresolved_cases"] == 1 for r in rows)
    assert list_cases(imported, CaseFilter(status=CaseStatus.RESOLVED)).total == 0


def test_resolving_clears_its_instrument_and_leaves_the_others_alone(
    imported: Database,
) -> None:
    ids = instrument_ids(imported)
    others = {symbol: snapshots(imported, symbol) for symbol in ("SPLT", "OTHR")}
    case = _case(imported, "MRGR")
    change = resolve_case(
        imported,
        case.case_id,
        note="received 5 ACQR per 10 MRGR; basis carried",
        owner="dana",
        quantity=Decimal("-10"),
        cost=Decimal("-1001"),
        clock=_clock,
    )
    assert change.case.status is CaseStatus.RESOLVED
    assert (change.case.owner, change.case.resolved_at) == ("dana", CLOSED_AT)
    assert change.case.quantity_adjustment == Decimal("-10")
    assert change.unresolved_cases == {ids["MRGR"]: 0}
    assert change.ledger["rows_written"]["pnl_snapshot_daily"] == 2
    assert _is_clean(snapshots(imported, "MRGR"))
    # Other instruments: the same rows, byte for byte (OTHR still has its case).
    assert {s: snapshots(imported, s) for s in ("SPLT", "OTHR")} == others
    assert get_case(imported, case.case_id) == change.case


def test_dismissing_clears_it_too(imported: Database) -> None:
    ids = instrument_ids(imported)
    case = _case(imported, "OTHR")
    change = dismiss_case(imported, case.case_id, note="no effect", clock=_clock)
    assert change.case.status is CaseStatus.DISMISSED
    assert change.unresolved_cases == {ids["OTHR"]: 0}
    assert _is_clean(snapshots(imported, "OTHR"))
    assert all(r["unresolved_cases"] == 1 for r in snapshots(imported, "MRGR"))


def test_a_failed_recompute_commits_nothing(
    imported: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshots(imported, "MRGR")
    case = _case(imported, "MRGR")

    def broken(*_: object, **__: object) -> dict[str, Any]:
        raise RuntimeError("ledger failed")

    monkeypatch.setattr(case_jobs, "recompute", broken)
    with pytest.raises(RuntimeError, match="ledger failed"):
        resolve_case(imported, case.case_id, note="done", clock=_clock)
    assert get_case(imported, case.case_id).is_open
    assert snapshots(imported, "MRGR") == before


def test_a_closed_case_is_refused_and_unchanged(imported: Database) -> None:
    case = _case(imported, "MRGR")
    dismiss_case(imported, case.case_id, note="first", clock=_clock)
    with pytest.raises(CaseAlreadyClosedError):
        resolve_case(imported, case.case_id, note="second")
    with pytest.raises(CaseAlreadyClosedError):
        dismiss_case(imported, case.case_id, note="third")
    assert get_case(imported, case.case_id).resolution_note == "first"


def test_refusals_before_any_change(imported: Database) -> None:
    case = _case(imported, "MRGR")
    with pytest.raises(CaseNoteRequiredError):
        resolve_case(imported, case.case_id, note=" ")
    with pytest.raises(CaseNoteRequiredError):
        dismiss_case(imported, case.case_id, note="")
    with pytest.raises(NotFoundError):
        resolve_case(imported, uuid.uuid4(), note="x")
    with pytest.raises(NotFoundError):
        get_case(imported, uuid.uuid4())
    assert get_case(imported, case.case_id).is_open


def test_a_case_waits_while_a_run_is_active(imported: Database) -> None:
    case = _case(imported, "MRGR")
    with imported.run_lock(), pytest.raises(RunAlreadyActiveError):
        resolve_case(imported, case.case_id, note="done")
    assert get_case(imported, case.case_id).is_open


def test_reprocess_keeps_a_resolution(imported: Database) -> None:
    case = _case(imported, "MRGR")
    resolve_case(imported, case.case_id, note="done", cost=Decimal("1.5"), clock=_clock)
    resolved = get_case(imported, case.case_id)
    after_resolve = snapshots(imported, "MRGR")
    assert reprocess(imported, settings(), REGISTRY).succeeded
    assert get_case(imported, case.case_id) == resolved
    assert snapshots(imported, "MRGR") == after_resolve
    assert _is_clean(after_resolve)
