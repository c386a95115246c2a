"""Reconciliation: our figures beside IBKR's, by day and instrument, with verdicts.

Every row comes from `reconciliation_report` (through `reconciliation_view`,
which adds the scope's counts): the verdict, tolerance and reason are the
tolerance matrix's, the page only shows them. Filters mirror the API's
`GET /reports/reconciliation/diff`, and the CSV link hands it the same ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexledger.analytics.reconciliation import (
    DIFF_DEFAULT_SORT,
    DIFF_SORT_FIELDS,
    Mode,
)
from flexledger.domain.tolerances import Metric
from flexledger.jobs.instruments import list_instruments
from flexledger.jobs.labels import list_labels
from flexledger.jobs.reconciliation import ReconciliationFilter
from flexledger.jobs.reconciliation_view import reconciliation_view
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import (
    PAGE_SIZE,
    date_range,
    query_choice,
    query_id,
    query_offset,
)
from flexledger.web.pages.rendering import PageRoute, render
from flexledger.web.pages.words import METRICS, REASONS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

_MODES = tuple(mode.value for mode in Mode)
_METRICS = ("", *(metric.value for metric in Metric))
_VERDICTS = ("all", "false", "true")
_VERDICT_NAMES = {
    "all": "All rows",
    "false": "Out of tolerance",
    "true": "Within tolerance",
}
CSV_PATH = "/reports/reconciliation/diff"


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation(request: Request, context: ContextDep) -> HTMLResponse:
    """Every compared figure in the filters, a page at a time, with the counts."""
    params = request.query_params
    date_from, date_to = date_range(params)
    instrument_id = query_id(params, "instrument_id")
    label_id = query_id(params, "label_id")
    metric = query_choice(params, "metric", _METRICS, "")
    verdict = query_choice(params, "within_tolerance", _VERDICTS, "all")
    mode = query_choice(params, "mode", _MODES, Mode.RECONCILIATION.value)
    sort_by = query_choice(params, "sort", DIFF_SORT_FIELDS, DIFF_DEFAULT_SORT[0])
    sort_dir = query_choice(params, "dir", ("asc", "desc"), DIFF_DEFAULT_SORT[1])
    offset = query_offset(params)
    filters = ReconciliationFilter(
        report_date_from=date_from,
        report_date_to=date_to,
        instrument_id=instrument_id,
        label_id=label_id,
        metric=Metric(metric) if metric else None,
        within_tolerance=None if verdict == "all" else verdict == "true",
    )
    view = reconciliation_view(
        context.database,
        filters,
        mode=Mode(mode),
        sort_by=sort_by,
        sort_dir=sort_dir,
        limit=PAGE_SIZE,
        offset=offset,
    )
    kept = _kept(
        date_from=date_from,
        date_to=date_to,
        instrument_id=instrument_id,
        label_id=label_id,
        metric=metric,
        verdict=verdict,
        mode=mode,
    )
    sorted_by = {**kept, "sort": sort_by, "dir": sort_dir}
    return render(
        request,
        "pages/reconciliation.html",
        view=view,
        counts=view.counts,
        offset=offset,
        page_size=PAGE_SIZE,
        kept=sorted_by,
        scope=_without(kept, "within_tolerance"),
        csv_url=CSV_PATH + "?" + urlencode(_csv_query(kept, sort_by, sort_dir)),
        date_from=date_from,
        date_to=date_to,
        instrument_id=str(instrument_id) if instrument_id else "",
        label_id=str(label_id) if label_id else "",
        metric=metric,
        verdict=verdict,
        mode=mode,
        sort_by=sort_by,
        sort_dir=sort_dir,
        instruments=list_instruments(context.database).instruments,
        labels=list_labels(context.database).labels,
        metrics=METRICS,
        modes=_MODES,
        verdicts=_VERDICT_NAMES,
        reasons=REASONS,
    )


def _kept(
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    instrument_id: uuid.UUID | None,
    label_id: uuid.UUID | None,
    metric: str,
    verdict: str,
    mode: str,
) -> dict[str, str]:
    """The page's query parameters that are set, for links that keep them."""
    given = {
        "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else "",
        "instrument_id": str(instrument_id) if instrument_id else "",
        "label_id": str(label_id) if label_id else "",
        "metric": metric,
        "within_tolerance": "" if verdict == "all" else verdict,
        "mode": "" if mode == Mode.RECONCILIATION.value else mode,
    }
    return {key: value for key, value in given.items() if value}


def _without(kept: Mapping[str, str], *names: str) -> dict[str, str]:
    return {key: value for key, value in kept.items() if key not in names}


def _csv_query(kept: Mapping[str, str], sort_by: str, sort_dir: str) -> dict[str, str]:
    """The API's names for the page's filters, in CSV form."""
    names = {"from": "report_date_from", "to": "report_date_to"}
    query = {names.get(key, key): value for key, value in kept.items()}
    return {**query, "sort_by": sort_by, "sort_dir": sort_dir, "format": "csv"}
