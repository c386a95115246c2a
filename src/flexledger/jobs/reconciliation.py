"""The reconciliation diff report: read checks, broker figures and snapshots; judge.

One read-only unit of work for the stored facts; each broker summary gets its
statement's period from the coverage calendar (the `fromDate` lives only in the
stored statement bytes). Figures for instruments the ledger does not hold (other
asset categories) are left out by `mapping.broker_figures`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from flexledger.analytics.reconciliation import (
    DIFF_DEFAULT_SORT,
    DiffRow,
    InstrumentRef,
    Mode,
    PeriodFigure,
    StoredCheck,
    diff_rows,
    sort_diff_rows,
)
from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.repositories.coverage import CoverageRepository
from flexledger.db.repositories.data_versions import DataVersionRepository
from flexledger.db.repositories.reconciliation import (
    CheckRecord,
    ReconciliationRepository,
)
from flexledger.db.repositories.reports import PnlReportFilter, ReportRepository
from flexledger.domain.accounts import Account
from flexledger.domain.canonical import SourceRow, instrument_id_for
from flexledger.domain.tolerances import Metric
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.coverage import coverage_calendar
from flexledger.jobs.reports import ReportPage, snapshot_figures
from flexledger.mapping.broker_figures import SECTIONS, BrokerFigure, broker_figures
from flexledger.mapping.reference import reported_position


@dataclass(frozen=True, slots=True)
class ReconciliationFilter:
    """What the report covers; None means no limit."""

    report_date_from: dt.date | None = None
    report_date_to: dt.date | None = None
    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None
    metric: Metric | None = None
    within_tolerance: bool | None = None


def reconciliation_report(
    database: Database,
    filters: ReconciliationFilter | None = None,
    *,
    mode: Mode = Mode.RECONCILIATION,
    sort_by: str = DIFF_DEFAULT_SORT[0],
    sort_dir: str = DIFF_DEFAULT_SORT[1],
    limit: int | None = None,
    offset: int = 0,
) -> ReportPage[DiffRow]:
    """Every compared figure in the filters (all rows if `limit` is None).

    The account's rows are built once per state of the stored data (a
    fingerprint of snapshots, checks and raw rows) and mode, then filtered,
    sorted and paged: a 100k-trade account has ~50k comparisons.
    """
    filters = filters or ReconciliationFilter()
    with database.unit_of_work() as uow:
        account = AccountRepository(uow).find()
        if account is None:
            return ReportPage([], 0)
        repository = ReconciliationRepository(uow)
        key = (
            database.url,
            account.account_id,
            mode.value,
            DataVersionRepository(uow).tokens(),
            CoverageRepository(uow).fingerprint(account.account_id),
        )
        wanted = (
            None if filters.label_id is None else repository.labelled(filters.label_id)
        )
    # Sorting ~50k rows costs more than the query: pages of one view share it.
    view = (key, filters, frozenset(wanted or ()), sort_by, sort_dir)

    def build_view() -> list[DiffRow]:
        every = _ROWS.get_or_build(key, lambda: _all_rows(database, account, mode))
        return sort_diff_rows(
            [r for r in every if _wanted(r, filters, wanted)], sort_by, sort_dir
        )

    rows = _VIEWS.get_or_build(view, build_view)
    end = None if limit is None else offset + limit
    return ReportPage(rows[offset:end], len(rows))


# A few states of a few databases: each entry is one account's comparisons.
_ROWS: BoundedCache[tuple[object, ...], list[DiffRow]] = BoundedCache(4)
# Filtered and sorted views of them, as pages and the UI's filters ask.
_VIEWS: BoundedCache[tuple[object, ...], list[DiffRow]] = BoundedCache(32)


def _all_rows(database: Database, account: Account, mode: Mode) -> list[DiffRow]:
    with database.unit_of_work() as uow:
        repository = ReconciliationRepository(uow)
        checks = repository.checks(account.account_id)
        instruments = repository.instruments(account.account_id)
        stored_rows = list(
            CanonicalRepository(uow).rows_in_sections(
                account.account_id, (*SECTIONS, "OpenPositions")
            )
        )
        artifacts = {row.raw_record_id: artifact for artifact, row in stored_rows}
        found = broker_figures(row for _, row in stored_rows)
        # Only figures IBKR reports over a period need our snapshot history.
        compared = {
            instrument_id_for(account.account_id, figure.conid) for figure in found
        }
        snapshots = (
            ReportRepository(uow).history(PnlReportFilter(), compared)
            if compared
            else []
        )
    starts = _period_starts(database)
    figures = []
    for figure in found:
        instrument_id = instrument_id_for(account.account_id, figure.conid)
        names = instruments.get(instrument_id)
        if names is None:
            continue
        start = figure.day
        if figure.over_period:
            artifact = artifacts.get(figure.raw_record_id)
            start = starts.get((artifact, figure.day), figure.day)
        figures.append(
            _period_figure(figure, InstrumentRef(instrument_id, *names), start)
        )
    positions = _position_rows(account.account_id, [row for _, row in stored_rows])
    return diff_rows(
        (_stored(check, positions) for check in checks),
        figures,
        (snapshot_figures(s) for s in snapshots),
        base_currency=account.base_currency,
        mode=mode,
    )


def _wanted(
    row: DiffRow, filters: ReconciliationFilter, labelled: set[uuid.UUID] | None
) -> bool:
    return (
        (
            filters.report_date_from is None
            or row.report_date_local >= filters.report_date_from
        )
        and (
            filters.report_date_to is None
            or row.report_date_local <= filters.report_date_to
        )
        and (
            filters.instrument_id is None or row.instrument_id == filters.instrument_id
        )
        and (labelled is None or row.instrument_id in labelled)
        and (filters.metric is None or row.metric == filters.metric.value)
        and (
            filters.within_tolerance is None
            or row.within_tolerance == filters.within_tolerance
        )
    )


def _period_starts(
    database: Database,
) -> dict[tuple[uuid.UUID | None, dt.date], dt.date]:
    return {
        (period.raw_artifact_id, period.to_date): period.from_date
        for period in coverage_calendar(database).statements
    }


def _period_figure(
    figure: BrokerFigure, instrument: InstrumentRef, start: dt.date
) -> PeriodFigure:
    return PeriodFigure(
        instrument=instrument,
        metric=figure.metric,
        start=start,
        end=figure.day,
        value=figure.value,
        source=figure.source,
        raw_record_id=figure.raw_record_id,
    )


def _position_rows(
    account_id: str, rows: list[SourceRow]
) -> dict[tuple[uuid.UUID, dt.date], uuid.UUID]:
    """The OpenPositions row behind each (instrument, date) position check."""
    found = {}
    for row in rows:
        reported = reported_position(row)
        if reported is not None:
            key = (instrument_id_for(account_id, reported.conid), reported.report_date)
            found[key] = row.raw_record_id
    return found


def _stored(
    record: CheckRecord, positions: dict[tuple[uuid.UUID, dt.date], uuid.UUID]
) -> StoredCheck:
    raw_record_id = record.raw_record_id or positions.get(
        (record.instrument_id, record.report_date_local)
    )
    return StoredCheck(
        instrument=InstrumentRef(record.instrument_id, record.conid, record.symbol),
        report_date_local=record.report_date_local,
        kind=record.check_kind,
        metric=Metric(record.metric),
        currency=record.currency,
        ours=record.ours,
        broker=record.broker,
        tolerance_abs=record.tolerance_abs,
        tolerance_rel=record.tolerance_rel,
        passed=record.passed,
        reason=record.reason_code,
        detail=record.detail,
        event_id=record.event_id,
        raw_record_id=raw_record_id,
        provisional=record.provisional,
        unresolved_cases=record.unresolved_cases,
    )
