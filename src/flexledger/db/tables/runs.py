"""Ingestion runs: the audit trail of every fetch, import and reprocess."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at, uuid_pk
from flexledger.db.tables.columns import JsonDocument, one_of
from flexledger.db.types import UtcDateTime
from flexledger.domain.runs import RunStatus, RunType


class IngestionRunRow(Base):
    """One run; `diagnostics` holds its stage timeline (SPEC §5.6)."""

    __tablename__ = "ingestion_run"
    __table_args__ = (
        one_of("run_type", RunType),
        one_of("status", RunStatus),
        # Plain ascending indexes: a B-tree scans backwards for the DESC list order
        # and both dialects reflect them identically.
        Index(
            "ix_ingestion_run_started_ingestion_run",
            "started_at_utc",
            "ingestion_run_id",
        ),
        Index("ix_ingestion_run_status_started", "status", "started_at_utc"),
        # SCHEMA [new]: the second guard behind the run lock.
        Index(
            "uq_ingestion_run_account_started",
            "account_id",
            unique=True,
            sqlite_where=text("status = 'started'"),
            postgresql_where=text("status = 'started'"),
        ),
    )

    ingestion_run_id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    run_type: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=RunType.SCHEDULED.value
    )
    status: Mapped[str] = mapped_column(Text, nullable=False)
    period_key: Mapped[str] = mapped_column(Text, nullable=False)
    flex_query_id: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date | None] = mapped_column(Date)
    started_at_utc: Mapped[dt.datetime] = mapped_column(UtcDateTime, nullable=False)
    ended_at_utc: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    diagnostics: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument)
    created_at_utc: Mapped[dt.datetime] = created_at()
