"""Invariants of the lot engine over random buy and sell sequences (hypothesis).

The fills are on one instrument, with quantities of up to 4 decimals, positive
prices of up to 6 decimals (so trade values need rounding to the engine's 8
places), charges of zero or less, and no broker figures, so a sale beyond the long
lots opens a short rather than a history gap.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from flexledger.domain.lots import LotDirection
from flexledger.ledger import engine
from flexledger.ledger.matching import matcher_for
from flexledger.ledger.model import Action, Book, Fill

ACCOUNT = "U7654321"
STOCK = uuid.UUID("5a1e0000-0000-4000-8000-0000000000aa")
_FILL_NS = uuid.UUID("0f111000-0000-4000-8000-0000000000bb")
START = dt.datetime(2024, 1, 2, 14, 30, tzinfo=dt.UTC)
FIFO = matcher_for("fifo")
PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True, database=None)

# One step: buy?, quantity, price, charges, at the same instant as the previous.
Step = tuple[bool, Decimal, Decimal, Decimal, bool]

quantities = st.integers(1, 5_000_000).map(lambda n: Decimal(n).scaleb(-4))
prices = st.integers(1, 500_000_000).map(lambda n: Decimal(n).scaleb(-6))
charges = st.integers(-5_000_000_000, 0).map(lambda n: Decimal(n).scaleb(-9))
steps = st.lists(
    st.tuples(st.booleans(), quantities, prices, charges, st.booleans()),
    min_size=1,
    max_size=25,
)


def _q8(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_EVEN)


def _fill(
    index: int, when: dt.datetime, quantity: Decimal, price: Decimal, charge: Decimal
) -> Fill:
    # transactionIDs from 8 up: numeric order is input order, text order is not.
    return Fill(
        fill_id=uuid.uuid5(_FILL_NS, str(index)),
        instrument_id=STOCK,
        executed_at=when,
        business_date=when.date(),
        transaction_id=str(8 + index),
        ib_exec_id=f"exec-{index:04d}",
        quantity=quantity,
        price=price,
        charges=charge,
        fx_to_base=Decimal(1),
    )


def build(raw: Sequence[Step], *, long_only: bool = False) -> list[Fill]:
    """Fills in replay order; long_only caps each sale at the position."""
    fills: list[Fill] = []
    when = START
    position = Decimal(0)
    for index, (buy, quantity, price, charge, tie) in enumerate(raw):
        if index and not tie:
            when += dt.timedelta(hours=7)
        signed = quantity if buy else -quantity
        if long_only and not buy:
            signed = -min(quantity, position) if position > 0 else quantity
        position += signed
        fills.append(_fill(index, when, signed, price, charge))
    return fills


def flatten(fills: list[Fill], price: Decimal) -> list[Fill]:
    """The fills plus, a day later, the one trade that brings them back to flat."""
    position = sum((f.quantity for f in fills), Decimal(0))
    if position == 0:
        return fills
    last = fills[-1].executed_at + dt.timedelta(days=1)
    return [*fills, _fill(len(fills), last, -position, price, Decimal("-1"))]


def replay(actions: Sequence[Action]) -> Book:
    book, _ = engine.replay(ACCOUNT, STOCK, "USD", actions, FIFO)
    return book


@PROPERTIES
@given(steps)
def test_quantity_is_conserved(raw: list[Step]) -> None:
    fills = build(raw)
    book = replay(fills)
    assert book.position == sum((f.quantity for f in fills), Decimal(0))
    assert book.days[-1].position == book.position
    assert book.findings == []


@PROPERTIES
@given(steps, prices)
def test_a_round_trip_realizes_exactly_the_net_cash(
    raw: list[Step], final_price: Decimal
) -> None:
    fills = flatten(build(raw), final_price)
    book = replay(fills)
    assert book.position == 0
    assert book.open_lots == []
    realized = [c.realized for c in book.closures]
    assert all(value is not None for value in realized)
    total = sum((value or Decimal(0) for value in realized), Decimal(0))
    cash = -sum((f.quantity * f.price for f in fills), Decimal(0)) + sum(
        (f.charges for f in fills), Decimal(0)
    )
    # Bound: the only inexact step is each piece's trade value, q8(take * price),
    # off by at most 0.5e-8. Partial cost relief and charge shares round too, but
    # the last piece of a lot / fill takes the remainder, so they cancel. Pieces
    # are at most one opening per fill plus closures, and every closure but a
    # fill's last empties a lot, so closures <= 2 * fills. With n <= 26 fills:
    # 3 * 26 * 0.5e-8 = 3.9e-7 < 1e-6.
    bound = Decimal(3 * len(fills)) * Decimal("0.5e-8")
    assert bound < Decimal("1e-6")
    assert abs(total - cash) <= bound
    assert book.days[-1].realized == total


@PROPERTIES
@given(steps, st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(
    raw: list[Step], rng: random.Random
) -> None:
    fills = build(raw)
    shuffled: list[Action] = list(fills)
    rng.shuffle(shuffled)
    reference = replay(fills)
    book = replay(shuffled)
    assert book.closures == reference.closures
    assert book.lots == reference.lots
    assert book.days == reference.days
    assert book.fills == reference.fills


@PROPERTIES
@given(steps)
def test_lots_never_go_negative_and_open_lots_share_one_direction(
    raw: list[Step],
) -> None:
    fills = build(raw)
    for end in range(1, len(fills) + 1):
        book = replay(fills[:end])
        assert all(lot.remaining >= 0 for lot in book.lots)
        assert all(lot.remaining <= lot.open_quantity for lot in book.lots)
        directions = {lot.direction for lot in book.open_lots}
        assert len(directions) <= 1
        position = sum((f.quantity for f in fills[:end]), Decimal(0))
        if position > 0:
            assert directions == {LotDirection.LONG}
        elif position < 0:
            assert directions == {LotDirection.SHORT}
        else:
            assert directions == set()
        assert all(c.quantity > 0 for c in book.closures)


@PROPERTIES
@given(steps)
def test_cost_is_conserved_for_long_only_sequences(raw: list[Step]) -> None:
    fills = build(raw, long_only=True)
    book = replay(fills)
    assert all(lot.direction is LotDirection.LONG for lot in book.lots)
    opening = sum(
        (_q8(f.quantity * f.price) - f.charges for f in fills if f.quantity > 0),
        Decimal(0),
    )
    closed = sum((c.cost or Decimal(0) for c in book.closures), Decimal(0))
    still_open = sum((lot.remaining_cost for lot in book.open_lots), Decimal(0))
    assert closed + still_open == opening
    assert sum((lot.cost for lot in book.lots), Decimal(0)) == opening
    assert book.days[-1].open_cost == still_open
