"""Response shapes of the instruments API (decimals as strings, see `DecimalOut`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel

from flexledger.db.repositories.instruments import (
    InstrumentAlias,
    InstrumentDetail,
    InstrumentLabel,
    InstrumentNote,
    InstrumentSummary,
    LatestSnapshot,
    OpenLot,
    Position,
    RecentEvent,
)
from flexledger.domain.events import EventKind
from flexledger.domain.lots import LotDirection
from flexledger.web.api.schemas import DecimalOut


class InstrumentOut(BaseModel):
    """An instrument as the list shows it; the account stays internal (SCHEMA)."""

    instrument_id: uuid.UUID
    conid: str
    symbol: str
    isin: str | None
    cusip: str | None
    figi: str | None
    description: str | None
    asset_category: str
    currency: str
    has_open_position: bool
    created_at_utc: dt.datetime
    updated_at_utc: dt.datetime

    @classmethod
    def of(cls, item: InstrumentSummary) -> InstrumentOut:
        """The API shape of an instrument."""
        return cls(
            instrument_id=item.instrument_id,
            conid=item.conid,
            symbol=item.symbol,
            isin=item.isin,
            cusip=item.cusip,
            figi=item.figi,
            description=item.description,
            asset_category=item.asset_category,
            currency=item.currency,
            has_open_position=item.has_open_position,
            created_at_utc=item.created_at,
            updated_at_utc=item.updated_at,
        )


class AliasOut(BaseModel):
    """One alias value with the business dates it was first and last seen."""

    alias_kind: str
    value: str
    first_seen_local: dt.date | None
    last_seen_local: dt.date | None

    @classmethod
    def of(cls, alias: InstrumentAlias) -> AliasOut:
        """The API shape of an alias."""
        return cls(
            alias_kind=alias.alias_kind,
            value=alias.value,
            first_seen_local=alias.first_seen_local,
            last_seen_local=alias.last_seen_local,
        )


class InstrumentLabelOut(BaseModel):
    """A label on the instrument."""

    label_id: uuid.UUID
    name: str
    color: str | None

    @classmethod
    def of(cls, label: InstrumentLabel) -> InstrumentLabelOut:
        """The API shape of a label."""
        return cls(label_id=label.label_id, name=label.name, color=label.color)


class PositionOut(BaseModel):
    """The current position: the signed sum of the open lots."""

    quantity: DecimalOut
    cost_basis: DecimalOut
    cost_basis_base: DecimalOut | None
    currency: str
    open_lot_count: int

    @classmethod
    def of(cls, position: Position) -> PositionOut:
        """The API shape of a position."""
        return cls(
            quantity=position.quantity,
            cost_basis=position.cost_basis,
            cost_basis_base=position.cost_basis_base,
            currency=position.currency,
            open_lot_count=position.open_lot_count,
        )


class OpenLotOut(BaseModel):
    """An open lot; quantities are magnitudes, `direction` gives the sign."""

    position_lot_id: uuid.UUID
    direction: LotDirection
    opened_at_utc: dt.datetime | None
    open_quantity: DecimalOut
    remaining_quantity: DecimalOut
    open_price: DecimalOut
    cost_basis_open: DecimalOut
    remaining_cost_basis: DecimalOut
    remaining_cost_basis_base: DecimalOut | None
    currency: str
    basis_source: str

    @classmethod
    def of(cls, lot: OpenLot) -> OpenLotOut:
        """The API shape of an open lot."""
        return cls(
            position_lot_id=lot.position_lot_id,
            direction=lot.direction,
            opened_at_utc=lot.opened_at,
            open_quantity=lot.open_quantity,
            remaining_quantity=lot.remaining_quantity,
            open_price=lot.open_price,
            cost_basis_open=lot.cost_basis_open,
            remaining_cost_basis=lot.remaining_cost,
            remaining_cost_basis_base=lot.remaining_cost_base,
            currency=lot.currency,
            basis_source=lot.basis_source,
        )


class LatestSnapshotOut(BaseModel):
    """The latest daily snapshot of the instrument (base currency)."""

    report_date_local: dt.date
    position_qty: DecimalOut
    cost_basis: DecimalOut | None
    realized_pnl: DecimalOut
    unrealized_pnl: DecimalOut
    total_pnl: DecimalOut
    currency: str
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: list[str]

    @classmethod
    def of(cls, snapshot: LatestSnapshot) -> LatestSnapshotOut:
        """The API shape of a snapshot."""
        return cls(
            report_date_local=snapshot.report_date_local,
            position_qty=snapshot.position_qty,
            cost_basis=snapshot.cost_basis,
            realized_pnl=snapshot.realized_pnl,
            unrealized_pnl=snapshot.unrealized_pnl,
            total_pnl=snapshot.total_pnl,
            currency=snapshot.currency,
            provisional=snapshot.provisional,
            unresolved_cases=snapshot.unresolved_cases,
            diagnostic_codes=snapshot.diagnostic_codes,
        )


class RecentEventOut(BaseModel):
    """A fill, cashflow or corporate-action leg; `action` is side, type or code."""

    kind: EventKind
    event_id: uuid.UUID
    report_date_local: dt.date
    action: str
    quantity: DecimalOut | None
    price: DecimalOut | None
    amount: DecimalOut | None
    currency: str | None
    description: str | None

    @classmethod
    def of(cls, event: RecentEvent) -> RecentEventOut:
        """The API shape of an event."""
        return cls(
            kind=event.kind,
            event_id=event.event_id,
            report_date_local=event.report_date_local,
            action=event.action,
            quantity=event.quantity,
            price=event.price,
            amount=event.amount,
            currency=event.currency,
            description=event.description,
        )


class InstrumentNoteOut(BaseModel):
    """A note attached to the instrument."""

    note_id: uuid.UUID
    content: str
    created_at_utc: dt.datetime
    updated_at_utc: dt.datetime

    @classmethod
    def of(cls, note: InstrumentNote) -> InstrumentNoteOut:
        """The API shape of a note."""
        return cls(
            note_id=note.note_id,
            content=note.content,
            created_at_utc=note.created_at,
            updated_at_utc=note.updated_at,
        )


class InstrumentDetailOut(BaseModel):
    """`GET /instruments/{id}`: the instrument and what hangs off it."""

    instrument: InstrumentOut
    aliases: list[AliasOut]
    labels: list[InstrumentLabelOut]
    position: PositionOut
    open_lots: list[OpenLotOut]
    latest_snapshot: LatestSnapshotOut | None
    recent_events: list[RecentEventOut]
    notes: list[InstrumentNoteOut]

    @classmethod
    def of(cls, detail: InstrumentDetail) -> InstrumentDetailOut:
        """The API shape of an instrument in full."""
        snapshot = detail.latest_snapshot
        return cls(
            instrument=InstrumentOut.of(detail.instrument),
            aliases=[AliasOut.of(a) for a in detail.aliases],
            labels=[InstrumentLabelOut.of(label) for label in detail.labels],
            position=PositionOut.of(detail.position),
            open_lots=[OpenLotOut.of(lot) for lot in detail.open_lots],
            latest_snapshot=None
            if snapshot is None
            else LatestSnapshotOut.of(snapshot),
            recent_events=[RecentEventOut.of(e) for e in detail.recent_events],
            notes=[InstrumentNoteOut.of(n) for n in detail.notes],
        )
