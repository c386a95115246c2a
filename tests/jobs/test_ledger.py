"""The ledger stage against real databases: lots, closures, checks, snapshots."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.db.tables import (
    InstrumentRow,
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
)
from flexledger.domain.cases import CaseStatus
from flexledger.jobs.cases import list_cases, resolve_case
from flexledger.jobs.ingest import IngestOptions, IngestOutcome, Payload, ingest_payload
from flexledger.jobs.reprocess import reprocess
from flexledger.jobs.stages import post_persist_stages
from tests.fixtures.flex_files import FLEX_DIR, one_account_statement
from tests.fixtures.registry import installed_registry

REGISTRY = installed_registry()
UABEAN = FLEX_DIR / "OSadovy__uabean__beancount.xml"
FILE17 = FLEX_DIR / "portfolio-performance__portfolio__testIBFlexStatementFile17.xml"
_DERIVED = (PositionLotRow, LotClosureRow, LedgerCheckRow, PnlSnapshotDailyRow)
_VOLATILE = {"created_at_utc", "updated_at_utc", "ingestion_run_id"}


def _settings() -> Settings:
    return load_settings(_env_file=None)


def _import(database: Database, data: bytes, name: str) -> IngestOutcome:
    settings = _settings()
    outcome = ingest_payload(
        database,
        settings,
        Payload.of_bytes(data, source="file", name=name),
        IngestOptions(allow_missing_sections=True),
        hooks=post_persist_stages(REGISTRY, settings),
    )
    assert outcome.succeeded, outcome.run.diagnostics[-1]
    return outcome


def _ledger_digest(database: Database) -> str:
    digest = hashlib.sha256()
    with database.unit_of_work() as uow:
        for table in _DERIVED:
            columns = [c for c in table.__table__.columns if c.name not in _VOLATILE]
            primary = list(table.__table__.primary_key)
            for row in uow.session.execute(select(*columns).order_by(*primary)):
                digest.update(repr(tuple(str(v) for v in row)).encode())
    return digest.hexdigest()


def _by_symbol(database: Database, table: Any) -> dict[str, list[Any]]:
    with database.unit_of_work() as uow:
        symbols = dict(
            uow.session.execute(
                select(InstrumentRow.instrument_id, InstrumentRow.symbol)
            ).all()
        )
        found: dict[str, list[Any]] = {}
        for row in uow.session.scalars(select(table)):
            found.setdefault(symbols[row.instrument_id], []).append(row)
        return found


def _stage(outcome: IngestOutcome) -> dict[str, Any]:
    (entry,) = [e for e in outcome.run.diagnostics or [] if e["stage"] == "snapshot"]
    details: dict[str, Any] = entry["details"]
    return details


def test_a_real_statement_gives_lots_closures_checks_and_snapshots(
    database: Database,
) -> None:
    details = _stage(_import(database, UABEAN.read_bytes(), UABEAN.name))
    # AGG: BUY 30 @117.25 (cost 3518.5), SELL 5 @118.43: IBKR realized 4.719652.
    assert details["trade_checks"] == {
        "total": 3,
        "passed": 3,
        "by_reason": {"missing_opening_lot": 2},
    }
    lots = _by_symbol(database, PositionLotRow)
    (agg,) = lots["AGG"]
    assert (agg.open_quantity, agg.remaining_quantity) == (Decimal(30), Decimal(25))
    assert agg.cost_basis_open == Decimal("3518.5")
    assert agg.status == "open"
    closures = _by_symbol(database, LotClosureRow)
    (sale,) = closures["AGG"]
    assert sale.realized_pnl == Decimal("4.71965181")
    assert (sale.holding_days, sale.basis_source) == (137, "lots")
    # BRK B is sold without a buy in the file: IBKR's basis, flagged, provisional.
    assert {c.basis_source for c in closures["BRK B"]} == {"broker_cost"}
    assert details["findings_by_code"] == {"INSUFFICIENT_LOTS": 2}
    snapshots = _by_symbol(database, PnlSnapshotDailyRow)
    assert all(s.provisional for s in snapshots["BRK B"])
    assert all(
        "INSUFFICIENT_LOTS" in (s.diagnostic_codes or "") for s in snapshots["BRK B"]
    )
    last_agg = max(snapshots["AGG"], key=lambda s: s.report_date_local)
    assert last_agg.position_qty == Decimal(25)
    assert last_agg.realized_pnl == Decimal("4.71965181")


def test_incremental_and_full_rebuilds_give_the_same_rows(database: Database) -> None:
    _import(database, UABEAN.read_bytes(), UABEAN.name)
    after_import = _ledger_digest(database)
    for _ in range(2):
        assert reprocess(database, _settings(), REGISTRY).succeeded
        assert _ledger_digest(database) == after_import


def test_positions_without_events_are_seeded_by_the_import_itself(
    database: Database,
) -> None:
    # File17 reports 11 stock positions and no trade: history older than the file.
    _import(database, FILE17.read_bytes(), FILE17.name)
    after_import = _ledger_digest(database)
    lots = _by_symbol(database, PositionLotRow)
    assert len(lots) == 11
    assert {lot.basis_source for found in lots.values() for lot in found} == {
        "broker_position"
    }
    assert reprocess(database, _settings(), REGISTRY).succeeded
    assert _ledger_digest(database) == after_import


_statement = one_account_statement


def _buy(conid: str, symbol: str, exec_id: str) -> str:
    return (
        f'<Trade assetCategory="STK" conid="{conid}" symbol="{symbol}" currency="USD" '
        f'levelOfDetail="EXECUTION" transactionID="{exec_id[1:]}" ibExecID="{exec_id}" '
        'dateTime="20250102;100000" reportDate="20250102" buySell="BUY" '
        'quantity="10" tradePrice="100" ibCommission="-1" fifoPnlRealized="0"/>'
    )


def _trade(exec_id: str, side: str, quantity: str, price: str, when: str) -> str:
    executed, reported = when.split("/")
    return (
        '<Trade assetCategory="STK" conid="3003" symbol="CORR" currency="USD" '
        f'levelOfDetail="EXECUTION" transactionID="{exec_id[1:]}" ibExecID="{exec_id}" '
        f'dateTime="{executed}" reportDate="{reported}" buySell="{side}" '
        f'quantity="{quantity}" tradePrice="{price}" ibCommission="0"/>'
    )


def test_a_late_correction_imported_incrementally_equals_a_full_rebuild(
    database: Database,
) -> None:
    # IBKR books a correction days later under the original dateTime: the cancel
    # removes a fill dated before the new rows, and the rebooked fill replays
    # before a newer trade, so dates before the run's own change too.
    first = _statement(
        "20251103",
        "<Trades>"
        + _trade("E11", "BUY", "10", "100", "20251031;150000/20251031")
        + _trade("E12", "BUY", "5", "101", "20251103;100000/20251103")
        + "</Trades>",
    )
    correction = _statement(
        "20251104",
        "<Trades>"
        + _trade("E13", "SELL (Ca.)", "-10", "100", "20251031;150000/20251104")
        + _trade("E14", "BUY", "10", "99", "20251031;150000/20251104")
        + "</Trades>",
    )
    assert _import(database, first, "first.xml").succeeded
    outcome = _import(database, correction, "correction.xml")
    assert outcome.succeeded
    assert _stage(outcome)["ledger_since"] == "2025-10-31"
    incremental = _ledger_digest(database)
    assert reprocess(database, _settings(), REGISTRY).succeeded
    assert _ledger_digest(database) == incremental
    snapshots = _by_symbol(database, PnlSnapshotDailyRow)["CORR"]
    assert [(s.report_date_local.isoformat(), s.position_qty) for s in snapshots] == [
        ("2025-11-03", Decimal(15)),
        ("2025-11-04", Decimal(15)),
    ]


CORPORATE = _statement(
    "20250110",
    "<Trades>"
    + _buy("1001", "SPLT", "E1")
    + _buy("2002", "MRGR", "E2")
    + "</Trades><CorporateActions>"
    '<CorporateAction assetCategory="STK" conid="1001" symbol="SPLT" currency="USD" '
    'reportDate="20250106" type="FS" actionID="A1" transactionID="71" quantity="30" '
    'description="SPLT(US0000000001) SPLIT 4 FOR 1 (SPLT, SPLIT CO, US0000000001)"/>'
    '<CorporateAction assetCategory="STK" conid="2002" symbol="MRGR" currency="USD" '
    'reportDate="20250107" type="TC" actionID="A2" transactionID="72" quantity="-10" '
    'description="MRGR(US0000000002) MERGED(Acquisition) WITH US0000000003 1 FOR 2"/>'
    "</CorporateActions><OpenPositions>"
    '<OpenPosition assetCategory="STK" conid="1001" symbol="SPLT" currency="USD" '
    'reportDate="20250110" position="40" markPrice="26" levelOfDetail="SUMMARY"/>'
    "</OpenPositions>",
)


def test_a_split_applies_and_a_merger_opens_a_case_for_its_instrument_only(
    database: Database,
) -> None:
    _import(database, CORPORATE, "corporate.xml")
    lots = _by_symbol(database, PositionLotRow)
    (split,) = lots["SPLT"]
    assert split.remaining_quantity == Decimal(40)
    assert split.cost_basis_open == Decimal(1001)  # total cost kept
    assert split.open_price == Decimal(25)
    snapshots = _by_symbol(database, PnlSnapshotDailyRow)
    # On the statement date IBKR's mark values it: 40 x 26 - 1001 = 39.
    last = max(snapshots["SPLT"], key=lambda s: s.report_date_local)
    assert (last.provisional, last.valuation_source) == (False, "openpositions_mark")
    assert last.unrealized_pnl == Decimal(39)
    with database.unit_of_work() as uow:
        (position,) = uow.session.scalars(
            select(LedgerCheckRow).where(LedgerCheckRow.check_kind == "position_qty")
        ).all()
    assert (position.ours, position.broker) == (Decimal(40), Decimal(40))
    assert position.passed
    merged = snapshots["MRGR"]
    assert all(s.provisional and s.unresolved_cases == 1 for s in merged)
    assert all("CORP_ACTION_OPEN_CASE" in (s.diagnostic_codes or "") for s in merged)


def test_a_later_statement_snapshots_held_instruments_it_does_not_touch(
    database: Database,
) -> None:
    first = _statement(
        "20250103",
        "<Trades>"
        + _buy("1001", "HELD", "E1")
        + _buy("2002", "BUSY", "E2")
        + "</Trades>",
    )
    later = _statement(
        "20250110",
        "<Trades>"
        + _buy("2002", "BUSY", "E3").replace("20250102", "20250109")
        + "</Trades>",
    )
    _import(database, first, "first.xml")
    _import(database, later, "later.xml")
    held = {
        s.report_date_local.isoformat()
        for s in _by_symbol(database, PnlSnapshotDailyRow)["HELD"]
    }
    assert held == {"2025-01-02", "2025-01-03", "2025-01-10"}
    incremental = _ledger_digest(database)
    assert reprocess(database, _settings(), REGISTRY).succeeded
    assert _ledger_digest(database) == incremental


# -- history gaps and refused splits -------------------------------------------------

_GAP_POSITION = (
    "<OpenPositions>"
    '<OpenPosition assetCategory="STK" conid="4004" symbol="GAP" currency="USD" '
    'fxRateToBase="1" reportDate="20250103" position="30" markPrice="110" '
    'costBasisMoney="3001" levelOfDetail="SUMMARY"/>'
    "</OpenPositions>"
)
GAP_FIRST = _statement(
    "20250103",
    "<Trades>" + _buy("4004", "GAP", "E41") + "</Trades>" + _GAP_POSITION,
)
GAP_SALE = _statement(
    "20250106",
    "<Trades>"
    '<Trade assetCategory="STK" conid="4004" symbol="GAP" currency="USD" '
    'levelOfDetail="EXECUTION" transactionID="42" ibExecID="E42" '
    'dateTime="20250106;100000" reportDate="20250106" buySell="SELL" '
    'quantity="-25" tradePrice="120" ibCommission="-1" cost="-2500.5" '
    'fifoPnlRealized="498.5"/>'
    "</Trades>",
)


def test_a_history_gap_seeds_a_broker_sourced_lot_from_open_positions(
    database: Database,
) -> None:
    # IBKR holds 30 at a basis of 3,001; the file bought 10 for 1,001.
    details = _stage(_import(database, GAP_FIRST, "gap.xml"))
    assert details["findings_by_code"] == {"OPENING_LOT_FROM_BROKER": 1}
    assert details["position_checks"] == {"total": 1, "passed": 1, "by_reason": {}}
    seeded, bought = sorted(
        _by_symbol(database, PositionLotRow)["GAP"],
        key=lambda lot: lot.basis_source != "broker_position",
    )
    assert seeded.basis_source == "broker_position"
    assert (seeded.open_event_trade_fill_id, seeded.opened_at_utc) == (None, None)
    assert (seeded.remaining_quantity, seeded.cost_basis_open) == (
        Decimal(20),
        Decimal(2000),
    )
    assert bought.basis_source == "lots"
    assert bought.cost_basis_open == Decimal(1001)
    last = max(
        _by_symbol(database, PnlSnapshotDailyRow)["GAP"],
        key=lambda s: s.report_date_local,
    )
    # 30 x 110 - 3,001 = 299 on the full basis; provisional for the seeded lot.
    assert (last.position_qty, last.cost_basis) == (Decimal(30), Decimal(3001))
    assert last.unrealized_pnl == Decimal(299)
    assert last.provisional
    assert "OPENING_LOT_FROM_BROKER" in (last.diagnostic_codes or "")

    # A later sale of 25 relieves the seeded 20 first, then 5 of the bought 10.
    _import(database, GAP_SALE, "gap-sale.xml")
    closures = sorted(
        _by_symbol(database, LotClosureRow)["GAP"],
        key=lambda c: c.basis_source != "broker_position",
    )
    assert [(c.basis_source, c.quantity, c.holding_days) for c in closures] == [
        ("broker_position", Decimal(20), None),
        ("lots", Decimal(5), 4),
    ]
    # 2,999 x 20/25 - 2,000 + 2,999 x 5/25 - 500.5 = 399.2 + 99.3.
    assert sum((c.realized_pnl or 0 for c in closures), Decimal(0)) == Decimal("498.5")
    incremental = _ledger_digest(database)
    assert reprocess(database, _settings(), REGISTRY).succeeded
    assert _ledger_digest(database) == incremental


RATIO_MISMATCH = _statement(
    "20250110",
    "<Trades>" + _buy("5005", "ODD", "E51") + "</Trades><CorporateActions>"
    # 4 for 1 on 10 shares adds 30; the leg says 10.
    '<CorporateAction assetCategory="STK" conid="5005" symbol="ODD" currency="USD" '
    'reportDate="20250106" type="FS" actionID="A5" transactionID="75" quantity="10" '
    'description="ODD(US0000000005) SPLIT 4 FOR 1 (ODD, ODD CO, US0000000005)"/>'
    "</CorporateActions><OpenPositions>"
    '<OpenPosition assetCategory="STK" conid="5005" symbol="ODD" currency="USD" '
    'reportDate="20250110" position="10" markPrice="101" costBasisMoney="1001" '
    'levelOfDetail="SUMMARY"/>'
    "</OpenPositions>",
)


def test_a_split_whose_legs_disagree_with_its_ratio_opens_a_case(
    database: Database,
) -> None:
    details = _stage(_import(database, RATIO_MISMATCH, "odd.xml"))
    assert details["cases_opened"] == 1
    (case,) = list_cases(database).cases
    assert (case.action_id, case.action_type, case.symbol) == ("A5", "FS", "ODD")
    assert case.status is CaseStatus.OPEN
    (lot,) = _by_symbol(database, PositionLotRow)["ODD"]
    assert lot.remaining_quantity == Decimal(10)  # the split is not applied
    snapshots = _by_symbol(database, PnlSnapshotDailyRow)["ODD"]
    after = [s for s in snapshots if s.report_date_local.isoformat() >= "2025-01-06"]
    assert after
    assert all(s.provisional and s.unresolved_cases == 1 for s in after)
    # Reprocessing neither opens it again nor loses it.
    assert reprocess(database, _settings(), REGISTRY).succeeded
    assert list_cases(database).total == 1

    change = resolve_case(database, case.case_id, note="IBKR's legs are right")
    assert change.unresolved_cases == {lot.instrument_id: 0}
    snapshots = _by_symbol(database, PnlSnapshotDailyRow)["ODD"]
    assert all(
        s.unresolved_cases == 0 and "CORP_ACTION" not in (s.diagnostic_codes or "")
        for s in snapshots
    )
    # On the statement date IBKR's mark values it: nothing provisional is left.
    last = max(snapshots, key=lambda s: s.report_date_local)
    assert (last.provisional, last.diagnostic_codes) == (False, None)
    (lot,) = _by_symbol(database, PositionLotRow)["ODD"]
    assert lot.remaining_quantity == Decimal(10)  # still unsplit: adjustments later
