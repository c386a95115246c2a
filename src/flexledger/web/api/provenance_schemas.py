"""Response shapes of `GET /reports/provenance`: events with their raw Flex rows."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel

from flexledger.db.repositories.provenance import ProvenanceEvent, RawSource
from flexledger.domain.events import EventKind
from flexledger.web.api.schemas import DecimalOut, PageOut


class RawSourceOut(BaseModel):
    """One raw Flex row behind an event: attributes verbatim, artifact and run."""

    raw_record_id: uuid.UUID
    section_name: str
    source_row_ref: str
    report_date_local: dt.date | None
    attributes: dict[str, str]
    raw_artifact_id: uuid.UUID
    payload_sha256: str
    artifact_created_at_utc: dt.datetime
    ingestion_run_id: uuid.UUID
    run_type: str
    run_started_at_utc: dt.datetime

    @classmethod
    def of(cls, raw: RawSource) -> RawSourceOut:
        """The API shape of a raw row; attribute values stay the strings IBKR sent."""
        return cls(
            raw_record_id=raw.raw_record_id,
            section_name=raw.section_name,
            source_row_ref=raw.source_row_ref,
            report_date_local=raw.report_date_local,
            attributes=dict(raw.attributes),
            raw_artifact_id=raw.raw_artifact_id,
            payload_sha256=raw.payload_sha256,
            artifact_created_at_utc=raw.artifact_created_at,
            ingestion_run_id=raw.ingestion_run_id,
            run_type=raw.run_type,
            run_started_at_utc=raw.run_started_at,
        )


class ProvenanceEventOut(BaseModel):
    """A canonical event with the raw rows it came from, inline."""

    event_kind: EventKind
    event_id: uuid.UUID
    instrument_id: uuid.UUID | None
    report_date_local: dt.date
    action: str
    quantity: DecimalOut | None
    price: DecimalOut | None
    amount: DecimalOut | None
    currency: str | None
    raw_records: list[RawSourceOut]

    @classmethod
    def of(cls, event: ProvenanceEvent) -> ProvenanceEventOut:
        """The API shape of an event and its raw rows."""
        return cls(
            event_kind=event.kind,
            event_id=event.event_id,
            instrument_id=event.instrument_id,
            report_date_local=event.report_date_local,
            action=event.action,
            quantity=event.quantity,
            price=event.price,
            amount=event.amount,
            currency=event.currency,
            raw_records=[RawSourceOut.of(raw) for raw in event.raw_records],
        )


class ProvenancePageOut(PageOut[ProvenanceEventOut]):
    """A page of events, plus the OpenPositions rows an instrument's figures rest on.

    `position_rows` (instrument, snapshot and check scopes): the first position
    IBKR reported (a history gap seeds the opening lot from its cost basis) and
    the last on or before the range's end (its mark values the position).
    """

    position_rows: list[RawSourceOut]
