"""The instruments jobs against real databases: list, filters, and one in full."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from flexledger.db.database import Database
from flexledger.db.repositories.instruments import InstrumentFilter
from flexledger.domain.errors import NotFoundError
from flexledger.domain.events import EventKind
from flexledger.domain.lots import LotDirection
from flexledger.jobs.instruments import get_instrument, list_instruments
from tests.fixtures.instruments import (
    ACTIVE_SYMBOLS,
    INSTRUMENT_COUNT,
    import_uabean,
    label_with_note,
)


@pytest.fixture
def ids(database: Database) -> dict[str, uuid.UUID]:
    return import_uabean(database)


def test_list_sorts_by_symbol_then_id_and_pages(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    page = list_instruments(database)
    assert page.total == INSTRUMENT_COUNT == len(ids)
    symbols = [i.symbol for i in page.instruments]
    assert symbols == sorted(symbols)
    desc = list_instruments(database, sort_by="conid", sort_dir="desc")
    conids = [i.conid for i in desc.instruments]
    assert conids == sorted(conids, reverse=True)
    first = list_instruments(database, limit=4, offset=0).instruments
    rest = list_instruments(database, limit=4, offset=4).instruments
    assert [i.symbol for i in first + rest] == symbols[:8]
    assert list_instruments(database, limit=4, offset=8).total == INSTRUMENT_COUNT


def test_filters_search_active_and_label(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    def symbols(filters: InstrumentFilter) -> list[str]:
        return [i.symbol for i in list_instruments(database, filters).instruments]

    active = list_instruments(database, InstrumentFilter(active_only=True))
    assert [i.symbol for i in active.instruments] == ACTIVE_SYMBOLS
    assert active.total == len(ACTIVE_SYMBOLS)
    assert all(i.has_open_position for i in active.instruments)
    # Case-insensitive on symbol, description, ISIN and conid.
    assert symbols(InstrumentFilter(search="apple")) == ["AAPL"]
    assert symbols(InstrumentFilter(search="us4642872265")) == ["AGG"]
    assert symbols(InstrumentFilter(search="aGg")) == ["AGG"]
    assert symbols(InstrumentFilter(search="72063691")) == ["BRK B"]
    assert symbols(InstrumentFilter(search="%")) == []
    assert symbols(InstrumentFilter(search="inc", active_only=True)) == [
        "AAPL",
        "LVGO",
    ]
    label_id = label_with_note(database, ids["AGG"], "bonds", "core holding")
    assert symbols(InstrumentFilter(label_id=label_id)) == ["AGG"]
    assert symbols(InstrumentFilter(label_id=uuid.uuid4())) == []


@pytest.mark.parametrize("symbol", ACTIVE_SYMBOLS)
def test_position_is_the_sum_of_open_lots_and_the_latest_snapshot(
    database: Database, ids: dict[str, uuid.UUID], symbol: str
) -> None:
    detail = get_instrument(database, ids[symbol])
    assert detail.open_lots
    quantity = sum(
        (lot.sign * lot.remaining_quantity for lot in detail.open_lots),
        start=Decimal(0),
    )
    cost = sum(
        (lot.sign * lot.remaining_cost for lot in detail.open_lots),
        start=Decimal(0),
    )
    assert detail.position.quantity == quantity
    assert detail.position.cost_basis == cost
    assert detail.position.open_lot_count == len(detail.open_lots)
    snapshot = detail.latest_snapshot
    assert snapshot is not None
    assert snapshot.position_qty == detail.position.quantity
    assert snapshot.cost_basis == detail.position.cost_basis
    assert all(lot.basis_source == "lots" for lot in detail.open_lots)
    assert all(lot.opened_at is not None for lot in detail.open_lots)


def test_detail_of_agg(database: Database, ids: dict[str, uuid.UUID]) -> None:
    label_with_note(database, ids["AGG"], "bonds", "core holding")
    detail = get_instrument(database, ids["AGG"])
    assert (detail.instrument.symbol, detail.instrument.conid) == ("AGG", "25985141")
    (lot,) = detail.open_lots
    assert lot.direction is LotDirection.LONG
    assert (str(lot.open_quantity), str(lot.remaining_quantity)) == (
        "30.00000000",
        "25.00000000",
    )
    # 3518.5 paid for 30; 5 sold relieved a sixth of it.
    assert str(lot.remaining_cost) == "2932.08333333"
    assert str(detail.position.cost_basis_base) == "2932.08333333"
    snapshot = detail.latest_snapshot
    assert snapshot is not None
    assert str(snapshot.realized_pnl) == "4.71965181"
    assert snapshot.total_pnl == snapshot.realized_pnl + snapshot.unrealized_pnl
    assert snapshot.diagnostic_codes == ["EOD_MARK_FALLBACK_LAST_TRADE"]
    assert [e.kind for e in detail.recent_events] == [EventKind.TRADE_FILL] * 2
    dates = [e.report_date_local for e in detail.recent_events]
    assert dates == sorted(dates, reverse=True)
    assert {(a.alias_kind, a.value) for a in detail.aliases} >= {
        ("symbol", "AGG"),
        ("isin", "US4642872265"),
    }
    symbol_alias = next(a for a in detail.aliases if a.alias_kind == "symbol")
    assert symbol_alias.first_seen_local is not None
    assert symbol_alias.last_seen_local is not None
    assert symbol_alias.first_seen_local <= symbol_alias.last_seen_local
    assert [label.name for label in detail.labels] == ["bonds"]
    assert [note.content for note in detail.notes] == ["core holding"]


def test_corporate_action_legs_and_open_cases_show(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    detail = get_instrument(database, ids["LVGO"])
    kinds = {e.kind for e in detail.recent_events}
    assert kinds == {EventKind.TRADE_FILL, EventKind.CORP_ACTION}
    snapshot = detail.latest_snapshot
    assert snapshot is not None
    assert (snapshot.provisional, snapshot.unresolved_cases) == (True, 1)
    assert "CORP_ACTION_OPEN_CASE" in snapshot.diagnostic_codes


def test_closed_instrument_has_no_position(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    detail = get_instrument(database, ids["BRK B"])
    assert detail.open_lots == []
    assert detail.position.quantity == Decimal(0)
    assert detail.position.open_lot_count == 0
    assert not detail.instrument.has_open_position


def test_unknown_instrument(database: Database, ids: dict[str, uuid.UUID]) -> None:
    with pytest.raises(NotFoundError, match="No instrument"):
        get_instrument(database, uuid.uuid4())
