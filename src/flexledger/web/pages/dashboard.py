"""Dashboard: portfolio value and P&L over time, period totals, top positions."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.db.repositories.cases import CaseFilter
from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.domain.cases import CaseStatus
from flexledger.jobs.cases import list_cases
from flexledger.jobs.portfolio import (
    market_value,
    portfolio_history,
    top_positions,
    totals,
)
from flexledger.jobs.reports import instrument_report
from flexledger.jobs.runs import list_runs
from flexledger.web.deps import ContextDep
from flexledger.web.pages.charts import Series, line_chart
from flexledger.web.pages.forms import date_range
from flexledger.web.pages.rendering import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    """The UI is the front door; the JSON API keeps its own paths."""
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui/", response_class=HTMLResponse)
def dashboard(request: Request, context: ContextDep) -> HTMLResponse:
    """The portfolio at a glance, for the chosen date range (all time by default)."""
    date_from, date_to = date_range(request.query_params)
    database = context.database
    rows = instrument_report(
        database, PnlReportFilter(report_date_from=date_from, report_date_to=date_to)
    ).rows
    history = portfolio_history(database, date_from=date_from, date_to=date_to)
    chart = line_chart(
        "Portfolio value and P&L over time",
        [
            Series(
                "Value",
                "s-value",
                [(p.report_date_local, p.value) for p in history.points],
            ),
            Series(
                "P&L (economic, cumulative)",
                "s-pnl",
                [(p.report_date_local, p.pnl) for p in history.points],
            ),
        ],
        unit=history.currency,
    )
    runs = list_runs(database, limit=1).runs
    open_cases = list_cases(database, CaseFilter(status=CaseStatus.OPEN), limit=1).total
    range_query = urlencode(
        {k: v.isoformat() for k, v in (("from", date_from), ("to", date_to)) if v}
    )
    return render(
        request,
        "pages/dashboard.html",
        totals=totals(rows),
        chart=chart,
        top=[(row, market_value(row)) for row in top_positions(rows)],
        provisional=[row for row in rows if row.provisional],
        last_run=runs[0] if runs else None,
        open_cases=open_cases,
        date_from=date_from,
        date_to=date_to,
        range_query=range_query,
        instrument_count=len(rows),
    )


@router.get("/ui/reports/instruments", response_class=HTMLResponse)
def by_instrument(request: Request, context: ContextDep) -> HTMLResponse:
    """P&L per instrument over the range: where each dashboard total comes from."""
    date_from, date_to = date_range(request.query_params)
    rows = instrument_report(
        context.database,
        PnlReportFilter(report_date_from=date_from, report_date_to=date_to),
    ).rows
    return render(
        request,
        "pages/report_instruments.html",
        rows=rows,
        totals=totals(rows),
        date_from=date_from,
        date_to=date_to,
        focus=request.query_params.get("figure"),
    )
