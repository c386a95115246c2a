"""The lot engine on worked examples whose figures are computed by hand.

Every expected number is written out in the test with the arithmetic beside it, so
a change to a convention (where charges go, how a split is applied) shows as a
broken sum rather than a changed snapshot.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest

from flexledger.domain.lots import LotDirection
from flexledger.domain.tolerances import Metric, judge
from flexledger.ledger import engine
from flexledger.ledger.matching import Fifo, UnknownMatchingMethodError, matcher_for
from flexledger.ledger.model import (
    Action,
    BasisSource,
    Book,
    Closure,
    Fill,
    LedgerCode,
    Lot,
    Move,
    Split,
)

ACCOUNT = "U1234567"
STOCK = uuid.UUID("5a1e0000-0000-4000-8000-000000000001")
# The new conid sorts before the old one, so run_books must order by dependency.
NEW_CONID = uuid.UUID("00000000-0000-4000-8000-000000000002")
OLD_CONID = uuid.UUID("ffffffff-0000-4000-8000-000000000003")
_FILL_NS = uuid.UUID("0f111000-0000-4000-8000-000000000000")
FIFO = matcher_for("fifo")


def at(day: int, hour: int = 15, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=dt.UTC)


def fill_id(exec_id: str) -> uuid.UUID:
    return uuid.uuid5(_FILL_NS, exec_id)


def fill(  # noqa: PLR0913 - keyword-only knobs, each test sets a few
    exec_id: str,
    quantity: str,
    price: str,
    charges: str = "0",
    *,
    when: dt.datetime | None = None,
    transaction_id: str | None = None,
    instrument: uuid.UUID = STOCK,
    fx: str | None = "1",
    cancellation: bool = False,
    broker_realized: str | None = None,
    broker_cost: str | None = None,
) -> Fill:
    executed_at = at(1) if when is None else when
    return Fill(
        fill_id=fill_id(exec_id),
        instrument_id=instrument,
        executed_at=executed_at,
        business_date=executed_at.date(),
        transaction_id=transaction_id,
        ib_exec_id=exec_id,
        quantity=Decimal(quantity),
        price=Decimal(price),
        charges=Decimal(charges),
        fx_to_base=None if fx is None else Decimal(fx),
        is_cancellation=cancellation,
        broker_realized=None if broker_realized is None else Decimal(broker_realized),
        broker_cost=None if broker_cost is None else Decimal(broker_cost),
    )


def split(
    action_id: str,
    new: str,
    old: str,
    expected_change: str | None,
    *,
    when: dt.datetime,
) -> Split:
    return Split(
        action_id=action_id,
        instrument_id=STOCK,
        effective_at=when,
        business_date=when.date(),
        new=Decimal(new),
        old=Decimal(old),
        expected_change=None if expected_change is None else Decimal(expected_change),
    )


def replay(actions: Sequence[Action], currency: str = "USD") -> Book:
    book, _ = engine.replay(ACCOUNT, STOCK, currency, actions, FIFO)
    return book


def only_lot(book: Book) -> Lot:
    assert len(book.lots) == 1
    return book.lots[0]


def closures_of(book: Book, exec_id: str) -> list[Closure]:
    return [c for c in book.closures if c.close_fill_id == fill_id(exec_id)]


def codes(book: Book) -> list[LedgerCode]:
    return [finding.code for finding in book.findings]


# ---------------------------------------------------------------- long lots


def test_long_open_partial_close_and_full_close() -> None:
    book = replay(
        [
            fill("B1", "10", "50", "-1", when=at(1)),
            fill("S1", "-4", "55", "-1", when=at(2)),
            fill("S2", "-6", "60", "-1", when=at(3)),
        ]
    )
    lot = only_lot(book)
    # Buy: 10 * 50 = 500, plus the 1 commission paid.
    assert lot.cost == Decimal("501")
    assert lot.open_price == Decimal("50")
    assert lot.open_quantity == Decimal("10")
    assert lot.direction is LotDirection.LONG
    assert lot.lot_id == engine.lot_id_for(ACCOUNT, STOCK, fill_id("B1"))

    (partial,) = closures_of(book, "S1")
    # 4/10 of 501 relieved; 4 * 55 = 220 less the 1 commission.
    assert partial.cost == Decimal("200.4")
    assert partial.proceeds == Decimal("219")
    assert partial.realized == Decimal("18.6")
    assert partial.quantity == Decimal("4")
    assert partial.basis_source is BasisSource.LOTS
    assert partial.lot_id == lot.lot_id

    (final,) = closures_of(book, "S2")
    # The rest of the cost: 501 - 200.4; 6 * 60 = 360 less 1.
    assert final.cost == Decimal("300.6")
    assert final.proceeds == Decimal("359")
    assert final.realized == Decimal("58.4")
    assert final.opened_at == at(1)
    assert final.holding_days == 2

    assert lot.remaining == 0
    assert lot.remaining_cost == 0
    assert lot.realized == Decimal("77.0")
    assert lot.closed_at == at(3)
    assert book.position == 0
    assert book.open_lots == []
    assert book.findings == []
    # Cash check: -(500 - 220 - 360) - 3 charges = 77.
    assert book.days[-1].realized == Decimal("77.0")


def test_the_state_after_a_partial_close_keeps_the_rest_of_the_cost() -> None:
    book = replay(
        [
            fill("B1", "10", "50", "-1", when=at(1)),
            fill("S1", "-4", "55", "-1", when=at(2)),
        ]
    )
    lot = only_lot(book)
    assert lot.remaining == Decimal("6")
    assert lot.remaining_cost == Decimal("300.6")
    assert lot.closed_at is None
    assert book.position == Decimal("6")


def test_real_ibkr_partial_sale_matches_fifo_pnl_realized() -> None:
    book = replay(
        [
            fill("B1", "30", "117.25", "-1", when=at(1)),
            fill("S1", "-5", "118.43", "-1.013681515", when=at(4)),
        ]
    )
    lot = only_lot(book)
    # 30 * 117.25 = 3517.5, plus 1 commission.
    assert lot.cost == Decimal("3518.5")
    (closure,) = book.closures
    # 3518.5 * 5 / 30 = 586.41666666..., stored to 8 places half-even.
    assert closure.cost == Decimal("586.41666667")
    # 5 * 118.43 = 592.15, less 1.013681515.
    assert closure.proceeds == Decimal("591.136318485")
    assert closure.realized == Decimal("4.719651815")
    assert judge(
        Metric.REALIZED_PNL, closure.realized, Decimal("4.719652"), "USD"
    ).passed
    assert lot.remaining == Decimal("25")
    assert lot.remaining_cost == Decimal("2932.08333333")
    assert book.fills[fill_id("S1")].realized == Decimal("4.719651815")


def test_fractional_quantities() -> None:
    book = replay(
        [
            fill("B1", "0.038", "187.12", "-0.35", when=at(1)),
            fill("S1", "-0.019", "190.5", "-0.35", when=at(2)),
        ]
    )
    lot = only_lot(book)
    # 0.038 * 187.12 = 7.11056, plus 0.35.
    assert lot.cost == Decimal("7.46056")
    (closure,) = book.closures
    # Half the cost: 3.73028; 0.019 * 190.5 = 3.6195 less 0.35 = 3.2695.
    assert closure.cost == Decimal("3.73028")
    assert closure.proceeds == Decimal("3.2695")
    assert closure.realized == Decimal("-0.46078")
    assert book.position == Decimal("0.019")
    assert lot.remaining_cost == Decimal("3.73028")


def test_one_sale_over_three_lots_spreads_charges_by_quantity() -> None:
    book = replay(
        [
            fill("B1", "1", "10", when=at(1)),
            fill("B2", "1", "10", when=at(2)),
            fill("B3", "1", "10", when=at(3)),
            fill("S1", "-3", "10", "-1", when=at(4)),
        ]
    )
    proceeds = [c.proceeds for c in closures_of(book, "S1")]
    # -1/3 to 8 places twice, the last piece takes the remainder.
    assert proceeds == [
        Decimal("9.66666667"),
        Decimal("9.66666667"),
        Decimal("9.66666666"),
    ]
    assert sum(proceeds) == Decimal("29")
    # FIFO: oldest lot first.
    assert [c.lot_id for c in closures_of(book, "S1")] == [
        engine.lot_id_for(ACCOUNT, STOCK, fill_id(name)) for name in ("B1", "B2", "B3")
    ]


# ---------------------------------------------------------------- short lots


def test_short_open_and_buy_to_cover() -> None:
    book = replay(
        [
            fill("S1", "-10", "100", "-1", when=at(1)),
            fill("B1", "4", "90", "-1", when=at(2)),
            fill("B2", "6", "95", "-1", when=at(3)),
        ]
    )
    lot = only_lot(book)
    assert lot.direction is LotDirection.SHORT
    # Sold short: 1000 received less 1 commission.
    assert lot.cost == Decimal("999")
    assert lot.open_quantity == Decimal("10")

    (first,) = closures_of(book, "B1")
    # 4/10 of 999 received; covering cost 4 * 90 = 360 plus 1.
    assert first.direction is LotDirection.SHORT
    assert first.proceeds == Decimal("399.6")
    assert first.cost == Decimal("361")
    assert first.realized == Decimal("38.6")

    (second,) = closures_of(book, "B2")
    # The rest received 999 - 399.6 = 599.4; 6 * 95 = 570 plus 1.
    assert second.proceeds == Decimal("599.4")
    assert second.cost == Decimal("571")
    assert second.realized == Decimal("28.4")
    assert book.position == 0
    assert lot.remaining == 0
    # Cash check: 1000 - 360 - 570 - 3 = 67.
    assert book.days[-1].realized == Decimal("67.0")


def test_a_short_position_is_negative_in_the_book() -> None:
    book = replay([fill("S1", "-10", "100", "-1")])
    assert book.position == Decimal("-10")
    assert book.days[-1].position == Decimal("-10")
    # DayEnd open cost of a short is negative (money received).
    assert book.days[-1].open_cost == Decimal("-999")


def test_a_sale_larger_than_the_long_flips_to_a_short() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            fill("S1", "-15", "110", "-1.5", when=at(2)),
        ]
    )
    (closure,) = book.closures
    # 10 of 15 closes: charges -1.5 * 10/15 = -1; 1100 - 1 = 1099 against 1001.
    assert closure.quantity == Decimal("10")
    assert closure.proceeds == Decimal("1099")
    assert closure.cost == Decimal("1001")
    assert closure.realized == Decimal("98")
    short = book.lots[1]
    # 5 opens short with the other -0.5: 550 - 0.5 = 549.5 received.
    assert short.direction is LotDirection.SHORT
    assert short.remaining == Decimal("5")
    assert short.cost == Decimal("549.5")
    assert short.open_price == Decimal("110")
    assert short.open_fill_id == fill_id("S1")
    assert book.position == Decimal("-5")
    result = book.fills[fill_id("S1")]
    assert result.closed_quantity == Decimal("10")
    assert result.opened_quantity == Decimal("5")
    assert result.realized == Decimal("98")
    assert result.closed_lot_fills == [fill_id("B1")]
    assert book.findings == []


def test_a_sale_beyond_the_lots_without_broker_evidence_opens_a_short() -> None:
    # No fifoPnlRealized: nothing says the fill closed anything, so it opens.
    book = replay([fill("S1", "-5", "118.43", "-1.013681515")])
    assert book.closures == []
    lot = only_lot(book)
    assert lot.direction is LotDirection.SHORT
    assert lot.cost == Decimal("591.136318485")
    assert book.findings == []


def test_a_zero_broker_realized_is_no_evidence_of_a_close() -> None:
    book = replay([fill("S1", "-5", "100", broker_realized="0")])
    assert only_lot(book).direction is LotDirection.SHORT
    assert book.findings == []


# ---------------------------------------------------------------- ordering


def test_equal_timestamps_are_ordered_by_numeric_transaction_id() -> None:
    same = at(1, 14, 30)
    # "10" sorts before "9" as text, and exec id "E-A" before "E-B": only the
    # numeric transactionID puts the 200 lot first.
    early = fill("E-B", "1", "200", when=same, transaction_id="9")
    late = fill("E-A", "1", "100", when=same, transaction_id="10")
    sale = fill("E-C", "-1", "150", when=at(2), transaction_id="11")
    assert sorted([late, sale, early], key=engine.sort_key) == [early, late, sale]
    book = replay([late, sale, early])
    (closure,) = book.closures
    assert closure.lot_id == engine.lot_id_for(ACCOUNT, STOCK, fill_id("E-B"))
    assert closure.realized == Decimal("-50")
    assert [lot.open_price for lot in book.open_lots] == [Decimal("100")]


def test_a_missing_transaction_id_goes_last_then_exec_id_decides() -> None:
    same = at(1)
    numbered = fill("Z", "1", "1", when=same, transaction_id="999999999")
    bare_b = fill("B", "1", "1", when=same)
    bare_a = fill("A", "1", "1", when=same, transaction_id="not-a-number")
    assert sorted([bare_b, bare_a, numbered], key=engine.sort_key) == [
        numbered,
        bare_a,
        bare_b,
    ]


def test_a_non_ascii_digit_transaction_id_sorts_last_instead_of_crashing() -> None:
    odd = fill("A", "1", "1", transaction_id="²")
    numbered = fill("B", "1", "1", transaction_id="5")
    assert sorted([odd, numbered], key=engine.sort_key) == [numbered, odd]


def test_fills_go_before_corporate_actions_at_the_same_instant() -> None:
    same = at(5)
    # The split is listed first but applies to the 10 bought at the same instant.
    book = replay(
        [
            split("SPLIT", "4", "1", "30", when=same),
            fill("B1", "10", "100", "-1", when=same),
        ]
    )
    assert book.position == Decimal("40")
    assert book.applied_actions == ["SPLIT"]


# ---------------------------------------------------------------- cancellations


def test_cancel_and_rebook_leave_only_the_rebooked_fill() -> None:
    original = fill("O", "10", "50", "-1", when=at(1), transaction_id="100")
    cancel = fill(
        "C", "-10", "50", "1", when=at(2), transaction_id="101", cancellation=True
    )
    rebook = fill("R", "10", "50", "-2", when=at(2), transaction_id="102")
    kept, findings = engine.pair_cancellations([rebook, cancel, original])
    assert kept == [rebook]
    assert findings == []

    book = replay([cancel, rebook, original])
    lot = only_lot(book)
    assert lot.open_fill_id == fill_id("R")
    # 500 plus the rebooked commission of 2, not the cancelled 1.
    assert lot.cost == Decimal("502")
    assert book.position == Decimal("10")
    assert book.closures == []
    assert book.findings == []
    assert set(book.fills) == {fill_id("R")}


def test_a_cancellation_before_its_original_pairs_with_the_earliest_later() -> None:
    cancel = fill("C", "-10", "50", when=at(1), cancellation=True)
    first = fill("O1", "10", "50", when=at(2))
    second = fill("O2", "10", "50", when=at(3))
    kept, findings = engine.pair_cancellations([second, first, cancel])
    assert kept == [second]
    assert findings == []


def test_a_cancellation_without_its_original_is_ignored_with_a_finding() -> None:
    buy = fill("B1", "10", "50", "-1", when=at(1))
    # Cancels a sale of 5 at 60 that is not in the data.
    orphan = fill("C", "5", "60", when=at(2), cancellation=True)
    book = replay([buy, orphan])
    assert codes(book) == [LedgerCode.CANCELLATION_WITHOUT_ORIGINAL]
    finding = book.findings[0]
    assert finding.fill_id == fill_id("C")
    assert finding.business_date == dt.date(2024, 3, 2)
    assert finding.instrument_id == STOCK
    assert book.position == Decimal("10")
    assert only_lot(book).cost == Decimal("501")
    assert book.closures == []


def test_a_cancellation_does_not_pair_with_a_different_price() -> None:
    buy = fill("B1", "10", "50", when=at(1))
    cancel = fill("C", "-10", "50.01", when=at(2), cancellation=True)
    kept, findings = engine.pair_cancellations([buy, cancel])
    assert kept == [buy]
    assert [f.code for f in findings] == [LedgerCode.CANCELLATION_WITHOUT_ORIGINAL]


# ---------------------------------------------------------------- history gaps


def test_insufficient_lots_take_ibkrs_cost_basis() -> None:
    # The real sale again, but its buy predates the first imported statement.
    book = replay(
        [
            fill(
                "S1",
                "-5",
                "118.43",
                "-1.013681515",
                broker_realized="4.719652",
                broker_cost="-586.41666667",
            )
        ]
    )
    (closure,) = book.closures
    assert closure.lot_id is None
    assert closure.basis_source is BasisSource.BROKER_COST
    assert closure.cost == Decimal("586.41666667")
    assert closure.proceeds == Decimal("591.136318485")
    assert closure.realized == Decimal("4.719651815")
    assert judge(
        Metric.REALIZED_PNL, closure.realized, Decimal("4.719652"), "USD"
    ).passed
    assert closure.opened_at is None
    assert closure.holding_days is None
    assert book.lots == []
    assert book.position == 0
    assert codes(book) == [LedgerCode.INSUFFICIENT_LOTS]
    assert book.findings[0].fill_id == fill_id("S1")


def test_insufficient_lots_without_cost_take_ibkrs_realized() -> None:
    book = replay(
        [
            fill(
                "S1",
                "-5",
                "118.43",
                "-1.013681515",
                broker_realized="4.719652",
            )
        ]
    )
    (closure,) = book.closures
    assert closure.basis_source is BasisSource.BROKER_REALIZED
    # Basis = proceeds - IBKR's realized: 591.136318485 - 4.719652.
    assert closure.cost == Decimal("586.416666485")
    assert closure.realized == Decimal("4.719652")
    assert codes(book) == [LedgerCode.INSUFFICIENT_LOTS]


def test_a_sale_partly_covered_by_lots_takes_the_rest_of_ibkrs_basis() -> None:
    # IBKR also held an older 5 bought for 401 in all; it closed 15 for 1648.5
    # (1650 less 1.5) against 1001 + 401 = 1402: realized 246.5.
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            fill(
                "S1",
                "-15",
                "110",
                "-1.5",
                when=at(2),
                broker_realized="246.5",
                broker_cost="-1402",
            ),
        ]
    )
    matched, uncovered = book.closures
    assert matched.basis_source is BasisSource.LOTS
    assert matched.realized == Decimal("98")
    assert uncovered.lot_id is None
    assert uncovered.basis_source is BasisSource.BROKER_COST
    assert uncovered.quantity == Decimal("5")
    # 1402 - 1001 matched; 550 - 0.5 proceeds.
    assert uncovered.cost == Decimal("401")
    assert uncovered.proceeds == Decimal("549.5")
    assert uncovered.realized == Decimal("148.5")
    result = book.fills[fill_id("S1")]
    assert result.realized == Decimal("246.5")
    assert result.basis_sources == {BasisSource.LOTS, BasisSource.BROKER_COST}
    assert result.opened_quantity == 0
    assert book.position == 0
    assert codes(book) == [LedgerCode.INSUFFICIENT_LOTS]


def test_a_flip_that_ibkr_agrees_with_opens_the_rest() -> None:
    # IBKR's realized is the 98 our lot explains: the rest is a new short.
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            fill("S1", "-15", "110", "-1.5", when=at(2), broker_realized="98"),
        ]
    )
    assert book.position == Decimal("-5")
    assert book.findings == []


def test_a_cover_beyond_the_short_lots_is_a_gap_not_a_long() -> None:
    book = replay([fill("B1", "5", "100", "-1", broker_realized="50")])
    (closure,) = book.closures
    assert closure.lot_id is None
    assert closure.direction is LotDirection.SHORT
    assert closure.quantity == Decimal("5")
    assert book.lots == []
    assert book.position == 0
    assert codes(book) == [LedgerCode.INSUFFICIENT_LOTS]


def test_a_cover_beyond_the_short_lots_takes_ibkrs_realized() -> None:
    # An older short sold for 551 net; covering 5 * 100 + 1 = 501; IBKR: +50.
    book = replay([fill("B1", "5", "100", "-1", broker_realized="50")])
    (closure,) = book.closures
    assert closure.basis_source is BasisSource.BROKER_REALIZED
    assert closure.cost == Decimal("501")
    assert closure.proceeds == Decimal("551")
    assert closure.realized == Decimal("50")


# ---------------------------------------------------------------- splits


def test_a_four_for_one_split_keeps_cost_and_holding_date() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            split("SPLIT", "4", "1", "30", when=at(5)),
            fill("S1", "-40", "30", "-1", when=at(6)),
        ]
    )
    lot = only_lot(book)
    assert lot.open_quantity == Decimal("40")
    assert lot.open_price == Decimal("25")
    assert lot.cost == Decimal("1001")
    assert lot.opened_at == at(1)
    assert lot.open_date == dt.date(2024, 3, 1)
    (closure,) = book.closures
    # 40 * 30 = 1200 less 1, against the unchanged 1001.
    assert closure.quantity == Decimal("40")
    assert closure.cost == Decimal("1001")
    assert closure.realized == Decimal("198")
    assert closure.opened_at == at(1)
    assert book.applied_actions == ["SPLIT"]
    assert book.findings == []


def test_a_split_state_before_any_sale() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            fill("S1", "-2", "100", when=at(2)),
            split("SPLIT", "4", "1", None, when=at(5)),
        ]
    )
    lot = only_lot(book)
    # 8 left times 4; the opening quantity too; cost of the 8 (800.8) kept.
    assert lot.remaining == Decimal("32")
    assert lot.open_quantity == Decimal("40")
    assert lot.remaining_cost == Decimal("800.8")
    assert book.position == Decimal("32")
    assert book.days[-1].business_date == dt.date(2024, 3, 5)
    assert book.days[-1].position == Decimal("32")


def test_a_reverse_split_rounds_quantities_to_eight_places() -> None:
    book = replay(
        [
            fill("B1", "10", "100", when=at(1)),
            split("REV", "1", "3", "-6.66666667", when=at(5)),
        ]
    )
    lot = only_lot(book)
    assert lot.remaining == Decimal("3.33333333")
    assert lot.open_price == Decimal("300")
    assert lot.remaining_cost == Decimal("1000")


def test_a_split_whose_legs_do_not_fit_is_not_applied() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1)),
            # 4-for-1 on 10 adds 30; the legs say 20.
            split("SPLIT", "4", "1", "20", when=at(5)),
        ]
    )
    lot = only_lot(book)
    assert lot.remaining == Decimal("10")
    assert lot.open_price == Decimal("100")
    assert book.applied_actions == []
    assert codes(book) == [LedgerCode.CORP_ACTION_RATIO_MISMATCH]
    finding = book.findings[0]
    assert finding.action_id == "SPLIT"
    assert finding.business_date == dt.date(2024, 3, 5)


# ---------------------------------------------------------------- moves


def _move_books(*, sell_after: bool) -> dict[uuid.UUID, Book]:
    move = Move(
        action_id="MOVE",
        from_instrument_id=OLD_CONID,
        to_instrument_id=NEW_CONID,
        effective_at=at(5),
        business_date=dt.date(2024, 3, 5),
    )
    old: list[Action] = [
        fill("B1", "10", "100", "-1", when=at(1), instrument=OLD_CONID),
        move,
    ]
    new: list[Action] = (
        [fill("S1", "-10", "120", "-1", when=at(10), instrument=NEW_CONID)]
        if sell_after
        else []
    )
    actions = {OLD_CONID: old, NEW_CONID: new} if sell_after else {OLD_CONID: old}
    return engine.run_books(
        ACCOUNT, actions, {OLD_CONID: "USD", NEW_CONID: "USD"}, FIFO
    )


def test_a_move_carries_open_lots_to_the_new_instrument() -> None:
    books = _move_books(sell_after=False)
    assert set(books) == {OLD_CONID, NEW_CONID}
    old, new = books[OLD_CONID], books[NEW_CONID]
    assert old.position == 0
    assert old.open_lots == []
    assert old.lots[0].closed_at == at(5)
    assert old.days[-1].position == 0
    assert old.applied_actions == ["MOVE"]
    (lot,) = new.open_lots
    assert lot.instrument_id == NEW_CONID
    assert lot.lot_id == engine.lot_id_for(ACCOUNT, NEW_CONID, fill_id("B1"))
    assert lot.open_fill_id == fill_id("B1")
    assert lot.opened_at == at(1)
    assert lot.cost == Decimal("1001")
    assert lot.remaining == Decimal("10")
    assert lot.closed_at is None
    assert new.position == Decimal("10")
    assert new.applied_actions == ["MOVE"]
    assert new.days[-1].business_date == dt.date(2024, 3, 5)
    assert new.days[-1].open_cost == Decimal("1001")


def test_a_sale_after_a_move_closes_the_carried_lot_with_its_holding_date() -> None:
    books = _move_books(sell_after=True)
    new = books[NEW_CONID]
    (closure,) = new.closures
    # 1200 - 1 against the carried 1001; held from 1 March to 10 March.
    assert closure.cost == Decimal("1001")
    assert closure.realized == Decimal("198")
    assert closure.opened_at == at(1)
    assert closure.holding_days == 9
    assert new.position == 0
    assert books[OLD_CONID].closures == []


# ---------------------------------------------------------------- base currency


def test_base_realized_uses_each_side_at_its_own_rate() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1), fx="1.1"),
            fill("S1", "-10", "120", "-1", when=at(2), fx="1.2"),
        ],
        currency="EUR",
    )
    (closure,) = book.closures
    assert closure.realized == Decimal("198")
    # proceeds 1199 * 1.2 = 1438.8; cost 1001 * 1.1 = 1101.1.
    assert closure.realized_base == Decimal("1438.8") - Decimal("1101.1")
    assert closure.realized_base == Decimal("337.7")
    assert book.days[0].open_cost_base == Decimal("1101.1")
    assert book.days[-1].realized_base == Decimal("337.7")
    # Charges in base: -1 * 1.1 + -1 * 1.2.
    assert book.days[-1].charges_base == Decimal("-2.3")


def test_a_missing_rate_leaves_base_figures_unknown() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1), fx="1.1"),
            fill("S1", "-10", "120", "-1", when=at(2), fx=None),
        ]
    )
    (closure,) = book.closures
    assert closure.realized == Decimal("198")
    assert closure.realized_base is None
    assert book.days[-1].realized_base is None
    assert book.days[-1].charges_base is None
    assert book.days[-1].realized == Decimal("198")


# ---------------------------------------------------------------- matching


def test_an_unknown_matching_method_names_the_known_ones() -> None:
    with pytest.raises(UnknownMatchingMethodError, match="fifo") as excinfo:
        matcher_for("nope")
    assert "'nope'" in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_matching_method_names_are_case_insensitive() -> None:
    assert isinstance(matcher_for("FIFO"), Fifo)


# ---------------------------------------------------------------- day ends


def test_one_day_end_per_business_date_with_cumulative_realized() -> None:
    book = replay(
        [
            fill("B1", "10", "100", "-1", when=at(1, 14)),
            fill("B2", "5", "102", "-1", when=at(1, 16)),
            fill("S1", "-5", "110", "-1", when=at(2)),
            fill("S2", "-10", "105", "-1", when=at(5)),
        ]
    )
    assert [day.business_date for day in book.days] == [
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 2),
        dt.date(2024, 3, 5),
    ]
    first, second, third = book.days
    # Day 1: 1001 + 511 open, nothing realized.
    assert (first.position, first.open_cost, first.realized) == (
        Decimal("15"),
        Decimal("1512"),
        Decimal("0"),
    )
    assert first.last_price == Decimal("102")
    assert first.charges_base == Decimal("-2")
    # Day 2: 5 of B1 (500.5) sold for 549: +48.5.
    assert (second.position, second.open_cost, second.realized) == (
        Decimal("10"),
        Decimal("1011.5"),
        Decimal("48.5"),
    )
    assert second.last_price == Decimal("110")
    # Day 3: 5 of B1 (500.5) and B2 (511) each sold for 525 - 0.5: +24 + 13.5.
    assert (third.position, third.open_cost, third.realized) == (
        Decimal("0"),
        Decimal("0"),
        Decimal("86"),
    )
    assert third.realized_base == Decimal("86")
    assert third.charges_base == Decimal("-4")
    assert third.open_cost_base == Decimal("0")
