"""Raw artifacts and records: insert and read only (SPEC R1).

There is deliberately no update or delete here: raw data is the ledger's source of
truth, and everything derived can be rebuilt from it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import RawArtifactRow, RawRecordRow
from flexledger.domain.ids import new_id
from flexledger.domain.raw import RawRecord


@dataclass(frozen=True, slots=True)
class NewArtifact:
    """A payload to store, byte for byte."""

    ingestion_run_id: uuid.UUID
    account_id: str
    period_key: str
    flex_query_id: str
    payload_sha256: str
    payload: bytes
    report_date_local: dt.date | None


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """The artifact a payload is stored as.

    Attributes:
        raw_artifact_id: its id.
        account_id, period_key, flex_query_id, payload_sha256: copied to its records.
        deduplicated: True when the same bytes were already stored (nothing new).
    """

    raw_artifact_id: uuid.UUID
    account_id: str
    period_key: str
    flex_query_id: str
    payload_sha256: str
    deduplicated: bool


@dataclass(frozen=True, slots=True)
class RecordPlacement:
    """Where a record goes: its run and statement dates."""

    record: RawRecord
    report_date_local: dt.date | None
    account_id: str


class RawRepository:
    """Insert-only access to `raw_artifact` and `raw_record`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def add_artifact(self, artifact: NewArtifact) -> StoredArtifact:
        """Store the payload unless the account already has the same bytes."""
        existing = self._find_by_content(artifact.account_id, artifact.payload_sha256)
        if existing is not None:
            return existing
        values = {
            "raw_artifact_id": new_id(),
            "ingestion_run_id": artifact.ingestion_run_id,
            "account_id": artifact.account_id,
            "period_key": artifact.period_key,
            "flex_query_id": artifact.flex_query_id,
            "payload_sha256": artifact.payload_sha256,
            "report_date_local": artifact.report_date_local,
            "source_payload": artifact.payload,
        }
        statement = self._insert_ignoring_duplicates(RawArtifactRow).values(values)
        inserted = self._session.execute(
            statement.returning(RawArtifactRow.raw_artifact_id)
        ).scalar_one_or_none()
        if inserted is None:  # a concurrent writer stored it first
            found = self._find_by_content(artifact.account_id, artifact.payload_sha256)
            if found is None:  # pragma: no cover - the conflict implies a row
                raise RuntimeError("raw artifact vanished after a conflict")
            return found
        return StoredArtifact(
            raw_artifact_id=inserted,
            account_id=artifact.account_id,
            period_key=artifact.period_key,
            flex_query_id=artifact.flex_query_id,
            payload_sha256=artifact.payload_sha256,
            deduplicated=False,
        )

    def add_records(
        self,
        artifact: StoredArtifact,
        ingestion_run_id: uuid.UUID,
        placements: Iterable[RecordPlacement],
    ) -> int:
        """Insert records, skipping ones already stored for the artifact.

        Returns:
            How many were inserted (the rest were already there).
        """
        rows: list[dict[str, Any]] = [
            {
                "raw_record_id": new_id(),
                "ingestion_run_id": ingestion_run_id,
                "raw_artifact_id": artifact.raw_artifact_id,
                "account_id": placement.account_id,
                "period_key": artifact.period_key,
                "flex_query_id": artifact.flex_query_id,
                "payload_sha256": artifact.payload_sha256,
                "report_date_local": placement.report_date_local,
                "section_name": placement.record.section_name,
                "source_row_ref": placement.record.source_row_ref,
                "source_payload": dict(placement.record.attrs),
            }
            for placement in placements
        ]
        if not rows:
            return 0
        statement = self._insert_ignoring_duplicates(RawRecordRow).returning(
            RawRecordRow.raw_record_id
        )
        return len(self._session.execute(statement, rows).all())

    def count_records(self, raw_artifact_id: uuid.UUID) -> int:
        """How many records an artifact has."""
        return self._session.execute(
            select(func.count())
            .select_from(RawRecordRow)
            .where(RawRecordRow.raw_artifact_id == raw_artifact_id)
        ).scalar_one()

    def get_payload(self, raw_artifact_id: uuid.UUID) -> bytes:
        """The exact stored bytes of an artifact."""
        payload: bytes = self._session.execute(
            select(RawArtifactRow.source_payload).where(
                RawArtifactRow.raw_artifact_id == raw_artifact_id
            )
        ).scalar_one()
        return payload

    def list_section_refs(
        self, raw_artifact_id: uuid.UUID
    ) -> Sequence[tuple[str, str]]:
        """(section, source_row_ref) of every record of an artifact, ordered."""
        rows = self._session.execute(
            select(RawRecordRow.section_name, RawRecordRow.source_row_ref)
            .where(RawRecordRow.raw_artifact_id == raw_artifact_id)
            .order_by(RawRecordRow.section_name, RawRecordRow.source_row_ref)
        ).all()
        return [(section, ref) for section, ref in rows]

    def _find_by_content(
        self, account_id: str, payload_sha256: str
    ) -> StoredArtifact | None:
        row = self._session.execute(
            select(
                RawArtifactRow.raw_artifact_id,
                RawArtifactRow.account_id,
                RawArtifactRow.period_key,
                RawArtifactRow.flex_query_id,
                RawArtifactRow.payload_sha256,
            )
            .where(
                RawArtifactRow.account_id == account_id,
                RawArtifactRow.payload_sha256 == payload_sha256,
            )
            .order_by(RawArtifactRow.created_at_utc)
            .limit(1)
        ).one_or_none()
        if row is None:
            return None
        return StoredArtifact(
            raw_artifact_id=row.raw_artifact_id,
            account_id=row.account_id,
            period_key=row.period_key,
            flex_query_id=row.flex_query_id,
            payload_sha256=row.payload_sha256,
            deduplicated=True,
        )

    def _insert_ignoring_duplicates(self, table: type[Any]) -> Insert:
        if self._session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()
