"""Raw artifacts and records: insert and read only (SPEC R1).

There is deliberately no update or delete here: raw data is the ledger's source of
truth, and everything derived can be rebuilt from it. Records are written with the
driver's bulk paths (SQLite `executemany`, PostgreSQL `COPY`), inside the caller's
transaction, because a statement can hold hundreds of thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import RawArtifactRow, RawRecordRow
from flexledger.domain.clock import utc_now
from flexledger.domain.ids import new_id
from flexledger.domain.raw import RawRecord

GZIP = "gzip"
IDENTITY = "identity"

_RECORD_COLUMNS = (
    "raw_record_id",
    "ingestion_run_id",
    "raw_artifact_id",
    "account_id",
    "period_key",
    "flex_query_id",
    "payload_sha256",
    "report_date_local",
    "section_name",
    "source_row_ref",
    "source_payload",
    "created_at_utc",
)


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


@dataclass(frozen=True, slots=True)
class RecordPlacement:
    """A record and the statement facts it is stored with."""

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

    def existing_refs(self, raw_artifact_id: uuid.UUID) -> set[tuple[str, str]]:
        """(section, source_row_ref) of the records an artifact already has."""
        rows = self._session.execute(
            select(RawRecordRow.section_name, RawRecordRow.source_row_ref).where(
                RawRecordRow.raw_artifact_id == raw_artifact_id
            )
        )
        return {(section, ref) for section, ref in rows}

    def add_records(
        self,
        artifact: StoredArtifact,
        ingestion_run_id: uuid.UUID,
        placements: Sequence[RecordPlacement],
    ) -> int:
        """Insert records the artifact does not have yet (callers filter by ref).

        Returns:
            How many were inserted.
        """
        if not placements:
            return 0
        created = utc_now()
        rows = [
            (
                new_id(),
                ingestion_run_id,
                artifact.raw_artifact_id,
                placement.account_id,
                artifact.period_key,
                artifact.flex_query_id,
                artifact.payload_sha256,
                placement.report_date_local,
                placement.record.section_name,
                placement.record.source_row_ref,
                # SPEC §5.3: attribute map with sorted keys.
                json.dumps(
                    placement.record.attrs,
                    sort_keys=True,
                    ensure_ascii=False,
                    separators=(",", ":"),
                ),
                created,
            )
            for placement in placements
        ]
        driver = self._session.connection().connection.driver_connection
        if self._dialect == "postgresql":
            self._copy_records(driver, rows)
        else:
            self._executemany_records(driver, rows)
        return len(rows)

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

    @staticmethod
    def _copy_records(driver: Any, rows: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(_RECORD_COLUMNS)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY raw_record ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def _executemany_records(driver: Any, rows: list[tuple[Any, ...]]) -> None:
        # The stored forms SQLAlchemy's SQLite types read back: uuid hex, ISO date,
        # naive UTC "YYYY-MM-DD HH:MM:SS.ffffff" (db/types.UtcDateTime).
        created = rows[0][11].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        prepared = [
            (
                row[0].hex,
                row[1].hex,
                row[2].hex,
                *row[3:7],
                row[7].isoformat() if row[7] else None,
                row[8],
                row[9],
                row[10],
                created,
            )
            for row in rows
        ]
        placeholders = ", ".join("?" for _ in _RECORD_COLUMNS)
        driver.executemany(
            f"INSERT INTO raw_record ({', '.join(_RECORD_COLUMNS)}) "  # noqa: S608
            f"VALUES ({placeholders})",
            prepared,
        )

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
