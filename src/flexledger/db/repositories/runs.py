"""Ingestion runs: start, finish, and read them back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, aliased

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import IngestionRunRow, RawRecordRow
from flexledger.domain.clock import utc_now
from flexledger.domain.errors import NotFoundError
from flexledger.domain.runs import IngestionRun, RunStatus, RunType

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
RUN_SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "started_at_utc": IngestionRunRow.started_at_utc,
    "ended_at_utc": IngestionRunRow.ended_at_utc,
    "status": IngestionRunRow.status,
    "duration_ms": IngestionRunRow.duration_ms,
}


STALE_RUN_CODE = "INGESTION_STALE_RUN"


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Filters of the runs list; None means "any"."""

    status: RunStatus | None = None
    run_type: RunType | None = None
    from_utc: dt.datetime | None = None
    to_utc: dt.datetime | None = None


class RunRepository:
    """Run rows; the run lock (db/run_lock.py) decides who may start one."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def start(
        self,
        *,
        account_id: str,
        run_type: RunType,
        period_key: str,
        flex_query_id: str,
        started_at: dt.datetime,
        diagnostics: Sequence[Mapping[str, Any]] = (),
    ) -> IngestionRun:
        """Insert a `started` run."""
        row = IngestionRunRow(
            ingestion_run_id=uuid.uuid4(),
            account_id=account_id,
            run_type=run_type.value,
            status=RunStatus.STARTED.value,
            period_key=period_key,
            flex_query_id=flex_query_id,
            started_at_utc=started_at,
            diagnostics=[dict(event) for event in diagnostics],
        )
        self._session.add(row)
        self._session.flush()
        return _to_domain(row)

    def close_abandoned(self, *, error_message: str) -> list[uuid.UUID]:
        """Close every `started` run as failed; call only while holding the run lock.

        Holding the lock proves no live process owns those runs: they were left
        behind by a process that died.
        """
        now = utc_now()
        abandoned = list(
            self._session.execute(
                select(IngestionRunRow).where(
                    IngestionRunRow.status == RunStatus.STARTED.value
                )
            ).scalars()
        )
        for row in abandoned:
            row.status = RunStatus.FAILED.value
            row.ended_at_utc = now
            row.duration_ms = _duration_ms(row.started_at_utc, now)
            row.error_code = STALE_RUN_CODE
            row.error_message = error_message
        self._session.flush()
        return [row.ingestion_run_id for row in abandoned]

    def unapplied_abandoned(self) -> list[uuid.UUID]:
        """Abandoned runs whose committed raw rows no run has mapped yet, oldest first.

        A run that died after its raw commit leaves rows that are stored but behind
        no event (mapping, ledger and the run's `success` are one later
        transaction). Any run that succeeded after such a run was closed mapped
        them in that transaction (every ingestion maps these along with its own
        rows; a reprocess maps everything), so the ones left are those closed
        since the last success.
        """
        stale = aliased(IngestionRunRow)
        later = aliased(IngestionRunRow)
        return list(
            self._session.scalars(
                select(stale.ingestion_run_id)
                .where(
                    stale.status == RunStatus.FAILED.value,
                    stale.error_code == STALE_RUN_CODE,
                    exists().where(
                        RawRecordRow.ingestion_run_id == stale.ingestion_run_id
                    ),
                    ~exists().where(
                        later.status == RunStatus.SUCCESS.value,
                        later.ended_at_utc > stale.ended_at_utc,
                    ),
                )
                .order_by(stale.started_at_utc)
            )
        )

    def update_identity(
        self, ingestion_run_id: uuid.UUID, *, account_id: str, flex_query_id: str
    ) -> None:
        """Record the account and query once the statement has told us which."""
        self._session.execute(
            update(IngestionRunRow)
            .where(IngestionRunRow.ingestion_run_id == ingestion_run_id)
            .values(account_id=account_id, flex_query_id=flex_query_id)
        )

    def finish(
        self,
        ingestion_run_id: uuid.UUID,
        *,
        status: RunStatus,
        diagnostics: Sequence[Mapping[str, Any]],
        report_date_local: dt.date | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> IngestionRun:
        """Close a run as success or failed."""
        row = self._row(ingestion_run_id)
        now = utc_now()
        row.status = status.value
        row.ended_at_utc = now
        row.duration_ms = _duration_ms(row.started_at_utc, now)
        row.diagnostics = [dict(event) for event in diagnostics]
        row.report_date_local = report_date_local or row.report_date_local
        row.error_code = error_code
        row.error_message = error_message
        self._session.flush()
        return _to_domain(row)

    def get(self, ingestion_run_id: uuid.UUID) -> IngestionRun:
        """The run with this id.

        Raises:
            NotFoundError: no such run.
        """
        return _to_domain(self._row(ingestion_run_id))

    def find_active(self) -> IngestionRun | None:
        """The run currently `started`, if any."""
        row = self._session.execute(
            select(IngestionRunRow).where(
                IngestionRunRow.status == RunStatus.STARTED.value
            )
        ).scalar_one_or_none()
        return _to_domain(row) if row is not None else None

    def list_runs(
        self,
        filters: RunFilter,
        *,
        sort_by: str,
        sort_dir: str,
        limit: int,
        offset: int,
    ) -> tuple[list[IngestionRun], int]:
        """One page of runs and the total count; the run id breaks ties."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(IngestionRunRow.status == filters.status.value)
        if filters.run_type is not None:
            conditions.append(IngestionRunRow.run_type == filters.run_type.value)
        if filters.from_utc is not None:
            conditions.append(IngestionRunRow.started_at_utc >= filters.from_utc)
        if filters.to_utc is not None:
            conditions.append(IngestionRunRow.started_at_utc < filters.to_utc)
        column = RUN_SORT_COLUMNS[sort_by]
        tie_break = IngestionRunRow.ingestion_run_id
        if sort_dir == "desc":
            ordering = (column.desc().nulls_last(), tie_break.desc())
        else:
            ordering = (column.asc().nulls_last(), tie_break.asc())
        total = self._session.execute(
            select(func.count()).select_from(IngestionRunRow).where(*conditions)
        ).scalar_one()
        rows = self._session.execute(
            select(IngestionRunRow)
            .where(*conditions)
            .order_by(*ordering)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [_to_domain(row) for row in rows], total

    def _row(self, ingestion_run_id: uuid.UUID) -> IngestionRunRow:
        row = self._session.get(IngestionRunRow, ingestion_run_id)
        if row is None:
            raise NotFoundError(f"No ingestion run {ingestion_run_id}.")
        return row


def _duration_ms(started: dt.datetime, ended: dt.datetime) -> int:
    return max(0, int((ended - started).total_seconds() * 1000))


def _to_domain(row: IngestionRunRow) -> IngestionRun:
    return IngestionRun(
        ingestion_run_id=row.ingestion_run_id,
        account_id=row.account_id,
        run_type=RunType(row.run_type),
        status=RunStatus(row.status),
        period_key=row.period_key,
        flex_query_id=row.flex_query_id,
        started_at=row.started_at_utc,
        ended_at=row.ended_at_utc,
        duration_ms=row.duration_ms,
        report_date_local=row.report_date_local,
        error_code=row.error_code,
        error_message=row.error_message,
        diagnostics=tuple(row.diagnostics or ()),
    )
