"""The demo database end to end on SQLite: imported, reconciled, annotated, served."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from flexledger import __version__
from flexledger.db.database import Database
from flexledger.db.tables import (
    CorpActionCaseRow,
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    InstrumentRow,
    LedgerCheckRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
    RawRecordRow,
)
from flexledger.demo.build import (
    MARKER_FILE,
    DemoFolderInUseError,
    DemoResult,
    build_demo,
)
from flexledger.demo.sample import (
    ACCOUNT_ID,
    BY_SYMBOL,
    MERGER_ACQUIRER,
    MERGER_TARGET,
    SPLIT_SYMBOL,
)
from flexledger.domain.canonical import instrument_id_for
from flexledger.jobs.labels import list_labels
from flexledger.jobs.notes import list_notes
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

END = dt.date(2025, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    lines: list[str] = []
    result = build_demo(
        tmp_path_factory.mktemp("demo"),
        installed_registry(),
        end=END,
        report=lines.append,
    )
    assert lines[0].startswith("Generating 30 monthly statements")
    assert any("[30/30]" in line for line in lines)
    return result


@pytest.fixture(scope="module")
def database(demo: DemoResult) -> Iterator[Database]:
    handle = Database(demo.settings.effective_database_url)
    yield handle
    handle.dispose()


def _instrument(symbol: str) -> object:
    return instrument_id_for(ACCOUNT_ID, BY_SYMBOL[symbol].conid)


def test_every_statement_imports_as_one_successful_run(demo: DemoResult) -> None:
    assert not demo.reused
    assert len(demo.runs) == 30
    assert all(run.succeeded for run in demo.runs)
    assert all(run.run.account_id == ACCOUNT_ID for run in demo.runs)
    assert (demo.data_dir / MARKER_FILE).is_file()
    assert len(list((demo.data_dir / "statements").glob("*.xml"))) == 30


def test_mapping_and_ledger_report_only_the_expected_findings(
    demo: DemoResult,
) -> None:
    diagnostics: Counter[str] = Counter()
    messages: set[str] = set()
    findings: Counter[str] = Counter()
    cases = 0
    for outcome in demo.runs:
        for event in outcome.run.diagnostics:
            details = event.get("details", {})
            diagnostics.update(details.get("diagnostics_by_code", {}))
            messages |= {d["message"] for d in details.get("diagnostics", [])}
            findings.update(details.get("findings_by_code", {}))
            cases += details.get("corp_action_cases_opened", 0)
    # Currency conversions stay raw (SPEC D-12); empty sections are rows of
    # their own that no mapper reads. Nothing else, and no contract violation.
    assert set(diagnostics) == {"mapping.unmapped"}
    assert messages <= {
        "no mapper for Trades rows of asset category CASH: kept raw",
        "no mapper for Trades rows: kept raw",
        "CorporateActions row <section> is not an action leg",
    }
    assert findings == Counter()
    assert cases == 1


def test_instruments_in_three_currencies(database: Database) -> None:
    with database.unit_of_work() as uow:
        currencies = Counter(uow.session.scalars(select(InstrumentRow.currency)))
    assert currencies == {"USD": 7, "EUR": 2, "GBP": 2}


def test_cashflows_of_every_kind_including_the_reversal(database: Database) -> None:
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(EventCashflowRow.cash_action, EventCashflowRow.amount)
        ).all()
    kinds = Counter(action for action, _ in rows)
    assert kinds["DIVIDEND"] >= 40
    assert kinds["WITHHOLDING_TAX"] >= 35
    assert kinds["OTHER_FEES"] >= 50
    assert kinds["BROKER_INTEREST_RECEIVED"] >= 20
    assert kinds["BROKER_INTEREST_PAID"] >= 20
    assert kinds["DEPOSIT_WITHDRAWAL"] == 3
    # The reversal: one negative dividend, one positive withholding.
    assert sum(1 for a, v in rows if a == "DIVIDEND" and v < 0) == 1
    assert sum(1 for a, v in rows if a == "WITHHOLDING_TAX" and v > 0) == 1


def test_fx_rates_and_conversions(database: Database) -> None:
    with database.unit_of_work() as uow:
        rates = Counter(uow.session.scalars(select(EventFxRow.currency)))
        conversions = uow.session.scalars(
            select(RawRecordRow.source_payload).where(
                RawRecordRow.section_name == "Trades"
            )
        ).all()
    assert set(rates) == {"EUR", "GBP"}
    assert rates["EUR"] > 2 * 365
    assert sum(1 for a in conversions if a.get("assetCategory") == "CASH") == 4


def test_the_split_is_applied_to_the_lots(database: Database) -> None:
    instrument = _instrument(SPLIT_SYMBOL)
    with database.unit_of_work() as uow:
        legs = uow.session.execute(
            select(EventCorpActionRow.reorg_code, EventCorpActionRow.requires_manual)
        ).all()
        lots = uow.session.execute(
            select(PositionLotRow.open_quantity, PositionLotRow.remaining_quantity)
            .where(PositionLotRow.instrument_id == instrument)
            .order_by(PositionLotRow.opened_at_utc)
        ).all()
    assert ("FS", False) in legs
    # 60 and 40 bought before the 4-for-1 split; 260 sold after; 50 bought later.
    assert lots == [
        (Decimal(240), Decimal(0)),
        (Decimal(160), Decimal(140)),
        (Decimal(50), Decimal(50)),
    ]


def test_the_merger_is_the_one_open_case_and_its_instrument_is_provisional(
    database: Database,
) -> None:
    target = _instrument(MERGER_TARGET)
    with database.unit_of_work() as uow:
        cases = uow.session.execute(
            select(CorpActionCaseRow.action_type, CorpActionCaseRow.status)
        ).all()
        latest = uow.session.execute(
            select(
                PnlSnapshotDailyRow.provisional, PnlSnapshotDailyRow.unresolved_cases
            )
            .where(PnlSnapshotDailyRow.instrument_id == target)
            .order_by(PnlSnapshotDailyRow.report_date_local.desc())
            .limit(1)
        ).one()
    assert cases == [("TC", "open")]
    assert tuple(latest) == (True, 1)


def test_ours_agrees_with_ibkr_except_where_the_case_is(database: Database) -> None:
    acquirer = _instrument(MERGER_ACQUIRER)
    with database.unit_of_work() as uow:
        checks = uow.session.execute(
            select(
                LedgerCheckRow.check_kind,
                LedgerCheckRow.instrument_id,
                LedgerCheckRow.passed,
                LedgerCheckRow.reason_code,
            )
        ).all()
    trades = [c for c in checks if c.check_kind == "trade_realized_pnl"]
    assert len(trades) >= 10
    assert all(c.passed for c in trades)
    failed = [c for c in checks if not c.passed]
    assert failed
    assert {(c.check_kind, c.instrument_id, c.reason_code) for c in failed} == {
        ("position_qty", acquirer, "corporate_action_adjustment")
    }


def test_labels_and_notes(database: Database) -> None:
    labels = list_labels(database)
    assert [label.name for label in labels.labels] == [
        "Core",
        "Dividend",
        "Speculative",
    ]
    notes = list_notes(database).notes
    assert len(notes) == 6
    assert sum(1 for n in notes if n.event is not None) == 2
    assert sum(1 for n in notes if n.instrument_id is not None) == 3


def test_a_second_build_reuses_the_folder(demo: DemoResult) -> None:
    lines: list[str] = []
    again = build_demo(
        demo.data_dir, installed_registry(), end=END, report=lines.append
    )
    assert again.reused
    assert again.runs == ()
    assert lines[0].startswith("Reusing the demo in")


def test_a_folder_with_another_database_is_refused(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "flexledger.sqlite3").close()
    with pytest.raises(DemoFolderInUseError, match="not a demo"):
        build_demo(tmp_path, installed_registry(), end=END)
    assert not (tmp_path / "statements").exists()


def test_the_served_app_answers_with_data(demo: DemoResult, database: Database) -> None:
    context = AppContext(
        settings=demo.settings,
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    with serve_in_thread(create_app(context)) as base_url:
        health = httpx.get(f"{base_url}/health", timeout=30)
        instruments = httpx.get(f"{base_url}/instruments", timeout=30)
        labels = httpx.get(f"{base_url}/labels", timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert instruments.status_code == 200
    body = instruments.json()
    assert body["page"]["total"] == 11
    assert {item["symbol"] for item in body["items"]} >= {"BRDM", "VELD", "TBU"}
    assert labels.status_code == 200
    assert labels.json()["page"]["total"] == 3
