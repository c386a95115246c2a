"""Canonical tables: raw rows in for mapping, events, instruments and links out.

Derived rows only: raw tables are read here, never written. Events are written by
comparing the decided event with the stored one, so every write is an insert, an
update of the columns that changed, or a delete, and the caller learns which
(a reprocess reports them). Instruments are never deleted: labels and notes hang
on them, and their ids are deterministic anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute

from flexledger.db.base import Base
from flexledger.db.bulk import BATCH_ROWS, BulkWriter
from flexledger.db.repositories.data_versions import bump_tokens
from flexledger.db.repositories.written_events import WrittenEvents
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    CorpActionCaseRow,
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventSourceRow,
    EventTradeFillRow,
    InstrumentAliasRow,
    InstrumentLinkRow,
    InstrumentRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.domain.canonical import (
    Event,
    InstrumentLink,
    SourceRow,
    instrument_id_for,
)
from flexledger.domain.events import EventKind

_TABLES: dict[EventKind, type[Base]] = {
    EventKind.TRADE_FILL: EventTradeFillRow,
    EventKind.CASHFLOW: EventCashflowRow,
    EventKind.FX: EventFxRow,
    EventKind.CORP_ACTION: EventCorpActionRow,
}
_PK = {
    EventKind.TRADE_FILL: "event_trade_fill_id",
    EventKind.CASHFLOW: "event_cashflow_id",
    EventKind.FX: "event_fx_id",
    EventKind.CORP_ACTION: "event_corp_action_id",
}
_AUDIT = frozenset({"created_at_utc", "updated_at_utc"})
_RAW_COLUMNS = frozenset({"raw_record_id", "source_raw_record_id"})
_ORIGIN_COLUMNS = frozenset({"ingestion_run_id", "source_raw_record_id"})
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RawScope:
    """Which stored payloads to read: one (period_key, flex_query_id), or all."""

    period_key: str
    flex_query_id: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One column of one event that a write changed."""

    kind: EventKind
    event_id: uuid.UUID
    changes: dict[str, tuple[str | None, str | None]]


@dataclass(slots=True)
class EventChanges:
    """What a write did to the event tables."""

    added: list[tuple[EventKind, uuid.UUID]] = field(default_factory=list)
    changed: list[FieldChange] = field(default_factory=list)
    removed: list[tuple[EventKind, uuid.UUID]] = field(default_factory=list)


