"""Aggregate reads behind `GET /metrics` (SPEC §15 SLOs).

Read-only and aggregate-only: every figure is a COUNT, MIN, MAX or SUM computed
by the database (one row or a handful of grouped rows per query), so a scrape
costs the same on an empty ledger and on a 100k-trade one and never loads run,
raw or snapshot rows into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    CorpActionCaseRow,
    IngestionRunRow,
    PnlSnapshotDailyRow,
    RawArtifactRow,
    RawRecordRow,
)
from flexledger.domain.cases import CaseStatus
from flexledger.domain.runs import RunStatus


@dataclass(frozen=True, slots=True)
class RunCount:
    """How many runs have one status and run type."""

    status: str
    run_type: str
    count: int


@dataclass(frozen=True, slots=True)
class DurationHistogram:
    """Finished runs' durations: cumulative counts at each upper bound.

    Attributes:
        bounds_seconds: the bucket upper bounds, ascending.
        cumulative: runs with duration <= each bound (same order).
        count: all finished runs in the window (the `+Inf` bucket).
        sum_seconds: their durations added up.
        max_seconds: the longest one (None when there is none).
    """

    bounds_seconds: tuple[float, ...]
    cumulative: tuple[int, ...]
    count: int
    sum_seconds: float
    max_seconds: float | None


@dataclass(frozen=True, slots=True)
class LastRun:
    """The most recently started run."""

    status: str
    run_type: str
    started_at_utc: dt.datetime


class MetricsRepository:
    """Counts and extremes over runs, raw rows, snapshots and cases."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def fingerprint(self) -> tuple[object, ...]:
        """What changes whenever raw rows, snapshots or case states can have.

        Raw rows and artifacts are written by runs, snapshots by runs (ingest and
        reprocess) and by closing a case (`jobs/cases.py`): run counts and
        instants, the artifact count and the cases' last update move with each,
        read from small tables (runs, artifacts and cases number in the
        thousands, not the 100ks).
        """
        run = IngestionRunRow
        runs = self._session.execute(
            select(
                func.count(), func.max(run.started_at_utc), func.max(run.ended_at_utc)
            )
        ).one()
        artifacts = self._session.scalar(
            select(func.count(RawArtifactRow.raw_artifact_id))
        )
        cases = self._session.execute(
            select(func.count(), func.max(CorpActionCaseRow.updated_at_utc))
        ).one()
        return (*runs, artifacts, *cases)

    def run_counts(self, since_utc: dt.datetime | None = None) -> list[RunCount]:
        """Runs grouped by status and run type (started at or after `since_utc`)."""
        run = IngestionRunRow
        query = select(run.status, run.run_type, func.count()).group_by(
            run.status, run.run_type
        )
        if since_utc is not None:
            query = query.where(run.started_at_utc >= since_utc)
        return [
            RunCount(status=status, run_type=run_type, count=int(count))
            for status, run_type, count in self._session.execute(
                query.order_by(run.status, run.run_type)
            )
        ]

    def duration_histogram(
        self, bounds_seconds: Sequence[float], since_utc: dt.datetime
    ) -> DurationHistogram:
        """Durations of runs that ended at or after `since_utc`, in one query."""
        run = IngestionRunRow
        finished = and_(run.duration_ms.is_not(None), run.ended_at_utc >= since_utc)
        buckets = [
            func.coalesce(
                func.sum(case((run.duration_ms <= int(bound * 1000), 1), else_=0)), 0
            )
            for bound in bounds_seconds
        ]
        row = self._session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(run.duration_ms), 0),
                func.max(run.duration_ms),
                *buckets,
            ).where(finished)
        ).one()
        count, total_ms, max_ms, *cumulative = row
        return DurationHistogram(
            bounds_seconds=tuple(bounds_seconds),
            cumulative=tuple(int(value) for value in cumulative),
            count=int(count),
            sum_seconds=int(total_ms) / 1000,
            max_seconds=None if max_ms is None else int(max_ms) / 1000,
        )

    def last_run(self) -> LastRun | None:
        """The latest run by start time (any status), if there is one."""
        run = IngestionRunRow
        row = self._session.execute(
            select(run.status, run.run_type, run.started_at_utc)
            .order_by(run.started_at_utc.desc(), run.ingestion_run_id.desc())
            .limit(1)
        ).one_or_none()
        if row is None:
            return None
        return LastRun(status=row[0], run_type=row[1], started_at_utc=row[2])

    def oldest_active_start(self) -> dt.datetime | None:
        """When the oldest still-`started` run began (None when none is active)."""
        run = IngestionRunRow
        started: dt.datetime | None = self._session.scalar(
            select(func.min(run.started_at_utc)).where(
                run.status == RunStatus.STARTED.value
            )
        )
        return started

    def failures_since_last_success(self) -> int:
        """Failed runs that ended after the latest successful one (all if none)."""
        run = IngestionRunRow
        last_success = (
            select(func.max(run.ended_at_utc))
            .where(run.status == RunStatus.SUCCESS.value)
            .scalar_subquery()
        )
        query = select(func.count()).where(
            run.status == RunStatus.FAILED.value,
            (run.ended_at_utc > last_success) | last_success.is_(None),
        )
        return int(self._session.scalar(query) or 0)

    def last_success_end(self) -> dt.datetime | None:
        """When the latest successful run ended (None if no run has succeeded)."""
        ended: dt.datetime | None = self._session.scalar(
            select(func.max(IngestionRunRow.ended_at_utc)).where(
                IngestionRunRow.status == RunStatus.SUCCESS.value
            )
        )
        return ended

    def last_success_raw_record_count(self) -> int | None:
        """Raw rows the latest successful run inserted (None if none succeeded)."""
        run = IngestionRunRow
        run_id = self._session.scalar(
            select(run.ingestion_run_id)
            .where(run.status == RunStatus.SUCCESS.value)
            .order_by(run.ended_at_utc.desc(), run.ingestion_run_id.desc())
            .limit(1)
        )
        if run_id is None:
            return None
        # raw_record.ingestion_run_id is indexed: this counts one run's rows only.
        inserted = self._session.scalar(
            select(func.count()).where(RawRecordRow.ingestion_run_id == run_id)
        )
        return int(inserted or 0)

    def raw_record_count(self) -> int:
        """Every stored raw row (raw rows are never deleted, SPEC §14)."""
        return int(
            self._session.scalar(select(func.count(RawRecordRow.raw_record_id))) or 0
        )

    def provisional_instrument_count(self) -> int:
        """Instruments whose latest daily snapshot is provisional."""
        snapshot = PnlSnapshotDailyRow
        latest = (
            select(
                snapshot.instrument_id.label("instrument_id"),
                func.max(snapshot.report_date_local).label("report_date_local"),
            )
            .group_by(snapshot.instrument_id)
            .subquery()
        )
        query = (
            select(func.count())
            .select_from(snapshot)
            .join(
                latest,
                and_(
                    snapshot.instrument_id == latest.c.instrument_id,
                    snapshot.report_date_local == latest.c.report_date_local,
                ),
            )
            .where(snapshot.provisional.is_(True))
        )
        return int(self._session.scalar(query) or 0)

    def unresolved_case_count(self) -> int:
        """Corporate-action cases still `open` (SPEC §10)."""
        return int(
            self._session.scalar(
                select(func.count()).where(
                    CorpActionCaseRow.status == CaseStatus.OPEN.value
                )
            )
            or 0
        )
