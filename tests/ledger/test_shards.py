"""Ledger inputs split into parts that share no instrument (ledger/shards.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flexledger.ledger.inputs import (
    FillRecord,
    LedgerInputs,
    LegRecord,
    LinkRecord,
    PositionRecord,
)
from flexledger.ledger.shards import split_inputs

DAY = dt.date(2025, 3, 10)


def _instrument(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


def _fill(instrument: int, n: int) -> FillRecord:
    return FillRecord(
        event_id=uuid.UUID(int=1000 * (instrument + 1) + n),
        instrument_id=_instrument(instrument),
        ib_exec_id=f"E{instrument}.{n}",
        transaction_id=None,
        executed_at=dt.datetime(2025, 3, 10, 15, n, tzinfo=dt.UTC),
        report_date=DAY,
        quantity=Decimal(10),
        price=Decimal(5),
        commission=None,
        fees=None,
        realized_pnl=None,
        cost=None,
        net_cash=None,
        net_cash_in_base=None,
        fx_rate_to_base=None,
        currency="USD",
        commission_currency=None,
        is_cancellation=False,
        close_price=None,
    )


def _inputs() -> LedgerInputs:
    """Ten instruments with 1..10 fills; 0-1 linked, 2-3 share an action's legs."""
    return LedgerInputs(
        fills=[_fill(i, n) for i in range(10) for n in range(i + 1)],
        links=[LinkRecord(_instrument(0), _instrument(1), "A1", DAY)],
        legs=[
            LegRecord("A2", _instrument(k), "RS", DAY, Decimal(1), False, None)
            for k in (2, 3)
        ],
        positions=[PositionRecord(_instrument(11), DAY, Decimal(5), None)],
        calendar=[DAY],
        currencies={_instrument(0): "EUR"},
    )


def _members(part: LedgerInputs) -> set[uuid.UUID]:
    return (
        {f.instrument_id for f in part.fills}
        | {leg.instrument_id for leg in part.legs}
        | {p.instrument_id for p in part.positions}
    )


def test_tied_instruments_stay_in_one_part_and_every_record_in_exactly_one() -> None:
    inputs = _inputs()
    parts = split_inputs(inputs, (0.55, 0.45))
    assert len(parts) == 2
    first, second = (_members(p) for p in parts)
    assert not first & second
    for tied in ({_instrument(0), _instrument(1)}, {_instrument(2), _instrument(3)}):
        assert tied <= first or tied <= second
    assert sorted(f.event_id for p in parts for f in p.fills) == sorted(
        f.event_id for f in inputs.fills
    )
    assert [len(p.legs) for p in parts].count(2) == 1
    assert sum(len(p.links) for p in parts) == 1
    assert sum(len(p.positions) for p in parts) == 1  # a position without fills
    for part in parts:  # what every part reads whole
        assert part.calendar == inputs.calendar
        assert part.currencies == inputs.currencies


def test_parts_get_about_their_share_of_the_fills() -> None:
    parts = split_inputs(_inputs(), (0.55, 0.45))
    sizes = [len(p.fills) for p in parts]
    assert sum(sizes) == 55
    assert abs(sizes[0] - 0.55 * 55) <= 6
    assert abs(sizes[1] - 0.45 * 55) <= 6


def test_one_group_gives_one_part() -> None:
    inputs = LedgerInputs(fills=[_fill(0, n) for n in range(5)])
    (only,) = split_inputs(inputs, (0.5, 0.5))
    assert only.fills == inputs.fills
