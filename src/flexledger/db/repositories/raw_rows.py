"""One stored raw Flex row by id, verbatim, and the canonical events made from it.

Read-only. The row comes with its artifact (SHA-256) and the run that stored it,
as `ProvenanceRepository` shows raw rows under an event; the events come from
`event_source`. Also: the kind of a canonical event known only by its id, so a
link carrying just an event id (a reconciliation row's `source_event_id`) can
open the provenance page, which needs (kind, id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from flexledger.db.repositories.provenance import RawSource
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventSourceRow,
    EventTradeFillRow,
    IngestionRunRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.domain.events import EventKind

# Event tables by kind with their primary key, for ids `event_source` lacks.
_EVENT_KEYS = (
    (EventKind.TRADE_FILL, EventTradeFillRow.event_trade_fill_id),
    (EventKind.CASHFLOW, EventCashflowRow.event_cashflow_id),
    (EventKind.CORP_ACTION, EventCorpActionRow.event_corp_action_id),
    (EventKind.FX, EventFxRow.event_fx_id),
)


@dataclass(frozen=True, slots=True)
class RawRowRecord:
    """A raw row with the canonical events it gave, as (kind, event id)."""

    raw: RawSource
    events: tuple[tuple[EventKind, uuid.UUID], ...]


class RawRowRepository:
    """Reads one raw record and resolves event ids to their kind."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def get(self, raw_record_id: uuid.UUID) -> RawRowRecord | None:
        """The raw row, its artifact, its run and its events; None if unknown."""
        found = self._session.execute(
            select(
                RawRecordRow,
                RawArtifactRow.payload_sha256,
                RawArtifactRow.created_at_utc,
                IngestionRunRow.run_type,
                IngestionRunRow.started_at_utc,
            )
            .join(
                RawArtifactRow,
                RawArtifactRow.raw_artifact_id == RawRecordRow.raw_artifact_id,
            )
            .join(
                IngestionRunRow,
                IngestionRunRow.ingestion_run_id == RawRecordRow.ingestion_run_id,
            )
            .where(RawRecordRow.raw_record_id == raw_record_id)
        ).one_or_none()
        if found is None:
            return None
        record, sha256, stored_at, run_type, started = found
        events = self._session.execute(
            select(EventSourceRow.event_kind, EventSourceRow.event_id)
            .where(EventSourceRow.raw_record_id == raw_record_id)
            .order_by(EventSourceRow.event_kind, EventSourceRow.event_id)
        ).all()
        return RawRowRecord(
            raw=RawSource(
                raw_record_id=record.raw_record_id,
                section_name=record.section_name,
                source_row_ref=record.source_row_ref,
                report_date_local=record.report_date_local,
                attributes=dict(record.source_payload),
                raw_artifact_id=record.raw_artifact_id,
                payload_sha256=sha256,
                artifact_created_at=stored_at,
                ingestion_run_id=record.ingestion_run_id,
                run_type=run_type,
                run_started_at=started,
            ),
            events=tuple((EventKind(kind), event_id) for kind, event_id in events),
        )

    def event_kind(self, event_id: uuid.UUID) -> EventKind | None:
        """The kind of the canonical event `event_id`; None if there is none."""
        kind = self._session.scalars(
            select(EventSourceRow.event_kind)
            .where(EventSourceRow.event_id == event_id)
            .limit(1)
        ).first()
        if kind is not None:
            return EventKind(kind)
        for candidate, key in _EVENT_KEYS:
            if self._session.scalars(select(key).where(key == event_id)).first():
                return candidate
        return None
