"""Raw rows as the schema-drift report reads them: section, attribute names, when.

Read-only and streaming: every stored raw row is visited once (or one run's rows),
so the report can say which sections and attributes were ever received, when first
and last, and give an example row. Raw rows are immutable (SPEC R1), so what was
received never changes under the report.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import RawRecordRow

_BATCH = 2000


@dataclass(frozen=True, slots=True)
class ReceivedRow:
    """One stored raw row: where it sits and its attributes verbatim.

    Attributes:
        raw_record_id: the row.
        ingestion_run_id: the run that stored it.
        payload_sha256: the artifact's SHA-256 (over the original bytes).
        section_name: the Flex section, e.g. ``Trades``.
        row_tag: the row element, e.g. ``Trade`` (``section`` for a bare section).
        source_row_ref: the row's reference within the payload.
        received_at: when the row was stored (UTC).
        report_date_local: the statement's business date, if known.
        attributes: every attribute as IBKR wrote it.
    """

    raw_record_id: uuid.UUID
    ingestion_run_id: uuid.UUID
    payload_sha256: str
    section_name: str
    row_tag: str
    source_row_ref: str
    received_at: dt.datetime
    report_date_local: dt.date | None
    attributes: Mapping[str, Any]


class DriftRepository:
    """Streams raw rows for the drift report."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def iter_rows(
        self, ingestion_run_id: uuid.UUID | None = None
    ) -> Iterator[ReceivedRow]:
        """Every raw row (or one run's), oldest first."""
        statement = select(
            RawRecordRow.raw_record_id,
            RawRecordRow.ingestion_run_id,
            RawRecordRow.payload_sha256,
            RawRecordRow.section_name,
            RawRecordRow.source_row_ref,
            RawRecordRow.created_at_utc,
            RawRecordRow.report_date_local,
            RawRecordRow.source_payload,
        ).order_by(RawRecordRow.created_at_utc, RawRecordRow.raw_record_id)
        if ingestion_run_id is not None:
            statement = statement.where(
                RawRecordRow.ingestion_run_id == ingestion_run_id
            )
        result = self._session.execute(statement.execution_options(yield_per=_BATCH))
        for record_id, run_id, sha, section, ref, at, day, attrs in result:
            parts = ref.split(":", 2)
            yield ReceivedRow(
                raw_record_id=record_id,
                ingestion_run_id=run_id,
                payload_sha256=sha,
                section_name=section,
                row_tag=parts[1] if len(parts) > 1 else "",
                source_row_ref=ref,
                received_at=at,
                report_date_local=day,
                attributes=attrs or {},
            )
