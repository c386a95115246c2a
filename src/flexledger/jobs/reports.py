"""P&L reports by instrument and by label: read snapshots, aggregate, page.

Read-only; the figures come from `flexledger.analytics.pnl` over the stored daily
snapshots (base currency). A report's sorted rows are kept per state of the stored
data (`data_state`, moved by every write from any process) and
query, so the pages of a view, and repeated requests, aggregate once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flexledger.analytics.coverage import DateRange
from flexledger.analytics.pnl import (
    INSTRUMENT_DEFAULT_SORT,
    LABEL_DEFAULT_SORT,
    InstrumentPnl,
    LabelMembers,
    LabelPnl,
    SnapshotFigures,
    pnl_by_instrument,
    pnl_by_label,
    sort_instrument_rows,
    sort_label_rows,
)
from flexledger.db.database import Database
from flexledger.db.repositories.reports import (
    PnlReportFilter,
    ReportRepository,
    SnapshotRecord,
)
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.coverage import gaps_within
from flexledger.jobs.data_state import data_state

_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class ReportPage(Generic[_Row]):
    """One page of report rows and how many rows the report has in all.

    `coverage_gaps` are the business dates inside the report's range that no
    imported statement covers: figures over them miss that activity.
    """

    rows: list[_Row]
    total: int
    coverage_gaps: tuple[DateRange, ...] = ()


def instrument_report(
    database: Database,
    filters: PnlReportFilter | None = None,
    *,
    sort_by: str = INSTRUMENT_DEFAULT_SORT[0],
    sort_dir: str = INSTRUMENT_DEFAULT_SORT[1],
    limit: int | None = None,
    offset: int = 0,
) -> ReportPage[InstrumentPnl]:
    """P&L per instrument over the filters' date range (all rows if `limit` None)."""
    filters = filters or PnlReportFilter()
    rows = _cached(
        _INSTRUMENT_VIEWS,
        database,
        (filters, sort_by, sort_dir),
        lambda: sort_instrument_rows(
            _instrument_rows(database, filters), sort_by, sort_dir
        ),
    )
    return _page(rows, limit, offset, _gaps(database, filters))


def label_report(
    database: Database,
    filters: PnlReportFilter | None = None,
    *,
    sort_by: str = LABEL_DEFAULT_SORT[0],
    sort_dir: str = LABEL_DEFAULT_SORT[1],
    limit: int | None = None,
    offset: int = 0,
) -> ReportPage[LabelPnl]:
    """P&L per label (sum of its instruments), plus the unlabelled row.

    With `label_id` only that label is reported (no unlabelled row).
    """
    filters = filters or PnlReportFilter()
    rows = _cached(
        _LABEL_VIEWS,
        database,
        (filters, sort_by, sort_dir),
        lambda: sort_label_rows(_label_rows(database, filters), sort_by, sort_dir),
    )
    return _page(rows, limit, offset, _gaps(database, filters))


# Sorted rows per (database, data state, filters, sort): a few hundred rows each.
_INSTRUMENT_VIEWS: BoundedCache[tuple[object, ...], list[InstrumentPnl]] = BoundedCache(
    64
)
_LABEL_VIEWS: BoundedCache[tuple[object, ...], list[LabelPnl]] = BoundedCache(64)


def _cached(
    cache: BoundedCache[tuple[object, ...], list[_Row]],
    database: Database,
    query: tuple[object, ...],
    build: Callable[[], list[_Row]],
) -> list[_Row]:
    """The rows under the current data state, built on a miss.

    The state is read before the rows: a write landing in between leaves rows
    newer than their key, which the next request's new state replaces, never
    older ones under a new key.
    """
    return cache.get_or_build((*data_state(database), *query), build)


def _label_rows(database: Database, filters: PnlReportFilter) -> list[LabelPnl]:
    # The label filter picks the label row, not the instruments: read all of them.
    instrument_filters = dataclasses.replace(filters, label_id=None)
    with database.unit_of_work() as uow:
        labels = ReportRepository(uow).labels(filters.label_id)
    return pnl_by_label(
        _instrument_rows(database, instrument_filters),
        [LabelMembers(x.label_id, x.name, x.instrument_ids) for x in labels],
        include_unlabelled=filters.label_id is None,
    )


def _instrument_rows(
    database: Database, filters: PnlReportFilter
) -> list[InstrumentPnl]:
    with database.unit_of_work() as uow:
        records = ReportRepository(uow).snapshots(filters)
    return pnl_by_instrument(
        (snapshot_figures(r) for r in records),
        date_from=filters.report_date_from,
        date_to=filters.report_date_to,
    )


def snapshot_figures(record: SnapshotRecord) -> SnapshotFigures:
    """A stored snapshot as the pure report modules read it."""
    return SnapshotFigures(
        instrument_id=record.instrument_id,
        conid=record.conid,
        symbol=record.symbol,
        report_date_local=record.report_date_local,
        currency=record.currency,
        position_qty=record.position_qty,
        cost_basis=record.cost_basis,
        realized_pnl=record.realized_pnl,
        unrealized_pnl=record.unrealized_pnl,
        fees=record.fees,
        withholding_tax=record.withholding_tax,
        dividends=record.dividends,
        other_fees=record.other_fees,
        provisional=record.provisional,
        unresolved_cases=record.unresolved_cases,
        diagnostic_codes=record.diagnostic_codes,
    )


def _gaps(database: Database, filters: PnlReportFilter) -> tuple[DateRange, ...]:
    return gaps_within(database, filters.report_date_from, filters.report_date_to)


def _page(
    rows: list[_Row],
    limit: int | None,
    offset: int,
    gaps: tuple[DateRange, ...] = (),
) -> ReportPage[_Row]:
    end = None if limit is None else offset + limit
    return ReportPage(rows[offset:end], len(rows), gaps)