class CanonicalRepository:
    """Reads raw rows for mapping and writes the canonical tables."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    # -- raw rows in ---------------------------------------------------------------

    def rows_of_run(
        self, ingestion_run_id: uuid.UUID, adopted: Sequence[uuid.UUID] = ()
    ) -> list[SourceRow]:
        """The raw rows a run inserted (and those of the dead runs it adopts)."""
        runs = [ingestion_run_id, *adopted]
        return list(self._rows(RawRecordRow.ingestion_run_id.in_(runs)))

    def rows_by_id(self, raw_record_ids: Iterable[uuid.UUID]) -> list[SourceRow]:
        """The given raw rows, in storage order."""
        wanted = sorted(set(raw_record_ids), key=str)
        rows: list[SourceRow] = []
        for start in range(0, len(wanted), _CHUNK):
            rows.extend(
                self._rows(
                    RawRecordRow.raw_record_id.in_(wanted[start : start + _CHUNK])
                )
            )
        return sorted(rows, key=_storage_order)

    def all_rows(self, scope: RawScope | None = None) -> Iterator[SourceRow]:
        """Every raw row (or the scope's), payloads in the order they were stored."""
        yield from self._rows(None if scope is None else _in_scope(scope))

    def rows_in_section(self, account_id: str, section: str) -> Iterator[SourceRow]:
        """The account's raw rows of one section, in storage order."""
        yield from self._rows(
            (RawRecordRow.account_id == account_id)
            & (RawRecordRow.section_name == section)
        )

    def run_rows_in_section(
        self,
        ingestion_run_id: uuid.UUID,
        section: str,
        adopted: Sequence[uuid.UUID] = (),
    ) -> Iterator[SourceRow]:
        """The raw rows one run (and the runs it adopts) stored in one section."""
        yield from self._rows(
            RawRecordRow.ingestion_run_id.in_([ingestion_run_id, *adopted])
            & (RawRecordRow.section_name == section)
        )

    def rows_in_sections(
        self, account_id: str, sections: Sequence[str]
    ) -> Iterator[tuple[uuid.UUID, SourceRow]]:
        """(artifact id, row) for the account's raw rows of `sections`, in order."""
        yield from self._rows_with_artifacts(
            (RawRecordRow.account_id == account_id)
            & RawRecordRow.section_name.in_(list(sections))
        )

    def _rows(self, condition: Any) -> Iterator[SourceRow]:
        for _, row in self._rows_with_artifacts(condition):
            yield row

    def _rows_with_artifacts(
        self, condition: Any
    ) -> Iterator[tuple[uuid.UUID, SourceRow]]:
        statement = (
            select(
                RawRecordRow.raw_artifact_id,
                RawRecordRow.raw_record_id,
                RawRecordRow.ingestion_run_id,
                RawArtifactRow.created_at_utc,
                RawRecordRow.account_id,
                RawRecordRow.section_name,
                RawRecordRow.source_row_ref,
                RawRecordRow.report_date_local,
                RawRecordRow.source_payload,
            )
            .join(
                RawArtifactRow,
                RawArtifactRow.raw_artifact_id == RawRecordRow.raw_artifact_id,
            )
            .order_by(
                RawArtifactRow.created_at_utc,
                RawArtifactRow.raw_artifact_id,
                RawRecordRow.raw_record_id,
            )
        )
        if condition is not None:
            statement = statement.where(condition)
        result = self._session.execute(statement.execution_options(yield_per=2000))
        for (
            artifact,
            record,
            run,
            stored_at,
            account,
            section,
            ref,
            day,
            attrs,
        ) in result:
            yield (
                artifact,
                SourceRow(
                    raw_record_id=record,
                    ingestion_run_id=run,
                    artifact_created_at_utc=stored_at,
                    account_id=account,
                    section_name=section,
                    row_tag=ref.split(":", 2)[1],
                    source_row_ref=ref,
                    report_date_local=day,
                    attrs=attrs,
                ),
            )

    # -- events --------------------------------------------------------------------

    def sources_of(self, event_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Raw rows already behind the given events."""
        found: set[uuid.UUID] = set()
        if self._is_empty(EventSourceRow):
            return found  # a first import: hundreds of lookups of nothing
        wanted = sorted(set(event_ids), key=str)
        for start in range(0, len(wanted), _CHUNK):
            found.update(
                self._session.scalars(
                    select(EventSourceRow.raw_record_id).where(
                        EventSourceRow.event_id.in_(wanted[start : start + _CHUNK])
                    )
                )
            )
        return found

    def _is_empty(self, table: type[Base]) -> bool:
        probe = select(literal(1)).select_from(table).limit(1)
        return self._session.execute(probe).first() is None

    def events_from_scope(self, scope: RawScope) -> dict[EventKind, set[uuid.UUID]]:
        """Events that at least one of the scope's raw rows is behind."""
        statement = (
            select(EventSourceRow.event_kind, EventSourceRow.event_id)
            .join(
                RawRecordRow,
                RawRecordRow.raw_record_id == EventSourceRow.raw_record_id,
            )
            .join(
                RawArtifactRow,
                RawArtifactRow.raw_artifact_id == RawRecordRow.raw_artifact_id,
            )
            .where(_in_scope(scope))
        )
        found: dict[EventKind, set[uuid.UUID]] = {kind: set() for kind in EventKind}
        for kind, event_id in self._session.execute(statement):
            found[EventKind(kind)].add(event_id)
        return found

    def stored_events(
        self, kind: EventKind, event_ids: Iterable[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """Stored events of one kind (all, or the given ids) as column values."""
        table = _TABLES[kind]
        pk: InstrumentedAttribute[Any] = getattr(table, _PK[kind])
        columns = [c for c in table.__table__.columns if c.name not in _AUDIT]
        found: dict[uuid.UUID, dict[str, Any]] = {}
        if self._is_empty(table):
            return found
        batches: Iterable[list[uuid.UUID] | None]
        if event_ids is None:
            batches = [None]
        else:
            wanted = sorted(set(event_ids), key=str)
            batches = [wanted[i : i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]
        for batch in batches:
            statement = select(*columns)
            if batch is not None:
                statement = statement.where(pk.in_(batch))
            for row in self._session.execute(statement).mappings():
                found[row[_PK[kind]]] = dict(row)
        return found

    def write_events(
        self,
        events: Sequence[tuple[Event, Sequence[uuid.UUID]]],
        stored: dict[EventKind, dict[uuid.UUID, dict[str, Any]]],
        changes: EventChanges,
        written: WrittenEvents | None = None,
    ) -> None:
        """Insert new events, update changed ones; link every source row.

        Each event, as stored, is added to `written` when given.
        """
        # Events stored before first: their changes are updates, and their
        # statements must run before the worker takes the connection.
        kept: dict[tuple[EventKind, uuid.UUID], dict[str, Any]] = {}
        for event, _ in events:
            before = stored.get(event.kind, {}).get(event.event_id)
            if before is None:
                continue
            values = kept[(event.kind, event.event_id)] = _stored_form(event)
            diff = {
                name: (_text(before.get(name)), _text(value))
                for name, value in values.items()
                if _text(before.get(name)) != _text(value)
            }
            if diff:
                table = _TABLES[event.kind]
                pk = getattr(table, _PK[event.kind])
                self._session.execute(
                    update(table)
                    .where(pk == event.event_id)
                    .values({name: values[name] for name in diff})
                )
                changes.changed.append(FieldChange(event.kind, event.event_id, diff))
        self._unlink_sources([event_id for _, event_id in kept])
        # One worker for every table: new events go to the database a batch at a
        # time while the next are put in stored form (and the source links built).
        with BulkWriter(self._session) as writer:
            pending: dict[EventKind, list[dict[str, Any]]] = defaultdict(list)
            for event, _ in events:
                known = kept.get((event.kind, event.event_id))
                values = _stored_form(event) if known is None else known
                if written is not None:
                    written.add(event.kind, values)
                if known is not None:
                    continue
                changes.added.append((event.kind, event.event_id))
                rows = pending[event.kind]
                rows.append(values)
                if len(rows) == BATCH_ROWS:
                    writer.insert(_TABLES[event.kind], rows)
                    pending[event.kind] = []
            for kind, rows in pending.items():
                writer.insert(_TABLES[kind], rows)
            writer.insert(
                EventSourceRow,
                [
                    {
                        "event_kind": event.kind.value,
                        "event_id": event.event_id,
                        "raw_record_id": raw,
                    }
                    for event, sources in events
                    for raw in sources
                ],
            )
        if events:
            self._bump({event.kind for event, _ in events})

    def _unlink_sources(self, ids: Sequence[uuid.UUID]) -> None:
        """Drop the source links of events stored before: they are written anew."""
        for start in range(0, len(ids), _CHUNK):
            self._session.execute(
                delete(EventSourceRow).where(
                    EventSourceRow.event_id.in_(ids[start : start + _CHUNK])
                )
            )

    def remove_events(
        self, kind: EventKind, event_ids: Iterable[uuid.UUID], changes: EventChanges
    ) -> None:
        """Delete events no raw row gives any more (reprocess)."""
        wanted = sorted(set(event_ids), key=str)
        table = _TABLES[kind]
        pk = getattr(table, _PK[kind])
        for start in range(0, len(wanted), _CHUNK):
            batch = wanted[start : start + _CHUNK]
            self._session.execute(
                delete(EventSourceRow).where(EventSourceRow.event_id.in_(batch))
            )
            self._session.execute(delete(table).where(pk.in_(batch)))
        changes.removed.extend((kind, event_id) for event_id in wanted)
        if wanted:
            self._bump({kind})

    def _bump(self, kinds: set[EventKind]) -> None:
        """Move the written tables' change tokens (no row triggers on SQLite)."""
        tables = [_TABLES[kind].__tablename__ for kind in kinds]
        bump_tokens(self._session, [*tables, EventSourceRow.__tablename__])

    # -- instruments -----------------------------------------------------------------

    def stored_aliases(
        self, instrument_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, str, dt.date | None, dt.date | None]]]:
        """Every alias sighting of the given instruments."""
        wanted = sorted(set(instrument_ids), key=str)
        found: dict[uuid.UUID, list[tuple[str, str, dt.date | None, dt.date | None]]]
        found = defaultdict(list)
        for start in range(0, len(wanted), _CHUNK):
            rows = self._session.execute(
                select(
                    InstrumentAliasRow.instrument_id,
                    InstrumentAliasRow.alias_kind,
                    InstrumentAliasRow.value,
                    InstrumentAliasRow.first_seen_local,
                    InstrumentAliasRow.last_seen_local,
                ).where(
                    InstrumentAliasRow.instrument_id.in_(wanted[start : start + _CHUNK])
                )
            )
            for instrument_id, kind, value, first, last in rows:
                found[instrument_id].append((kind, value, first, last))
        return found

    def write_instrument(
        self,
        values: dict[str, Any],
        aliases: Sequence[tuple[str, str, dt.date | None, dt.date | None]],
    ) -> bool:
        """Insert or update one instrument and replace its aliases; True if changed."""
        instrument_id = values["instrument_id"]
        current = (
            self._session.execute(
                select(*[getattr(InstrumentRow, name) for name in values]).where(
                    InstrumentRow.instrument_id == instrument_id
                )
            )
            .mappings()
            .one_or_none()
        )
        changed = True
        if current is None:
            self._session.execute(insert(InstrumentRow), [values])
        elif dict(current) != values:
            self._session.execute(
                update(InstrumentRow)
                .where(InstrumentRow.instrument_id == instrument_id)
                .values(values)
            )
        else:
            changed = False
        self._session.execute(
            delete(InstrumentAliasRow).where(
                InstrumentAliasRow.instrument_id == instrument_id
            )
        )
        if aliases:
            self._session.execute(
                insert(InstrumentAliasRow),
                [
                    {
                        "instrument_id": instrument_id,
                        "alias_kind": kind,
                        "value": value,
                        "first_seen_local": first,
                        "last_seen_local": last,
                    }
                    for kind, value, first, last in aliases
                ],
            )
        return changed

    def write_links(self, links: Iterable[InstrumentLink]) -> int:
        """Store identity links not stored yet; returns how many were new."""
        added = 0
        for link in links:
            key = {
                "from_instrument_id": instrument_id_for(
                    link.account_id, link.from_conid
                ),
                "to_instrument_id": instrument_id_for(link.account_id, link.to_conid),
                "action_id": link.action_id,
            }
            exists = self._session.execute(
                select(InstrumentLinkRow.action_id).filter_by(**key)
            ).first()
            if exists is None:
                self._session.execute(
                    insert(InstrumentLinkRow),
                    [
                        {
                            **key,
                            "reorg_code": link.reorg_code,
                            "report_date_local": link.report_date_local,
                            "source_raw_record_id": link.source.raw_record_id,
                        }
                    ],
                )
                added += 1
        return added

    def open_case(
        self,
        *,
        case_id: uuid.UUID,
        account_id: str,
        action_id: str | None,
        action_type: str,
        instrument_id: uuid.UUID | None,
    ) -> bool:
        """Open a manual corporate-action case unless it exists (any status)."""
        if self._session.get(CorpActionCaseRow, case_id) is not None:
            return False
        self._session.execute(
            insert(CorpActionCaseRow),
            [
                {
                    "case_id": case_id,
                    "account_id": account_id,
                    "action_id": action_id,
                    "action_type": action_type,
                    "instrument_id": instrument_id,
                }
            ],
        )
        return True

    # -- proof ---------------------------------------------------------------------

    def canonical_digest(self, *, stable_provenance: bool = False) -> str:
        """SHA-256 over every derived row in a fixed order, audit timestamps excluded.

        Args:
            stable_provenance: name the raw rows behind each event by (payload
                hash, section, reference) instead of their ids, and leave out the
                origin (first run and row, which depends on import order), so
                databases that imported the same statements in any order, on any
                backend, give the same digest; False includes every id.
        """
        names = self._raw_names() if stable_provenance else {}
        digest = hashlib.sha256()
        tables: list[type[Base]] = [
            InstrumentRow,
            InstrumentAliasRow,
            InstrumentLinkRow,
            *_TABLES.values(),
            EventSourceRow,
            CorpActionCaseRow,
        ]
        for table in tables:
            columns = sorted(
                (
                    c
                    for c in table.__table__.columns
                    if c.name not in _AUDIT
                    and not (stable_provenance and c.name in _ORIGIN_COLUMNS)
                ),
                key=lambda c: c.name,
            )
            digest.update(table.__tablename__.encode())
            lines = sorted(
                "\x1f".join(
                    names.get(value, _text(value) or "\x00")
                    if column.name in _RAW_COLUMNS
                    else _text(value) or "\x00"
                    for column, value in zip(columns, row, strict=True)
                )
                for row in self._session.execute(select(*columns))
            )
            for line in lines:
                digest.update(line.encode())
                digest.update(b"\x1e")
        return digest.hexdigest()

    def _raw_names(self) -> dict[Any, str]:
        rows = self._session.execute(
            select(
                RawRecordRow.raw_record_id,
                RawRecordRow.payload_sha256,
                RawRecordRow.section_name,
                RawRecordRow.source_row_ref,
            )
        )
        return {raw_id: f"{sha}:{section}:{ref}" for raw_id, sha, section, ref in rows}


def _in_scope(scope: RawScope) -> Any:
    return (RawArtifactRow.period_key == scope.period_key) & (
        RawArtifactRow.flex_query_id == scope.flex_query_id
    )


def _storage_order(row: SourceRow) -> tuple[dt.datetime, str]:
    return (row.artifact_created_at_utc, row.source_row_ref)


def _stored_form(event: Event) -> dict[str, Any]:
    values = event.column_values()
    values[_PK[event.kind]] = values.pop("event_id")
    values["ingestion_run_id"] = event.source.ingestion_run_id
    values["source_raw_record_id"] = event.source.raw_record_id
    return values


def _text(value: Any) -> str | None:
    """A value as comparable text: Decimals by value, instants in UTC ISO form."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "normalize") and hasattr(value, "as_tuple"):
        return format(value.normalize(), "f")
    return str(value)
