"""The events one mapping pass wrote, kept in the form the ledger reads them back in.

An import's ledger stage used to read back every fill and cashflow the mapping had
just written, and join the event sources to the run's raw rows to find what it
touched: about 5 s of a 100k-trade import, for rows the mapping held a moment
before. Here each written event's column values become the ledger's record as a
read would give it (each Decimal at its column's scale, instants in UTC), in the
column order of the ledger's own select, so both paths build the same records.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Column

from flexledger.db.tables import EventCashflowRow, EventTradeFillRow
from flexledger.db.types import ExactDecimal, UtcDateTime
from flexledger.domain.events import EventKind
from flexledger.domain.money import to_scale
from flexledger.ledger.inputs import CashRecord, FillRecord

# The columns the ledger reads, in its records' field order.
FILL_COLUMNS: tuple[Any, ...] = (
    EventTradeFillRow.event_trade_fill_id,
    EventTradeFillRow.instrument_id,
    EventTradeFillRow.ib_exec_id,
    EventTradeFillRow.transaction_id,
    EventTradeFillRow.trade_timestamp_utc,
    EventTradeFillRow.report_date_local,
    EventTradeFillRow.quantity,
    EventTradeFillRow.price,
    EventTradeFillRow.commission,
    EventTradeFillRow.fees,
    EventTradeFillRow.realized_pnl,
    EventTradeFillRow.cost,
    EventTradeFillRow.net_cash,
    EventTradeFillRow.net_cash_in_base,
    EventTradeFillRow.fx_rate_to_base,
    EventTradeFillRow.currency,
    EventTradeFillRow.commission_currency,
    EventTradeFillRow.is_cancellation,
    EventTradeFillRow.close_price,
)
CASH_COLUMNS: tuple[Any, ...] = (
    EventCashflowRow.instrument_id,
    EventCashflowRow.report_date_local,
    EventCashflowRow.cash_action,
    EventCashflowRow.amount,
    EventCashflowRow.amount_in_base,
    EventCashflowRow.currency,
)
# Kinds whose instrument and date make the ledger recompute (fx rows name none).
_TOUCHING = frozenset({EventKind.TRADE_FILL, EventKind.CASHFLOW, EventKind.CORP_ACTION})

_Reader = Callable[[Mapping[str, Any]], Any]


class WrittenEvents:
    """Fills and cashflows as the ledger reads them, and the instruments touched."""

    def __init__(self) -> None:
        self.touched: dict[uuid.UUID, dt.date] = {}
        self._fills: dict[str, list[FillRecord]] = defaultdict(list)
        self._cash: dict[str, list[CashRecord]] = defaultdict(list)

    def add(self, kind: EventKind, values: Mapping[str, Any]) -> None:
        """Keep one written event, given by the column values it was stored with."""
        instrument_id = values.get("instrument_id")
        if instrument_id is None:
            return
        if kind in _TOUCHING:
            day = values["report_date_local"]
            known = self.touched.get(instrument_id)
            self.touched[instrument_id] = day if known is None else min(known, day)
        account_id = values["account_id"]
        if kind is EventKind.TRADE_FILL:
            fill = FillRecord(*[read(values) for read in _FILL_READERS])
            self._fills[account_id].append(fill)
        elif kind is EventKind.CASHFLOW:
            cash = CashRecord(*[read(values) for read in _CASH_READERS])
            self._cash[account_id].append(cash)

    def fills_of(
        self, account_id: str, instruments: set[uuid.UUID]
    ) -> list[FillRecord]:
        """The kept fills of the account's given instruments."""
        kept = self._fills.get(account_id, [])
        return [fill for fill in kept if fill.instrument_id in instruments]

    def cash_of(self, account_id: str, instruments: set[uuid.UUID]) -> list[CashRecord]:
        """The kept cashflows of the account's given instruments."""
        kept = self._cash.get(account_id, [])
        return [row for row in kept if row.instrument_id in instruments]


def count_by_instrument(records: Sequence[FillRecord | CashRecord]) -> Counter[Any]:
    """How many records each instrument has."""
    return Counter(record.instrument_id for record in records)


def _reader(column: Column[Any]) -> _Reader:
    """The value a read of `column` gives back for the value written to it."""
    name, kind = column.name, column.type
    if isinstance(kind, ExactDecimal):
        rule = kind.scale_rule
        quantum = rule.quantum

        def decimal(values: Mapping[str, Any]) -> Decimal | None:
            value: Decimal | None = values[name]
            if value is None or value.same_quantum(quantum):
                return value  # already the digits a read gives: shared, not copied
            return to_scale(value, rule)

        return decimal
    if isinstance(kind, UtcDateTime):

        def instant(values: Mapping[str, Any]) -> dt.datetime | None:
            value = values[name]
            return None if value is None else value.astimezone(dt.UTC)

        return instant

    def other(values: Mapping[str, Any]) -> Any:
        value = values[name]
        # A copy: the mapping's text is the raw row's own string, and one string
        # kept per row would keep every raw row's memory blocks allocated (about
        # 240 MB more peak at 100k trades).
        return value.encode().decode() if type(value) is str else value

    return other


_FILL_READERS = [_reader(column.property.columns[0]) for column in FILL_COLUMNS]
_CASH_READERS = [_reader(column.property.columns[0]) for column in CASH_COLUMNS]
