"""Raw artifacts and records: insert and read only (SPEC R1).

There is deliberately no update or delete here: raw data is the ledger's source of
truth, and everything derived can be rebuilt from it. Records are written by the bulk
writer (raw_bulk.py) inside the caller's transaction, because a statement can hold
hundreds of thousands of rows. A payload's records may be written before its
artifact row (its compressed bytes are ready only at the end of the read):
`defer_artifact_key` moves that foreign-key check to the commit.
"""

from __future__ import annotations

import datetime as dt
import gzip
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from flexledger.db.repositories.raw_bulk import (
    RecordGroup,
    RecordTarget,
    RecordWriter,
)
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import RawArtifactRow, RawRecordRow
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import ConflictError
from flexledger.domain.ids import new_id

GZIP = "gzip"
IDENTITY = "identity"


@dataclass(frozen=True, slots=True)
class NewArtifact:
    """A payload to store.

    Attributes:
        compressed_payload: the exact bytes, gzip-compressed (lossless).
        payload_sha256: SHA-256 of the original (uncompressed) bytes.
        payload_size_bytes: length of the original bytes.
    """

    ingestion_run_id: uuid.UUID
    account_id: str
    period_key: str
    flex_query_id: str
    payload_sha256: str
    payload_size_bytes: int
    compressed_payload: bytes
    report_date_local: dt.date | None


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """The artifact a payload is stored as.

    Attributes:
        raw_artifact_id: its id.
        account_id, period_key, flex_query_id, payload_sha256: copied to its records.
        deduplicated: True when the same bytes were already stored for the account.
    """

    raw_artifact_id: uuid.UUID
    account_id: str
    period_key: str
    flex_query_id: str
    payload_sha256: str
    deduplicated: bool


class RawRepository:
    """Insert-only access to `raw_artifact` and `raw_record`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def add_artifact(
        self, artifact: NewArtifact, *, raw_artifact_id: uuid.UUID | None = None
    ) -> StoredArtifact:
        """Store the payload unless the account already has the same bytes.

        Args:
            artifact: the payload and its identity.
            raw_artifact_id: the id records already written point at (see
                `defer_artifact_key`); a fresh one when None.

        Raises:
            ConflictError: `raw_artifact_id` was given but the same bytes were stored
                meanwhile under another id (its records could never point at it).
        """
        existing = self.find_artifact(artifact.account_id, artifact.payload_sha256)
        if existing is not None:
            if raw_artifact_id is None:
                return existing
            raise _stored_meanwhile()
        values = {
            "raw_artifact_id": raw_artifact_id or new_id(),
            "ingestion_run_id": artifact.ingestion_run_id,
            "account_id": artifact.account_id,
            "period_key": artifact.period_key,
            "flex_query_id": artifact.flex_query_id,
            "payload_sha256": artifact.payload_sha256,
            "report_date_local": artifact.report_date_local,
            "source_payload": artifact.compressed_payload,
            "payload_encoding": GZIP,
            "payload_size_bytes": artifact.payload_size_bytes,
        }
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        statement = (
            dialect.insert(RawArtifactRow)
            .values(values)
            .on_conflict_do_nothing()
            .returning(RawArtifactRow.raw_artifact_id)
        )
        inserted = self._session.execute(statement).scalar_one_or_none()
        if inserted is None and raw_artifact_id is not None:
            raise _stored_meanwhile()
        if inserted is None:  # a concurrent writer stored it first
            found = self.find_artifact(artifact.account_id, artifact.payload_sha256)
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

    def existing_refs(self, raw_artifact_id: uuid.UUID) -> set[tuple[str, str]]:
        """(section, source_row_ref) of the records an artifact already has."""
        rows = self._session.execute(
            select(RawRecordRow.section_name, RawRecordRow.source_row_ref).where(
                RawRecordRow.raw_artifact_id == raw_artifact_id
            )
        )
        return {(section, ref) for section, ref in rows}

    def defer_artifact_key(self) -> None:
        """Check records' artifact key at commit, not per row, for this transaction."""
        if self._dialect == "postgresql":
            self._session.execute(
                text("SET CONSTRAINTS fk_raw_record_raw_artifact DEFERRED")
            )
        else:
            self._session.execute(text("PRAGMA defer_foreign_keys = ON"))

    def record_writer(
        self,
        artifact: StoredArtifact,
        ingestion_run_id: uuid.UUID,
        created_at_utc: dt.datetime | None = None,
    ) -> RecordWriter:
        """A bulk writer of `artifact`'s new records (callers filter known refs).

        While it is open, the transaction's connection belongs to the writer.
        """
        target = RecordTarget(
            ingestion_run_id=ingestion_run_id,
            raw_artifact_id=artifact.raw_artifact_id,
            period_key=artifact.period_key,
            flex_query_id=artifact.flex_query_id,
            payload_sha256=artifact.payload_sha256,
            created_at_utc=created_at_utc or utc_now(),
        )
        driver = self._session.connection().connection.driver_connection
        return RecordWriter(driver, self._dialect, target)

    def add_records(
        self,
        artifact: StoredArtifact,
        ingestion_run_id: uuid.UUID,
        group: RecordGroup,
    ) -> int:
        """Insert one batch of records (small callers); returns how many."""
        with self.record_writer(artifact, ingestion_run_id) as writer:
            return len(writer.write(group))

    def count_records(self, raw_artifact_id: uuid.UUID) -> int:
        """How many records an artifact has."""
        return self._session.execute(
            select(func.count())
            .select_from(RawRecordRow)
            .where(RawRecordRow.raw_artifact_id == raw_artifact_id)
        ).scalar_one()

    def get_payload(self, raw_artifact_id: uuid.UUID) -> bytes:
        """The exact original bytes of an artifact (decompressed if stored so)."""
        stored, encoding = self._session.execute(
            select(
                RawArtifactRow.source_payload, RawArtifactRow.payload_encoding
            ).where(RawArtifactRow.raw_artifact_id == raw_artifact_id)
        ).one()
        return gzip.decompress(stored) if encoding == GZIP else bytes(stored)

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def artifact_created_at(self, raw_artifact_id: uuid.UUID) -> dt.datetime:
        """When an artifact was stored (its records' import order)."""
        return self._session.execute(
            select(RawArtifactRow.created_at_utc).where(
                RawArtifactRow.raw_artifact_id == raw_artifact_id
            )
        ).scalar_one()

    def find_artifact(
        self, account_id: str, payload_sha256: str
    ) -> StoredArtifact | None:
        """The account's artifact with exactly these bytes, if it has one."""
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


def _stored_meanwhile() -> ConflictError:
    return ConflictError(
        "The same statement was stored by another run meanwhile.",
        hint="Run the import again: it will find the stored copy.",
    )
