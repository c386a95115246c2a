"""Provenance: the canonical events behind a figure and the raw Flex rows behind each.

Read-only. An event's raw rows come from `event_source` (every raw row that gave the
event), joined to the raw record's attributes, its artifact and its ingestion run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventSourceRow,
    EventTradeFillRow,
    IngestionRunRow,
    InstrumentRow,
    LedgerCheckRow,
    PnlSnapshotDailyRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.domain.errors import NotFoundError
from flexledger.domain.events import EventKind

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
PROVENANCE_SORT_FIELDS = ("report_date_local", "event_kind")
_CHUNK = 500
# Events an instrument's figures are made of (FX rates carry no instrument).
_INSTRUMENT_KINDS = (EventKind.TRADE_FILL, EventKind.CASHFLOW, EventKind.CORP_ACTION)


@dataclass(frozen=True, slots=True)
class ProvenanceScope:
    """Which events: one (`event`), or an instrument's within business dates.

    Attributes:
        event: one event as (kind, id); the other fields are then ignored.
        instrument_id: the instrument whose events count.
        date_from: first business date, inclusive (None: from the start).
        date_to: last business date, inclusive (None: to the end).
    """

    event: tuple[EventKind, uuid.UUID] | None = None
    instrument_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class RawSource:
    """One raw Flex row behind an event, verbatim, with its artifact and run."""

    raw_record_id: uuid.UUID
    section_name: str
    source_row_ref: str
    report_date_local: dt.date | None
    attributes: dict[str, Any]
    raw_artifact_id: uuid.UUID
    payload_sha256: str
    artifact_created_at: dt.datetime
    ingestion_run_id: uuid.UUID
    run_type: str
    run_started_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ProvenanceEvent:
    """A canonical event with the raw rows it came from.

    `action` is the fill's side, the cashflow's action, the leg's reorg code or the
    rate's source; `price` is a fill's price or an FX rate.
    """

    kind: EventKind
    event_id: uuid.UUID
    instrument_id: uuid.UUID | None
    report_date_local: dt.date
    action: str
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal | None
    currency: str | None
    raw_records: list[RawSource]


_Table = (
    type[EventTradeFillRow]
    | type[EventCashflowRow]
    | type[EventCorpActionRow]
    | type[EventFxRow]
)
_KeySelect = Select[str, uuid.UUID, dt.date]
_TABLES: dict[EventKind, tuple[_Table, InstrumentedAttribute[uuid.UUID]]] = {
    EventKind.TRADE_FILL: (EventTradeFillRow, EventTradeFillRow.event_trade_fill_id),
    EventKind.CASHFLOW: (EventCashflowRow, EventCashflowRow.event_cashflow_id),
    EventKind.CORP_ACTION: (
        EventCorpActionRow,
        EventCorpActionRow.event_corp_action_id,
    ),
    EventKind.FX: (EventFxRow, EventFxRow.event_fx_id),
}


class ProvenanceRepository:
    """Resolves report rows, snapshots and checks to events and raw rows."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def scope_of_event(self, kind: EventKind, event_id: uuid.UUID) -> ProvenanceScope:
        """The scope of one event.

        Raises:
            NotFoundError: no such event of that kind.
        """
        table, pk = _TABLES[kind]
        found = self._session.execute(
            select(pk).select_from(table).where(pk == event_id)
        ).first()
        if found is None:
            raise NotFoundError(
                f"No {kind.value} event {event_id}.",
                hint="GET /instruments/{id} lists an instrument's recent events.",
            )
        return ProvenanceScope(event=(kind, event_id))

    def scope_of_instrument(
        self,
        instrument_id: uuid.UUID,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> ProvenanceScope:
        """The instrument's events within the business dates.

        Raises:
            NotFoundError: no such instrument.
        """
        found = self._session.execute(
            select(InstrumentRow.instrument_id).where(
                InstrumentRow.instrument_id == instrument_id
            )
        ).first()
        if found is None:
            raise NotFoundError(
                f"No instrument {instrument_id}.",
                hint="GET /instruments lists the instruments and their ids.",
            )
        return ProvenanceScope(
            instrument_id=instrument_id, date_from=date_from, date_to=date_to
        )

    def scope_of_snapshot(self, snapshot_id: uuid.UUID) -> ProvenanceScope:
        """The snapshot's instrument, its events up to the snapshot's date.

        Raises:
            NotFoundError: no such daily snapshot.
        """
        found = self._session.execute(
            select(
                PnlSnapshotDailyRow.instrument_id,
                PnlSnapshotDailyRow.report_date_local,
            ).where(PnlSnapshotDailyRow.pnl_snapshot_daily_id == snapshot_id)
        ).first()
        if found is None:
            raise NotFoundError(
                f"No daily snapshot {snapshot_id}.",
                hint="GET /snapshots/daily lists the snapshots and their ids.",
            )
        return ProvenanceScope(instrument_id=found[0], date_to=found[1])

    def scope_of_check(self, check_id: uuid.UUID) -> ProvenanceScope:
        """A trade check's fill; otherwise the instrument's events to its date.

        Raises:
            NotFoundError: no such ledger check.
        """
        found = self._session.execute(
            select(
                LedgerCheckRow.event_trade_fill_id,
                LedgerCheckRow.instrument_id,
                LedgerCheckRow.report_date_local,
            ).where(LedgerCheckRow.ledger_check_id == check_id)
        ).first()
        if found is None:
            raise NotFoundError(f"No ledger check {check_id}.")
        fill_id, instrument_id, day = found
        if fill_id is not None:
            return ProvenanceScope(event=(EventKind.TRADE_FILL, fill_id))
        return ProvenanceScope(instrument_id=instrument_id, date_to=day)

    def events(
        self,
        scope: ProvenanceScope,
        *,
        sort_by: str = "report_date_local",
        sort_dir: str = "asc",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[ProvenanceEvent], int]:
        """One page of the scope's events, each with its raw rows, and the total.

        The event id breaks ties, in the direction asked.
        """
        keys = union_all(*self._key_selects(scope)).subquery()
        total = self._session.execute(
            select(func.count()).select_from(keys)
        ).scalar_one()
        columns = [keys.c[sort_by], keys.c.event_id]
        if sort_by != "report_date_local":
            columns.insert(1, keys.c.report_date_local)
        ordering = [c.desc() if sort_dir == "desc" else c.asc() for c in columns]
        statement = select(keys.c.event_kind, keys.c.event_id).order_by(*ordering)
        if limit is not None:
            statement = statement.limit(limit)
        page = [
            (EventKind(kind), event_id)
            for kind, event_id in self._session.execute(statement.offset(offset))
        ]
        raw = self._raw_sources(page)
        details = self._details(page)
        return [
            _with_raw(details[(kind, event_id)], raw.get((kind, event_id), []))
            for kind, event_id in page
        ], total

    def _key_selects(self, scope: ProvenanceScope) -> list[_KeySelect]:
        if scope.event is not None:
            kind, event_id = scope.event
            table, pk = _TABLES[kind]
            return [_keys(kind, table, pk).where(pk == event_id)]
        selects: list[_KeySelect] = []
        for kind in _INSTRUMENT_KINDS:
            table, pk = _TABLES[kind]
            conditions: list[ColumnElement[bool]] = [
                _instrument_column(kind) == scope.instrument_id
            ]
            if scope.date_from is not None:
                conditions.append(table.report_date_local >= scope.date_from)
            if scope.date_to is not None:
                conditions.append(table.report_date_local <= scope.date_to)
            selects.append(_keys(kind, table, pk).where(*conditions))
        return selects

    def _raw_sources(
        self, page: Sequence[tuple[EventKind, uuid.UUID]]
    ) -> dict[tuple[EventKind, uuid.UUID], list[RawSource]]:
        found: dict[tuple[EventKind, uuid.UUID], list[RawSource]] = {}
        ids = [event_id for _, event_id in page]
        for start in range(0, len(ids), _CHUNK):
            rows = self._session.execute(
                _RAW_SOURCE_SELECT.with_only_columns(
                    EventSourceRow.event_kind,
                    EventSourceRow.event_id,
                    *_RAW_SOURCE_COLUMNS,
                )
                .join(
                    EventSourceRow,
                    EventSourceRow.raw_record_id == RawRecordRow.raw_record_id,
                )
                .where(EventSourceRow.event_id.in_(ids[start : start + _CHUNK]))
                .order_by(
                    RawRecordRow.report_date_local.asc().nulls_first(),
                    RawRecordRow.section_name,
                    RawRecordRow.source_row_ref,
                    RawRecordRow.raw_record_id,
                )
            )
            for kind, event_id, *source in rows:
                found.setdefault((EventKind(kind), event_id), []).append(
                    _raw_source(*source)
                )
        return found

    def position_rows(
        self, instrument_id: uuid.UUID, date_to: dt.date | None
    ) -> list[RawSource]:
        """The OpenPositions rows an instrument's figures rest on, up to `date_to`.

        Two rows: the first IBKR reported (a history gap seeds the opening lot from
        its cost basis) and the last on or before `date_to` (its mark values the
        position). They are no canonical event, yet every position, basis and
        unrealized figure comes from them.
        """
        conid = self._session.execute(
            select(InstrumentRow.conid).where(
                InstrumentRow.instrument_id == instrument_id
            )
        ).scalar_one_or_none()
        if conid is None:
            return []
        statement = _RAW_SOURCE_SELECT.where(
            RawRecordRow.section_name == "OpenPositions",
            RawRecordRow.source_payload["conid"].as_string() == conid,
        )
        if date_to is not None:
            statement = statement.where(RawRecordRow.report_date_local <= date_to)
        summaries = [
            _raw_source(*row)
            for row in self._session.execute(
                statement.order_by(
                    RawRecordRow.report_date_local, RawRecordRow.raw_record_id
                )
            )
            if _is_summary(row[0])
        ]
        if len(summaries) <= 1:
            return summaries
        return [summaries[0], summaries[-1]]

    def _details(
        self, page: Sequence[tuple[EventKind, uuid.UUID]]
    ) -> dict[tuple[EventKind, uuid.UUID], ProvenanceEvent]:
        wanted: dict[EventKind, list[uuid.UUID]] = {}
        for kind, event_id in page:
            wanted.setdefault(kind, []).append(event_id)
        found: dict[tuple[EventKind, uuid.UUID], ProvenanceEvent] = {}
        for kind, ids in wanted.items():
            table, pk = _TABLES[kind]
            for start in range(0, len(ids), _CHUNK):
                rows = self._session.scalars(
                    select(table).where(pk.in_(ids[start : start + _CHUNK]))
                )
                for row in rows:
                    event = _event(row)
                    found[(event.kind, event.event_id)] = event
        return found


# A raw row with its artifact and run: what every provenance answer shows of it.
_RAW_SOURCE_COLUMNS = (
    RawRecordRow,
    RawArtifactRow.raw_artifact_id,
    RawArtifactRow.payload_sha256,
    RawArtifactRow.created_at_utc,
    IngestionRunRow.ingestion_run_id,
    IngestionRunRow.run_type,
    IngestionRunRow.started_at_utc,
)
_RAW_SOURCE_SELECT = (
    select(*_RAW_SOURCE_COLUMNS)
    .join(
        RawArtifactRow, RawArtifactRow.raw_artifact_id == RawRecordRow.raw_artifact_id
    )
    .join(
        IngestionRunRow,
        IngestionRunRow.ingestion_run_id == RawRecordRow.ingestion_run_id,
    )
)


def _raw_source(
    record: RawRecordRow,
    artifact_id: uuid.UUID,
    sha256: str,
    stored_at: dt.datetime,
    run_id: uuid.UUID,
    run_type: str,
    started: dt.datetime,
) -> RawSource:
    return RawSource(
        raw_record_id=record.raw_record_id,
        section_name=record.section_name,
        source_row_ref=record.source_row_ref,
        report_date_local=record.report_date_local,
        attributes=dict(record.source_payload),
        raw_artifact_id=artifact_id,
        payload_sha256=sha256,
        artifact_created_at=stored_at,
        ingestion_run_id=run_id,
        run_type=run_type,
        run_started_at=started,
    )


def _is_summary(record: RawRecordRow) -> bool:
    """A position's summary row (its lot rows repeat it lot by lot)."""
    level = str(record.source_payload.get("levelOfDetail") or "SUMMARY")
    tag = record.source_row_ref.split(":", 2)[1]
    return tag == "OpenPosition" and level.strip().upper() == "SUMMARY"


def _keys(
    kind: EventKind, table: _Table, pk: InstrumentedAttribute[uuid.UUID]
) -> _KeySelect:
    return select(
        literal(kind.value).label("event_kind"),
        pk.label("event_id"),
        table.report_date_local.label("report_date_local"),
    )


def _instrument_column(kind: EventKind) -> InstrumentedAttribute[Any]:
    if kind is EventKind.TRADE_FILL:
        return EventTradeFillRow.instrument_id
    if kind is EventKind.CASHFLOW:
        return EventCashflowRow.instrument_id
    return EventCorpActionRow.instrument_id


def _event(row: object) -> ProvenanceEvent:
    if isinstance(row, EventTradeFillRow):
        return ProvenanceEvent(
            EventKind.TRADE_FILL,
            row.event_trade_fill_id,
            row.instrument_id,
            row.report_date_local,
            row.side,
            row.quantity,
            row.price,
            row.net_cash,
            row.currency,
            [],
        )
    if isinstance(row, EventCashflowRow):
        return ProvenanceEvent(
            EventKind.CASHFLOW,
            row.event_cashflow_id,
            row.instrument_id,
            row.report_date_local,
            row.cash_action,
            None,
            None,
            row.amount,
            row.currency,
            [],
        )
    if isinstance(row, EventCorpActionRow):
        return ProvenanceEvent(
            EventKind.CORP_ACTION,
            row.event_corp_action_id,
            row.instrument_id,
            row.report_date_local,
            row.reorg_code,
            row.quantity,
            None,
            row.amount,
            row.currency,
            [],
        )
    if not isinstance(row, EventFxRow):
        raise TypeError(f"not an event row: {type(row).__name__}")
    return ProvenanceEvent(
        EventKind.FX,
        row.event_fx_id,
        None,
        row.report_date_local,
        row.fx_source,
        None,
        row.fx_rate,
        None,
        row.currency,
        [],
    )


def _with_raw(event: ProvenanceEvent, raw: list[RawSource]) -> ProvenanceEvent:
    return ProvenanceEvent(
        event.kind,
        event.event_id,
        event.instrument_id,
        event.report_date_local,
        event.action,
        event.quantity,
        event.price,
        event.amount,
        event.currency,
        raw,
    )
