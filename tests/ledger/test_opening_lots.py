"""History gaps: opening lots seeded from IBKR's positions, and refused splits.

Figures are worked out by hand beside each assertion. The statement is the
issue's: OpenPositions says 30 shares at a basis of 3,001 while the imported
trades bought 10 for 1,001 (10 x 100 plus a 1.00 commission), so 20 shares
predate the data at 3,001 - 1,001 = 2,000.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flexledger.domain.cases import CaseStatus
from flexledger.domain.ids import natural_key_id
from flexledger.domain.lots import LotDirection
from flexledger.ledger.agreement import CheckKind, Reason
from flexledger.ledger.compute import LedgerOutput, compute_ledger
from flexledger.ledger.inputs import (
    FillRecord,
    LedgerInputs,
    LegRecord,
    LinkRecord,
    PositionRecord,
)
from flexledger.ledger.matching import matcher_for
from flexledger.ledger.model import BasisSource, LedgerCode
from flexledger.ledger.snapshots import Snapshot

ACCOUNT = "U7000001"
STOCK = uuid.UUID("5eed0000-0000-4000-8000-000000000001")
NEW_LINE = uuid.UUID("5eed0000-0000-4000-8000-000000000002")
_NS = uuid.UUID("5eed1111-0000-4000-8000-000000000000")
FIFO = matcher_for("fifo")
JAN_2 = dt.date(2025, 1, 2)
JAN_3 = dt.date(2025, 1, 3)
JAN_6 = dt.date(2025, 1, 6)


def _fill(
    exec_id: str,
    quantity: str,
    price: str,
    day: dt.date,
    *,
    commission: str = "-1",
    realized: str | None = None,
    cost: str | None = None,
    instrument: uuid.UUID = STOCK,
) -> FillRecord:
    return FillRecord(
        event_id=uuid.uuid5(_NS, exec_id),
        instrument_id=instrument,
        ib_exec_id=exec_id,
        transaction_id=exec_id[1:],
        executed_at=dt.datetime.combine(day, dt.time(15), dt.UTC),
        report_date=day,
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=Decimal(commission),
        fees=None,
        realized_pnl=None if realized is None else Decimal(realized),
        cost=None if cost is None else Decimal(cost),
        net_cash=None,
        net_cash_in_base=None,
        fx_rate_to_base=Decimal(1),
        currency="USD",
        commission_currency="USD",
        is_cancellation=False,
        close_price=None,
    )


def _position(
    day: dt.date,
    quantity: str,
    basis: str | None,
    mark: str = "110",
    instrument: uuid.UUID = STOCK,
) -> PositionRecord:
    return PositionRecord(
        instrument,
        day,
        Decimal(quantity),
        Decimal(mark),
        None if basis is None else Decimal(basis),
        Decimal(1),
    )


BUY_10 = _fill("E1", "10", "100", JAN_2)  # cost 10 x 100 + 1 = 1001


def _compute(
    fills: list[FillRecord],
    positions: list[PositionRecord],
    **extra: object,
) -> LedgerOutput:
    inputs = LedgerInputs(
        fills=fills,
        positions=positions,
        calendar=sorted({p.report_date for p in positions}),
        currencies={STOCK: "USD", NEW_LINE: "USD"},
    )
    for name, value in extra.items():
        setattr(inputs, name, value)
    return compute_ledger(ACCOUNT, "USD", inputs, FIFO)


def _snapshot(
    output: LedgerOutput, day: dt.date, instrument: uuid.UUID = STOCK
) -> Snapshot:
    (found,) = [
        s
        for s in output.snapshots
        if s.business_date == day and s.instrument_id == instrument
    ]
    return found


def _codes(output: LedgerOutput) -> list[LedgerCode]:
    return [f.code for f in output.findings]


def test_a_larger_broker_position_seeds_one_broker_sourced_oldest_lot() -> None:
    output = _compute([BUY_10], [_position(JAN_3, "30", "3001")])
    book = output.books[STOCK]
    assert book.position == Decimal(30)
    seeded, bought = book.lots
    assert seeded.basis_source is BasisSource.BROKER_POSITION
    assert bought.basis_source is BasisSource.LOTS
    assert (seeded.remaining, seeded.cost) == (Decimal(20), Decimal(2000))
    assert seeded.open_price == Decimal(100)  # 2,000 / 20
    assert seeded.direction is LotDirection.LONG
    # Open instant unknown: no fill, no instant, no date.
    assert (seeded.open_fill_id, seeded.opened_at, seeded.open_date) == (
        None,
        None,
        None,
    )
    assert book.open_lots[0] is seeded  # FIFO-oldest
    assert _codes(output) == [LedgerCode.OPENING_LOT_FROM_BROKER]
    (check,) = output.checks
    assert check.kind is CheckKind.POSITION_QTY
    assert (check.ours, check.broker, check.passed) == (Decimal(30), Decimal(30), True)
    assert check.reason is None
    snapshot = _snapshot(output, JAN_3)
    # The full basis: 30 x 110 - (2,000 + 1,001) = 299.
    assert snapshot.cost_basis == Decimal(3001)
    assert snapshot.unrealized_pnl == Decimal(299)
    assert snapshot.provisional
    assert snapshot.diagnostic_codes == "OPENING_LOT_FROM_BROKER"


def test_snapshots_before_the_position_date_are_provisional_too() -> None:
    output = _compute([BUY_10], [_position(JAN_3, "30", "3001")])
    before = _snapshot(output, JAN_2)
    assert before.position_qty == Decimal(10)  # the seed joins at the end of Jan 3
    assert before.provisional
    assert "OPENING_LOT_FROM_BROKER" in (before.diagnostic_codes or "")


def test_a_later_sale_relieves_the_seeded_lot_first() -> None:
    # SELL 25 @ 120, commission 1: proceeds 3,000 - 1 = 2,999, 20 of them seeded.
    sell = _fill("E2", "-25", "120", JAN_6, realized="497", cost="-2500.5")
    output = _compute([BUY_10, sell], [_position(JAN_3, "30", "3001")])
    book = output.books[STOCK]
    seeded_part, bought_part = book.closures
    assert seeded_part.basis_source is BasisSource.BROKER_POSITION
    assert seeded_part.quantity == Decimal(20)
    assert seeded_part.cost == Decimal(2000)
    assert seeded_part.holding_days is None  # holding period unknown
    assert bought_part.basis_source is BasisSource.LOTS
    assert bought_part.quantity == Decimal(5)
    assert bought_part.cost == Decimal("500.5")  # half of 1,001
    # 2,999 x 20/25 - 2,000 = 399.2; 2,999 x 5/25 - 500.5 = 99.3.
    assert seeded_part.realized == Decimal("399.2")
    assert bought_part.realized == Decimal("99.3")
    assert book.position == Decimal(5)
    (trade,) = [c for c in output.checks if c.kind is CheckKind.TRADE_REALIZED]
    assert trade.reason is Reason.MISSING_OPENING_LOT  # IBKR's basis was used


def test_a_sale_before_the_position_date_keeps_the_broker_cost_of_the_trade() -> None:
    # SELL 15 on Jan 2 with 10 known: 5 uncovered take IBKR's cost of 400 for them.
    sell = _fill("E2", "-15", "110", JAN_2, realized="247", cost="-1401")
    output = _compute([BUY_10, sell], [_position(JAN_3, "20", "1700")])
    book = output.books[STOCK]
    uncovered = [c for c in book.closures if c.lot_id is None]
    (gap,) = uncovered
    assert gap.basis_source is BasisSource.BROKER_COST
    assert gap.cost == Decimal(400)  # 1,401 - 1,001
    (seeded,) = book.open_lots
    assert seeded.basis_source is BasisSource.BROKER_POSITION
    assert (seeded.remaining, seeded.cost) == (Decimal(20), Decimal(1700))
    assert set(_codes(output)) == {
        LedgerCode.INSUFFICIENT_LOTS,
        LedgerCode.OPENING_LOT_FROM_BROKER,
    }


def test_a_position_without_any_imported_event_is_seeded_whole() -> None:
    output = _compute([], [_position(JAN_3, "30", "3000")])
    (seeded,) = output.books[STOCK].lots
    assert (seeded.remaining, seeded.cost) == (Decimal(30), Decimal(3000))
    snapshot = _snapshot(output, JAN_3)
    assert snapshot.unrealized_pnl == Decimal(300)  # 30 x 110 - 3,000


def test_only_the_first_reported_position_seeds() -> None:
    later = _position(JAN_6, "40", "4001")
    output = _compute([BUY_10], [later, _position(JAN_3, "30", "3001")])
    (seeded,) = [
        lot
        for lot in output.books[STOCK].lots
        if lot.basis_source is BasisSource.BROKER_POSITION
    ]
    assert seeded.remaining == Decimal(20)
    checks = {c.business_date: c for c in output.checks}
    assert checks[JAN_3].passed
    assert not checks[JAN_6].passed  # 10 more without a trade: not a history gap
    assert checks[JAN_6].reason is Reason.MISSING_OPENING_LOT


def test_without_a_cost_basis_nothing_is_seeded_and_a_finding_says_so() -> None:
    output = _compute([BUY_10], [_position(JAN_3, "30", None)])
    assert [lot.basis_source for lot in output.books[STOCK].lots] == [BasisSource.LOTS]
    (finding,) = output.findings
    assert finding.code is LedgerCode.INSUFFICIENT_LOTS
    assert "no costBasisMoney" in finding.message
    (check,) = output.checks
    assert not check.passed
    assert check.reason is Reason.MISSING_OPENING_LOT
    assert _snapshot(output, JAN_3).provisional


def test_a_basis_no_larger_than_our_own_cost_seeds_nothing() -> None:
    output = _compute([BUY_10], [_position(JAN_3, "30", "1001")])
    assert output.books[STOCK].position == Decimal(10)
    (finding,) = output.findings
    assert finding.code is LedgerCode.INSUFFICIENT_LOTS
    assert "leaving 0" in finding.message


def test_an_agreeing_or_smaller_position_seeds_nothing() -> None:
    for quantity in ("10", "5", "-10"):
        output = _compute([BUY_10], [_position(JAN_3, quantity, "9999")])
        assert len(output.books[STOCK].lots) == 1, quantity
        assert LedgerCode.OPENING_LOT_FROM_BROKER not in _codes(output)


def test_a_short_position_is_seeded_mirrored() -> None:
    # SHORT 10 @ 100, commission 1: proceeds 999. IBKR: -30 at a basis of -2,999.
    short = _fill("E1", "-10", "100", JAN_2)
    output = _compute([short], [_position(JAN_3, "-30", "-2999", mark="90")])
    book = output.books[STOCK]
    assert book.position == Decimal(-30)
    seeded = book.open_lots[0]
    assert seeded.direction is LotDirection.SHORT
    assert (seeded.remaining, seeded.cost) == (Decimal(20), Decimal(2000))
    snapshot = _snapshot(output, JAN_3)
    # -30 x 90 - (-2,999) = 299.
    assert snapshot.cost_basis == Decimal(-2999)
    assert snapshot.unrealized_pnl == Decimal(299)
    assert output.checks[0].passed


def test_a_seeded_lot_moves_with_an_identity_change_still_broker_sourced() -> None:
    link = LinkRecord(STOCK, NEW_LINE, "A9", JAN_6)
    output = _compute([BUY_10], [_position(JAN_3, "30", "3001")], links=[link])
    moved = output.books[NEW_LINE].open_lots
    assert [lot.basis_source for lot in moved] == [
        BasisSource.BROKER_POSITION,
        BasisSource.LOTS,
    ]
    assert moved[0].remaining == Decimal(20)
    assert moved[0].lot_id != output.books[STOCK].lots[0].lot_id
    assert output.books[NEW_LINE].position == Decimal(30)


# -- a split whose legs disagree with its ratio ------------------------------------

_SPLIT_LEG = LegRecord(
    action_id="A1",
    instrument_id=STOCK,
    reorg_code="FS",
    report_date=JAN_6,
    quantity=Decimal(30),  # 2 for 1 on 10 shares adds 10, not 30
    requires_manual=False,
    ratio=(Decimal(2), Decimal(1)),
)


def test_a_ratio_mismatch_asks_for_a_case_and_counts_it_as_open() -> None:
    output = _compute([BUY_10], [], legs=[_SPLIT_LEG], calendar=[JAN_6])
    (request,) = output.cases_needed
    assert request.case_id == natural_key_id("corp_action_case", ACCOUNT, "A1")
    assert (request.action_id, request.action_type, request.instrument_id) == (
        "A1",
        "FS",
        STOCK,
    )
    assert output.books[STOCK].position == Decimal(10)  # not applied
    snapshot = _snapshot(output, JAN_6)
    assert snapshot.unresolved_cases == 1
    assert snapshot.provisional
    assert "CORP_ACTION_OPEN_CASE" in (snapshot.diagnostic_codes or "")


def test_a_stored_open_case_is_not_asked_for_again() -> None:
    output = _compute(
        [BUY_10],
        [],
        legs=[_SPLIT_LEG],
        calendar=[JAN_6],
        open_cases={STOCK: 1},
        case_status={"A1": CaseStatus.OPEN},
    )
    assert output.cases_needed == []
    assert _snapshot(output, JAN_6).unresolved_cases == 1


def test_a_closed_case_clears_the_mismatch_and_leaves_the_split_unapplied() -> None:
    for status in (CaseStatus.RESOLVED, CaseStatus.DISMISSED):
        # IBKR's mark and an agreeing position: nothing else is provisional.
        output = _compute(
            [BUY_10],
            [_position(JAN_6, "10", "1001")],
            legs=[_SPLIT_LEG],
            case_status={"A1": status},
        )
        assert output.cases_needed == []
        assert output.books[STOCK].position == Decimal(10)
        assert LedgerCode.CORP_ACTION_RATIO_MISMATCH in _codes(output)
        snapshot = _snapshot(output, JAN_6)
        assert (snapshot.provisional, snapshot.unresolved_cases) == (False, 0)
