"""Canonical events as the mapping layer produces them, before they are stored.

Field names equal the event tables' column names, so storing one is a plain copy;
`event_id` is the table's primary key (UUIDv5 over the natural key, SPEC §0 P5).
Every event carries the `Provenance` of the raw row it was mapped from.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from operator import attrgetter

from flexledger.domain.events import EventKind
from flexledger.domain.ids import natural_key_id
from flexledger.domain.records import record


@record
class SourceRow:
    """A stored raw record, as mappers read it.

    Attributes:
        raw_record_id: the stored row.
        ingestion_run_id: the run that stored it.
        artifact_created_at_utc: when its payload was stored (import order).
        account_id: the statement's account.
        section_name: e.g. ``Trades``.
        row_tag: the second segment of `source_row_ref`, e.g. ``Trade`` or ``Lot``.
        source_row_ref: the row's reference within its payload (SPEC §5.3).
        report_date_local: the statement's `toDate`.
        attrs: the attributes exactly as IBKR wrote them.
    """

    raw_record_id: uuid.UUID
    ingestion_run_id: uuid.UUID
    artifact_created_at_utc: dt.datetime
    account_id: str
    section_name: str
    row_tag: str
    source_row_ref: str
    report_date_local: dt.date | None
    attrs: Mapping[str, str]


@record
class Provenance:
    """The raw row an event or fact was mapped from."""

    raw_record_id: uuid.UUID
    ingestion_run_id: uuid.UUID
    artifact_created_at_utc: dt.datetime
    source_row_ref: str

    @classmethod
    def of(cls, row: SourceRow) -> Provenance:
        """The provenance of `row`."""
        return cls(
            row.raw_record_id,
            row.ingestion_run_id,
            row.artifact_created_at_utc,
            row.source_row_ref,
        )

    @property
    def import_order(self) -> tuple[dt.datetime, str, str]:
        """Earlier-stored rows first: the first one seen is an event's origin."""
        return (
            self.artifact_created_at_utc,
            self.source_row_ref,
            str(self.raw_record_id),
        )


@functools.lru_cache(maxsize=65_536)
def instrument_id_for(account_id: str, conid: str) -> uuid.UUID:
    """The deterministic id of the account's instrument with `conid`."""
    return natural_key_id("instrument", account_id, conid)


@record
class InstrumentFacts:
    """What one raw row says about an instrument (conid is canonical, SPEC §7.1)."""

    account_id: str
    conid: str
    symbol: str | None
    isin: str | None
    cusip: str | None
    figi: str | None
    listing_exchange: str | None
    asset_category: str | None
    currency: str | None
    description: str | None
    seen_on: dt.date | None
    source: Provenance

    @property
    def instrument_id(self) -> uuid.UUID:
        """The instrument these facts are about."""
        return instrument_id_for(self.account_id, self.conid)


@dataclass(frozen=True, slots=True)
class InstrumentLink:
    """An identity change that moved an instrument to a new conid (e.g. `IC`)."""

    account_id: str
    from_conid: str
    to_conid: str
    action_id: str
    reorg_code: str
    report_date_local: dt.date
    source: Provenance


_COLUMN_NAMES: dict[type, tuple[str, ...]] = {}


def _column_names(kind: type) -> tuple[str, ...]:
    # dataclasses.fields() walks the class on every call: once per kind is enough.
    names = _COLUMN_NAMES.get(kind)
    if names is None:
        names = tuple(f.name for f in fields(kind) if f.name != "source")
        _COLUMN_NAMES[kind] = names
    return names


class _Event:
    """Shared behaviour of the event dataclasses below (no state of its own)."""

    __slots__ = ()
    kind: EventKind
    source: Provenance
    report_date_local: dt.date

    def column_values(self) -> dict[str, object]:
        """Every stored column of the event, provenance excluded."""
        names = _column_names(type(self))
        return dict(zip(names, attrgetter(*names)(self), strict=True))

    def content(self) -> tuple[tuple[str, str], ...]:
        """The event's values as text, for comparisons that ignore provenance."""
        return tuple(
            (name, "" if value is None else str(value))
            for name, value in self.column_values().items()
        )


def event_id_for(kind: EventKind, key: tuple[str | None, ...]) -> uuid.UUID:
    """UUIDv5 over the event's natural key (SPEC §0 P5)."""
    return natural_key_id(f"event_{kind.value}", *key)


@record
class TradeFill(_Event):
    """One stock execution; cancellations are fills of the opposite sign."""

    kind = EventKind.TRADE_FILL
    event_id: uuid.UUID
    account_id: str
    instrument_id: uuid.UUID
    ib_exec_id: str
    transaction_id: str | None
    trade_timestamp_utc: dt.datetime
    report_date_local: dt.date
    side: str
    quantity: Decimal
    price: Decimal
    cost: Decimal | None
    commission: Decimal | None
    fees: Decimal | None
    realized_pnl: Decimal | None
    net_cash: Decimal | None
    net_cash_in_base: Decimal | None
    fx_rate_to_base: Decimal | None
    currency: str
    functional_currency: str
    commission_currency: str | None
    is_cancellation: bool
    close_price: Decimal | None
    source: Provenance


@record
class Cashflow(_Event):
    """One cash transaction (dividend, withholding, fee, interest, deposit…)."""

    kind = EventKind.CASHFLOW
    event_id: uuid.UUID
    account_id: str
    instrument_id: uuid.UUID | None
    transaction_id: str
    cash_action: str
    report_date_local: dt.date
    effective_at_utc: dt.datetime | None
    amount: Decimal
    amount_in_base: Decimal | None
    currency: str
    functional_currency: str
    withholding_tax: Decimal | None
    fees: Decimal | None
    is_correction: bool
    action_id: str | None
    source: Provenance


@record
class FxRate(_Event):
    """One daily conversion rate into the base currency."""

    kind = EventKind.FX
    event_id: uuid.UUID
    account_id: str
    transaction_id: str
    report_date_local: dt.date
    currency: str
    functional_currency: str
    fx_rate: Decimal | None
    fx_source: str
    provisional: bool
    diagnostic_code: str | None
    source: Provenance


@record
class CorpActionLeg(_Event):
    """One leg of a corporate action; legs of an action share `action_id` (D-3)."""

    kind = EventKind.CORP_ACTION
    event_id: uuid.UUID
    account_id: str
    instrument_id: uuid.UUID | None
    conid: str
    action_id: str | None
    transaction_id: str | None
    reorg_code: str
    report_date_local: dt.date
    description: str | None
    requires_manual: bool
    provisional: bool
    quantity: Decimal | None
    amount: Decimal | None
    proceeds: Decimal | None
    currency: str | None
    manual_case_id: uuid.UUID | None
    source: Provenance


Event = TradeFill | Cashflow | FxRate | CorpActionLeg
