"""Instruments: the list (search, label, open position) and one instrument in full.

Read-only. The detail gathers what the ledger derived for the instrument (open lots,
the latest daily snapshot), its aliases, labels and notes, and its latest canonical
events. Labels and notes are read straight from their tables; this module never
changes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventCashflowRow,
    EventCorpActionRow,
    EventTradeFillRow,
    InstrumentAliasRow,
    InstrumentLabelRow,
    InstrumentRow,
    LabelRow,
    LotClosureRow,
    NoteRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
)
from flexledger.domain.errors import NotFoundError
from flexledger.domain.events import EventKind
from flexledger.domain.lots import LotDirection, LotStatus
from flexledger.domain.money import MONEY, to_scale

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
INSTRUMENT_SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "symbol": InstrumentRow.symbol,
    "conid": InstrumentRow.conid,
    "updated_at_utc": InstrumentRow.updated_at_utc,
}
RECENT_EVENT_LIMIT = 20
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class InstrumentFilter:
    """Filters of the instruments list; None / False means "any".

    Attributes:
        label_id: only instruments carrying this label.
        search: case-insensitive substring of symbol, description, ISIN or conid.
        active_only: only instruments with an open position lot.
    """

    label_id: uuid.UUID | None = None
    search: str | None = None
    active_only: bool = False


@dataclass(frozen=True, slots=True)
class InstrumentSummary:
    """One instrument as the list shows it."""

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
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class InstrumentAlias:
    """One alias value with the business dates it was seen."""

    alias_kind: str
    value: str
    first_seen_local: dt.date | None
    last_seen_local: dt.date | None


@dataclass(frozen=True, slots=True)
class InstrumentLabel:
    """A label on the instrument."""

    label_id: uuid.UUID
    name: str
    color: str | None


@dataclass(frozen=True, slots=True)
class OpenLot:
    """An open lot; quantities are magnitudes, `direction` gives the sign.

    `remaining_cost` is the opening basis less what closures relieved;
    `remaining_cost_base` the same at the opening fill's rate (None if unknown).
    """

    position_lot_id: uuid.UUID
    direction: LotDirection
    opened_at: dt.datetime | None
    open_quantity: Decimal
    remaining_quantity: Decimal
    open_price: Decimal
    cost_basis_open: Decimal
    remaining_cost: Decimal
    remaining_cost_base: Decimal | None
    currency: str
    basis_source: str

    @property
    def sign(self) -> int:
        """+1 for a long lot, -1 for a short one."""
        return -1 if self.direction is LotDirection.SHORT else 1


@dataclass(frozen=True, slots=True)
class Position:
    """The current position: the signed sum of the open lots."""

    quantity: Decimal
    cost_basis: Decimal
    cost_basis_base: Decimal | None
    currency: str
    open_lot_count: int


@dataclass(frozen=True, slots=True)
class LatestSnapshot:
    """The instrument's most recent `pnl_snapshot_daily` row."""

    report_date_local: dt.date
    position_qty: Decimal
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    total_pnl: Decimal
    currency: str
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: list[str]


@dataclass(frozen=True, slots=True)
class RecentEvent:
    """A canonical event of the instrument: a fill, a cashflow or a corp-action leg.

    `action` is the fill's side, the cashflow's action or the leg's reorg code.
    """

    kind: EventKind
    event_id: uuid.UUID
    report_date_local: dt.date
    action: str
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal | None
    currency: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class InstrumentNote:
    """A note attached to the instrument."""

    note_id: uuid.UUID
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class InstrumentDetail:
    """One instrument with everything known about it."""

    instrument: InstrumentSummary
    aliases: list[InstrumentAlias]
    labels: list[InstrumentLabel]
    position: Position
    open_lots: list[OpenLot]
    latest_snapshot: LatestSnapshot | None
    recent_events: list[RecentEvent]
    notes: list[InstrumentNote]


