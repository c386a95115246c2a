"""P&L reports by instrument and by label: read snapshots, aggregate, page.

Each call is one read-only unit of work; the figures come from
`flexledger.analytics.pnl` over the stored daily snapshots (base currency).
"""

from __future__ import annotations

import dataclasses
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
from flexledger.jobs.coverage import gaps_within

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
    rows = sort_instrument_rows(_instrument_rows(database, filters), sort_by, sort_dir)
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
    # The label filter picks the label row, not the instruments: read all of them.
    instrument_filters = dataclasses.replace(filters, label_id=None)
    with database.unit_of_work() as uow:
        labels = ReportRepository(uow).labels(filters.label_id)
    rows = pnl_by_label(
        _instrument_rows(database, instrument_filters),
        [LabelMembers(x.label_id, x.name, x.instrument_ids) for x in labels],
        include_unlabelled=filters.label_id is None,
    )
    return _page(
        sort_label_rows(rows, sort_by, sort_dir),
        limit,
        offset,
        _gaps(database, filters),
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
