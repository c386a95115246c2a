"""The reconciliation page's reading: one page of diff rows and the scope's counts.

The rows are `reconciliation_report`'s, the function the API and the CSV use, so
every verdict, tolerance and reason is the one tolerance matrix's; nothing here
judges a figure. The report runs once per request, without the verdict filter, so
the counts at the top of the page cover the whole scope (dates, instrument,
label, metric, mode) while the table shows the rows of the chosen verdict.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from flexledger.analytics.reconciliation import DIFF_DEFAULT_SORT, DiffRow, Mode
from flexledger.db.database import Database
from flexledger.jobs.reconciliation import ReconciliationFilter, reconciliation_report


@dataclass(frozen=True, slots=True)
class ReconciliationCounts:
    """How many rows the scope holds, by verdict and reason.

    Attributes:
        rows: every compared figure in the scope.
        within: those within tolerance.
        out_of_tolerance: those outside it.
        failing_by_reason: out-of-tolerance rows per reason code, most first
            (``None`` for a row without one).
        passing_by_reason: rows within tolerance that still carry a reason
            (they agree only through IBKR's own basis), most first.
        provisional: rows whose figures are provisional.
    """

    rows: int
    within: int
    out_of_tolerance: int
    failing_by_reason: tuple[tuple[str | None, int], ...]
    passing_by_reason: tuple[tuple[str | None, int], ...]
    provisional: int


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    """One page of rows, how many match the filters, and the scope's counts."""

    rows: list[DiffRow]
    total: int
    counts: ReconciliationCounts


def reconciliation_view(
    database: Database,
    filters: ReconciliationFilter,
    *,
    mode: Mode = Mode.RECONCILIATION,
    sort_by: str = DIFF_DEFAULT_SORT[0],
    sort_dir: str = DIFF_DEFAULT_SORT[1],
    limit: int | None = None,
    offset: int = 0,
) -> ReconciliationView:
    """The rows matching `filters` (a page of them) and the counts of their scope."""
    scope = dataclasses.replace(filters, within_tolerance=None)
    report = reconciliation_report(
        database, scope, mode=mode, sort_by=sort_by, sort_dir=sort_dir
    )
    wanted = filters.within_tolerance
    matching = [
        row for row in report.rows if wanted is None or row.within_tolerance == wanted
    ]
    end = None if limit is None else offset + limit
    return ReconciliationView(
        rows=matching[offset:end],
        total=len(matching),
        counts=_counts(report.rows),
    )


def _counts(rows: list[DiffRow]) -> ReconciliationCounts:
    failing = Counter(row.reason_code for row in rows if not row.within_tolerance)
    passing = Counter(
        row.reason_code for row in rows if row.within_tolerance and row.reason_code
    )
    out = sum(failing.values())
    return ReconciliationCounts(
        rows=len(rows),
        within=len(rows) - out,
        out_of_tolerance=out,
        failing_by_reason=tuple(failing.most_common()),
        passing_by_reason=tuple(passing.most_common()),
        provisional=sum(1 for row in rows if row.provisional),
    )