class InstrumentRepository:
    """Reads instruments and what hangs off them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def list_instruments(
        self,
        filters: InstrumentFilter,
        *,
        sort_by: str = "symbol",
        sort_dir: str = "asc",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[InstrumentSummary], int]:
        """One page of instruments (all when `limit` is None) and the total count.

        The instrument id breaks ties, in the direction asked.
        """
        conditions = _conditions(filters)
        column = INSTRUMENT_SORT_COLUMNS[sort_by]
        tie_break = InstrumentRow.instrument_id
        if sort_dir == "desc":
            ordering = (column.desc(), tie_break.desc())
        else:
            ordering = (column.asc(), tie_break.asc())
        total = self._session.execute(
            select(func.count()).select_from(InstrumentRow).where(*conditions)
        ).scalar_one()
        statement = (
            select(InstrumentRow, _has_open_lot().label("has_open_position"))
            .where(*conditions)
            .order_by(*ordering)
        )
        if limit is not None:
            statement = statement.limit(limit)
        rows = self._session.execute(statement.offset(offset))
        return [_summary(row, bool(is_open)) for row, is_open in rows], total

    def get(self, instrument_id: uuid.UUID) -> InstrumentDetail:
        """The instrument with its aliases, labels, lots, snapshot, events, notes.

        Raises:
            NotFoundError: no such instrument.
        """
        found = self._session.execute(
            select(InstrumentRow, _has_open_lot()).where(
                InstrumentRow.instrument_id == instrument_id
            )
        ).one_or_none()
        if found is None:
            raise NotFoundError(
                f"No instrument {instrument_id}.",
                hint="`flexledger instruments list` or GET /instruments lists the "
                "instruments and their ids.",
            )
        row, is_open = found
        lots = self._open_lots(instrument_id)
        return InstrumentDetail(
            instrument=_summary(row, bool(is_open)),
            aliases=self._aliases(instrument_id),
            labels=self._labels(instrument_id),
            position=_position(lots, row.currency),
            open_lots=lots,
            latest_snapshot=self._latest_snapshot(instrument_id),
            recent_events=self._recent_events(instrument_id),
            notes=self._notes(instrument_id),
        )

    def _aliases(self, instrument_id: uuid.UUID) -> list[InstrumentAlias]:
        rows = self._session.scalars(
            select(InstrumentAliasRow)
            .where(InstrumentAliasRow.instrument_id == instrument_id)
            .order_by(
                InstrumentAliasRow.alias_kind,
                InstrumentAliasRow.first_seen_local,
                InstrumentAliasRow.value,
            )
        )
        return [
            InstrumentAlias(
                r.alias_kind, r.value, r.first_seen_local, r.last_seen_local
            )
            for r in rows
        ]

    def _labels(self, instrument_id: uuid.UUID) -> list[InstrumentLabel]:
        rows = self._session.scalars(
            select(LabelRow)
            .join(InstrumentLabelRow, InstrumentLabelRow.label_id == LabelRow.label_id)
            .where(InstrumentLabelRow.instrument_id == instrument_id)
            .order_by(LabelRow.name_key, LabelRow.label_id)
        )
        return [InstrumentLabel(r.label_id, r.name, r.color) for r in rows]

    def _open_lots(self, instrument_id: uuid.UUID) -> list[OpenLot]:
        # Summed here, not in SQL: SQLite keeps money as exact text (db/types.py).
        relieved: dict[uuid.UUID, Decimal] = {}
        closures = self._session.execute(
            select(LotClosureRow.position_lot_id, LotClosureRow.cost)
            .join(
                PositionLotRow,
                PositionLotRow.position_lot_id == LotClosureRow.position_lot_id,
            )
            .where(
                PositionLotRow.instrument_id == instrument_id,
                PositionLotRow.status == LotStatus.OPEN.value,
                LotClosureRow.cost.is_not(None),
            )
        ).all()
        for lot_id, cost in closures:
            if lot_id is not None and cost is not None:
                relieved[lot_id] = relieved.get(lot_id, _ZERO) + cost
        rows = self._session.scalars(
            select(PositionLotRow)
            .where(
                PositionLotRow.instrument_id == instrument_id,
                PositionLotRow.status == LotStatus.OPEN.value,
            )
            .order_by(
                PositionLotRow.opened_at_utc.asc().nulls_first(),
                PositionLotRow.position_lot_id,
            )
        )
        return [_open_lot(r, relieved.get(r.position_lot_id, _ZERO)) for r in rows]

    def _latest_snapshot(self, instrument_id: uuid.UUID) -> LatestSnapshot | None:
        row = self._session.scalars(
            select(PnlSnapshotDailyRow)
            .where(PnlSnapshotDailyRow.instrument_id == instrument_id)
            .order_by(PnlSnapshotDailyRow.report_date_local.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        codes = [c for c in (row.diagnostic_codes or "").split(",") if c]
        return LatestSnapshot(
            report_date_local=row.report_date_local,
            position_qty=row.position_qty,
            cost_basis=row.cost_basis,
            realized_pnl=row.realized_pnl,
            unrealized_pnl=row.unrealized_pnl,
            total_pnl=row.total_pnl,
            currency=row.currency,
            provisional=row.provisional,
            unresolved_cases=row.unresolved_cases,
            diagnostic_codes=codes,
        )

    def _recent_events(self, instrument_id: uuid.UUID) -> list[RecentEvent]:
        events: list[RecentEvent] = []
        fills = self._session.scalars(
            select(EventTradeFillRow)
            .where(EventTradeFillRow.instrument_id == instrument_id)
            .order_by(EventTradeFillRow.report_date_local.desc())
            .limit(RECENT_EVENT_LIMIT)
        )
        events.extend(
            RecentEvent(
                EventKind.TRADE_FILL,
                f.event_trade_fill_id,
                f.report_date_local,
                f.side,
                f.quantity,
                f.price,
                f.net_cash,
                f.currency,
                None,
            )
            for f in fills
        )
        cashflows = self._session.scalars(
            select(EventCashflowRow)
            .where(EventCashflowRow.instrument_id == instrument_id)
            .order_by(EventCashflowRow.report_date_local.desc())
            .limit(RECENT_EVENT_LIMIT)
        )
        events.extend(
            RecentEvent(
                EventKind.CASHFLOW,
                c.event_cashflow_id,
                c.report_date_local,
                c.cash_action,
                None,
                None,
                c.amount,
                c.currency,
                None,
            )
            for c in cashflows
        )
        legs = self._session.scalars(
            select(EventCorpActionRow)
            .where(EventCorpActionRow.instrument_id == instrument_id)
            .order_by(EventCorpActionRow.report_date_local.desc())
            .limit(RECENT_EVENT_LIMIT)
        )
        events.extend(
            RecentEvent(
                EventKind.CORP_ACTION,
                leg.event_corp_action_id,
                leg.report_date_local,
                leg.reorg_code,
                leg.quantity,
                None,
                leg.amount,
                leg.currency,
                leg.description,
            )
            for leg in legs
        )
        events.sort(
            key=lambda e: (e.report_date_local, e.kind.value, str(e.event_id)),
            reverse=True,
        )
        return events[:RECENT_EVENT_LIMIT]

    def _notes(self, instrument_id: uuid.UUID) -> list[InstrumentNote]:
        rows = self._session.scalars(
            select(NoteRow)
            .where(NoteRow.instrument_id == instrument_id)
            .order_by(NoteRow.created_at_utc.desc(), NoteRow.note_id.desc())
        )
        return [
            InstrumentNote(r.note_id, r.content, r.created_at_utc, r.updated_at_utc)
            for r in rows
        ]


def _has_open_lot() -> ColumnElement[bool]:
    return (
        exists()
        .where(
            PositionLotRow.instrument_id == InstrumentRow.instrument_id,
            PositionLotRow.status == LotStatus.OPEN.value,
        )
        .correlate(InstrumentRow)
    )


def _conditions(filters: InstrumentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.label_id is not None:
        conditions.append(
            exists().where(
                InstrumentLabelRow.instrument_id == InstrumentRow.instrument_id,
                InstrumentLabelRow.label_id == filters.label_id,
            )
        )
    if filters.search:
        pattern = f"%{_escape_like(filters.search.lower())}%"
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        InstrumentRow.symbol,
                        InstrumentRow.description,
                        InstrumentRow.isin,
                        InstrumentRow.conid,
                    )
                )
            )
        )
    if filters.active_only:
        conditions.append(_has_open_lot())
    return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(row: InstrumentRow, has_open_position: bool) -> InstrumentSummary:
    return InstrumentSummary(
        instrument_id=row.instrument_id,
        conid=row.conid,
        symbol=row.symbol,
        isin=row.isin,
        cusip=row.cusip,
        figi=row.figi,
        description=row.description,
        asset_category=row.asset_category,
        currency=row.currency,
        has_open_position=has_open_position,
        created_at=row.created_at_utc,
        updated_at=row.updated_at_utc,
    )


def _open_lot(row: PositionLotRow, relieved: Decimal) -> OpenLot:
    remaining_cost = to_scale(row.cost_basis_open - relieved, MONEY)
    remaining_base: Decimal | None = None
    if row.cost_basis_open_base is not None:
        if row.cost_basis_open == _ZERO:
            remaining_base = row.cost_basis_open_base
        else:
            remaining_base = to_scale(
                row.cost_basis_open_base * remaining_cost / row.cost_basis_open, MONEY
            )
    return OpenLot(
        position_lot_id=row.position_lot_id,
        direction=LotDirection(row.direction),
        opened_at=row.opened_at_utc,
        open_quantity=row.open_quantity,
        remaining_quantity=row.remaining_quantity,
        open_price=row.open_price,
        cost_basis_open=row.cost_basis_open,
        remaining_cost=remaining_cost,
        remaining_cost_base=remaining_base,
        currency=row.currency,
        basis_source=row.basis_source,
    )


def _position(lots: Sequence[OpenLot], currency: str) -> Position:
    quantity = sum((lot.sign * lot.remaining_quantity for lot in lots), _ZERO)
    cost = sum((lot.sign * lot.remaining_cost for lot in lots), _ZERO)
    bases = [lot.remaining_cost_base for lot in lots]
    cost_base: Decimal | None = None
    if all(b is not None for b in bases):
        cost_base = sum(
            (lot.sign * (lot.remaining_cost_base or _ZERO) for lot in lots), _ZERO
        )
    return Position(
        quantity=to_scale(quantity, MONEY),
        cost_basis=to_scale(cost, MONEY),
        cost_basis_base=None if cost_base is None else to_scale(cost_base, MONEY),
        currency=lots[0].currency if lots else currency,
        open_lot_count=len(lots),
    )
