"""End-of-day marks: the last-trade fallback across a split."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flexledger.domain.events import ValuationSource
from flexledger.ledger.model import LedgerCode
from flexledger.ledger.valuation import Marks, PricedFill
from tests.ledger.test_engine import STOCK, at, fill

SPLIT_DAY = dt.date(2024, 3, 4)
FOUR_FOR_ONE = Decimal(4)


def _marks(*fills: PricedFill) -> Marks:
    return Marks((), fills, [(STOCK, SPLIT_DAY, FOUR_FOR_ONE)])


def test_a_pre_split_trade_price_is_divided_by_the_ratio() -> None:
    # Bought at 404 before a 4-for-1 split: the shares are worth ~101 after it,
    # not 404 each (the demo's NRTH once showed +119,656 unrealized that way).
    marks = _marks(PricedFill(fill("B1", "100", "404", when=at(1)), None))
    before = marks.mark(STOCK, dt.date(2024, 3, 1))
    after = marks.mark(STOCK, dt.date(2024, 3, 5))
    assert before.price == Decimal(404)
    assert after.price == Decimal(101)
    assert after.source is ValuationSource.TRADES_LAST_PRICE
    assert after.code is LedgerCode.EOD_MARK_FALLBACK_LAST_TRADE


def test_a_trade_on_the_split_day_is_already_at_the_new_price() -> None:
    marks = _marks(PricedFill(fill("B2", "400", "101", when=at(4)), None))
    assert marks.mark(STOCK, dt.date(2024, 3, 5)).price == Decimal(101)


def test_marks_from_ibkr_are_never_adjusted() -> None:
    marks = Marks(
        [(STOCK, dt.date(2024, 3, 5), Decimal("102.5"))],
        [PricedFill(fill("B3", "100", "404", when=at(1)), None)],
        [(STOCK, SPLIT_DAY, FOUR_FOR_ONE)],
    )
    mark = marks.mark(STOCK, dt.date(2024, 3, 5))
    assert (mark.price, mark.source) == (
        Decimal("102.5"),
        ValuationSource.OPENPOSITIONS_MARK,
    )
