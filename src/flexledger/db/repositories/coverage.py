"""Reads for the coverage calendar: the stored statements and their sections.

Read-only. A statement is known in `raw_record` by its artifact and its `toDate`
(every row carries its own statement's `toDate` as `report_date_local`, SCHEMA
[chg]); its sections and their row counts are aggregated in SQL, one row per
artifact, date, section and run, so no raw row is loaded. A section without rows is
stored as one row of its own attributes (`{section}:section:1`, `#n` on repeats);
with no attributes it is an empty section, with attributes (AccountInformation)
it is one row of data.

`fromDate` is not a column: it is read from the artifact's exact stored bytes,
which `payload_stream` opens.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, cast

from sqlalchemy import ColumnElement, Row, Text, and_, case, func, or_, select
from sqlalchemy import cast as sql_cast

from flexledger.db.repositories.raw import GZIP
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import IngestionRunRow, RawArtifactRow, RawRecordRow

# SPEC §5.3: the ref of the one row a section without rows is stored as.
_SECTION_REF = ":section:1"
# '{}': the stored attributes of a section element that has none.
_EMPTY_JSON_LENGTH = 2


@dataclass(frozen=True, slots=True)
class StoredStatement:
    """One statement as its stored rows show it.

    Attributes:
        raw_artifact_id: the artifact its rows belong to.
        payload_sha256: SHA-256 of that artifact's payload.
        to_date: `toDate`, its rows' `report_date_local`.
        ingestion_run_ids: the runs that inserted its rows, sorted.
        sections: (section name, row count) by name; 0 = present but empty.
    """

    raw_artifact_id: uuid.UUID
    payload_sha256: str
    to_date: dt.date
    ingestion_run_ids: tuple[uuid.UUID, ...]
    sections: tuple[tuple[str, int], ...]


class CoverageRepository:
    """Reads statement coverage from `raw_record` and `raw_artifact`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def statements(
        self, account_id: str, *, to_date_from: dt.date | None = None
    ) -> list[StoredStatement]:
        """The account's statements ending on or after `to_date_from` (None: all).

        Rows without a `report_date_local` (a statement whose `toDate` did not
        parse) cannot be placed on a calendar and are left out.
        """
        record = RawRecordRow
        conditions: list[ColumnElement[bool]] = [
            record.account_id == account_id,
            record.report_date_local.is_not(None),
        ]
        if to_date_from is not None:
            conditions.append(record.report_date_local >= to_date_from)
        is_marker = or_(
            record.source_row_ref == record.section_name + _SECTION_REF,
            record.source_row_ref.like(record.section_name + _SECTION_REF + "#%"),
        )
        is_empty = and_(
            is_marker,
            func.length(sql_cast(record.source_payload, Text)) <= _EMPTY_JSON_LENGTH,
        )
        # Classify in a subquery so the GROUP BY names a plain column on both
        # dialects (PostgreSQL refuses an expression rebound with new parameters).
        classified = (
            select(
                record.raw_artifact_id,
                record.report_date_local,
                record.section_name,
                record.ingestion_run_id,
                case((is_empty, 1), else_=0).label("empty"),
            )
            .where(*conditions)
            .subquery()
        )
        grouped = (
            select(
                classified.c.raw_artifact_id,
                classified.c.report_date_local,
                classified.c.section_name,
                classified.c.ingestion_run_id,
                classified.c.empty,
                func.count().label("rows"),
            )
            .group_by(
                classified.c.raw_artifact_id,
                classified.c.report_date_local,
                classified.c.section_name,
                classified.c.ingestion_run_id,
                classified.c.empty,
            )
            .subquery()
        )
        found = self._session.execute(
            select(grouped, RawArtifactRow.payload_sha256).join(
                RawArtifactRow,
                RawArtifactRow.raw_artifact_id == grouped.c.raw_artifact_id,
            )
        )
        return _statements(found)

    def fingerprint(self, account_id: str) -> tuple[object, ...]:
        """What changes whenever the account's raw rows do (they only grow).

        Rows are written by runs into artifacts: the counts of both and the last
        run's end move with every import, without reading a raw row.
        """
        runs = self._session.execute(
            select(
                func.count(),
                func.max(IngestionRunRow.started_at_utc),
                func.max(IngestionRunRow.ended_at_utc),
            ).where(IngestionRunRow.account_id == account_id)
        ).one()
        artifacts = self._session.execute(
            select(func.count()).where(RawArtifactRow.account_id == account_id)
        ).scalar_one()
        return (*runs, artifacts)

    def has_statement_before(self, account_id: str, date: dt.date) -> bool:
        """Whether any stored statement of the account ends before `date`."""
        first = self._session.execute(
            select(RawRecordRow.raw_record_id)
            .where(
                RawRecordRow.account_id == account_id,
                RawRecordRow.report_date_local < date,
            )
            .limit(1)
        ).first()
        return first is not None

    def payload_stream(self, raw_artifact_id: uuid.UUID) -> IO[bytes]:
        """The artifact's exact original bytes as a stream (decompressed as read)."""
        stored, encoding = self._session.execute(
            select(
                RawArtifactRow.source_payload, RawArtifactRow.payload_encoding
            ).where(RawArtifactRow.raw_artifact_id == raw_artifact_id)
        ).one()
        raw = io.BytesIO(bytes(stored))
        if encoding != GZIP:
            return raw
        # GzipFile reads like IO[bytes]; typeshed types it as a BufferedIOBase only.
        return cast("IO[bytes]", gzip.GzipFile(fileobj=raw, mode="rb"))


@dataclass
class _Statement:
    payload_sha256: str
    runs: set[uuid.UUID]
    sections: dict[str, int]


def _statements(found: Iterable[Row[Any]]) -> list[StoredStatement]:
    by_key: dict[tuple[uuid.UUID, dt.date], _Statement] = {}
    for row in found:
        key = (row.raw_artifact_id, row.report_date_local)
        statement = by_key.get(key)
        if statement is None:
            statement = by_key[key] = _Statement(row.payload_sha256, set(), {})
        statement.runs.add(row.ingestion_run_id)
        rows = 0 if row.empty else int(row.rows)
        name = row.section_name
        statement.sections[name] = statement.sections.get(name, 0) + rows
    return [
        StoredStatement(
            raw_artifact_id=artifact_id,
            payload_sha256=statement.payload_sha256,
            to_date=to_date,
            ingestion_run_ids=tuple(sorted(statement.runs, key=str)),
            sections=tuple(sorted(statement.sections.items())),
        )
        for (artifact_id, to_date), statement in sorted(
            by_key.items(), key=lambda item: (item[0][1], str(item[0][0]))
        )
    ]
