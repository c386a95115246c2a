"""Raw Flex data exactly as received: insert-only (SPEC R1)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at, uuid_pk
from flexledger.db.tables.columns import JsonDocument


class RawArtifactRow(Base):
    """One downloaded or imported payload, byte for byte.

    The payload holds personal data from AccountInformation: never log it.
    """

    __tablename__ = "raw_artifact"
    __table_args__ = (
        UniqueConstraint(
            "account_id",
            "period_key",
            "flex_query_id",
            "payload_sha256",
            name="uq_raw_artifact_account_period_query_sha256",
        ),
        Index("ix_raw_artifact_created_at_utc", "created_at_utc"),
        # The same bytes are one artifact whatever day or query they came with.
        Index("ix_raw_artifact_account_sha256", "account_id", "payload_sha256"),
        CheckConstraint(
            "payload_encoding IN ('identity', 'gzip')", name="payload_encoding"
        ),
    )

    raw_artifact_id: Mapped[uuid.UUID] = uuid_pk()
    # SCHEMA [chg]: RESTRICT, so deleting a run can never remove raw data.
    ingestion_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ingestion_run.ingestion_run_id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    period_key: Mapped[str] = mapped_column(Text, nullable=False)
    flex_query_id: Mapped[str] = mapped_column(Text, nullable=False)
    payload_sha256: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date | None] = mapped_column(Date)
    source_payload: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # The exact bytes are kept losslessly compressed: a 160 MB statement is ~14 MB
    # stored, and `payload_sha256` is always over the original bytes.
    payload_encoding: Mapped[str] = mapped_column(
        Text, nullable=False, server_default="identity"
    )
    payload_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at_utc: Mapped[dt.datetime] = created_at()


class RawRecordRow(Base):
    """One row of one section of an artifact, attributes kept as raw strings."""

    __tablename__ = "raw_record"
    __table_args__ = (
        UniqueConstraint(
            "raw_artifact_id",
            "section_name",
            "source_row_ref",
            name="uq_raw_record_artifact_section_source_ref",
        ),
        Index(
            "ix_raw_record_payload_dedupe",
            "period_key",
            "flex_query_id",
            "payload_sha256",
        ),
        Index("ix_raw_record_created_at_utc", "created_at_utc"),
    )

    raw_record_id: Mapped[uuid.UUID] = uuid_pk()
    ingestion_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ingestion_run.ingestion_run_id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )
    raw_artifact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(
            "raw_artifact.raw_artifact_id",
            ondelete="RESTRICT",
            name="fk_raw_record_raw_artifact",
            # Bulk writes defer it: records stream before their artifact (0004).
            deferrable=True,
            initially="IMMEDIATE",
        ),
        nullable=False,
    )
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    period_key: Mapped[str] = mapped_column(Text, nullable=False)
    flex_query_id: Mapped[str] = mapped_column(Text, nullable=False)
    payload_sha256: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date | None] = mapped_column(Date)
    section_name: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    source_row_ref: Mapped[str] = mapped_column(Text, nullable=False)
    source_payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument, nullable=False)
    created_at_utc: Mapped[dt.datetime] = created_at()
