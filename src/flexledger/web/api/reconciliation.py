"""Reconciliation diff API: our figures beside IBKR's, by day and instrument.

`GET /reports/reconciliation/diff` lists every compared figure under the SPEC
§12 list contract; `?format=csv` answers the SPEC §13 CSV v1 table (every
matching row, in the requested sort).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flexledger.analytics import csv_v1
from flexledger.analytics.reconciliation import (
    DIFF_DEFAULT_SORT,
    DIFF_SORT_FIELDS,
    Mode,
)
from flexledger.domain.tolerances import Metric
from flexledger.jobs.reconciliation import ReconciliationFilter, reconciliation_report
from flexledger.web.api.cached_response import cached_json
from flexledger.web.api.listing import (
    choice_param,
    envelope,
    flag_param,
    list_params,
    parse_choice,
    parse_flag,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.report_output import (
    CSV_RESPONSE,
    FORMAT_PARAM,
    csv_response,
    wants_csv,
)
from flexledger.web.api.report_schemas import DiffOut
from flexledger.web.api.reports import REPORT_FILTER_PARAMS, report_filters
from flexledger.web.api.schemas import PageOut
from flexledger.web.context import AppContext
from flexledger.web.deps import ContextDep
from flexledger.web.errors import QUERY_ERRORS, error_responses

router = APIRouter(prefix="/reports/reconciliation", tags=["reports"])

_MODES = tuple(mode.value for mode in Mode)
_METRICS = tuple(metric.value for metric in Metric)

_PARAMETERS = query_parameters(
    *list_params(DIFF_SORT_FIELDS),
    *REPORT_FILTER_PARAMS,
    choice_param("metric", "Only this metric.", _METRICS),
    flag_param("within_tolerance", "Only rows that pass (true) or fail (false)."),
    choice_param(
        "mode",
        "Our side: broker-aligned (reconciliation, default) or economic.",
        _MODES,
    ),
    FORMAT_PARAM,
)


@router.get(
    "/diff",
    response_model=PageOut[DiffOut],
    openapi_extra=_PARAMETERS,
    responses={**CSV_RESPONSE, **error_responses(*QUERY_ERRORS)},
)
def diff(request: Request, context: ContextDep) -> Response:
    """Every figure compared with IBKR's, judged by the SPEC §11 matrix.

    Rows come from the ledger's per-trade and position checks and from IBKR's
    FIFO and MTM performance summaries and withholding rows; each carries the
    tolerance applied, the formula behind our side and links to its sources.
    """
    return cached_json(
        request, context, PageOut[DiffOut], lambda: _diff(request, context)
    )


def _diff(request: Request, context: AppContext) -> dict[str, Any] | Response:
    params = request.query_params
    as_csv = wants_csv(params)
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=DIFF_SORT_FIELDS,
        default_sort=DIFF_DEFAULT_SORT,
    )
    dates = report_filters(params)
    mode = Mode(parse_choice(params, "mode", _MODES) or Mode.RECONCILIATION.value)
    metric = parse_choice(params, "metric", _METRICS)
    filters = ReconciliationFilter(
        report_date_from=dates.report_date_from,
        report_date_to=dates.report_date_to,
        instrument_id=dates.instrument_id,
        label_id=dates.label_id,
        metric=Metric(metric) if metric else None,
        within_tolerance=parse_flag(params, "within_tolerance"),
    )
    page = reconciliation_report(
        context.database,
        filters,
        mode=mode,
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=None if as_csv else query.limit,
        offset=0 if as_csv else query.offset,
    )
    if as_csv:
        return csv_response(csv_v1.diff_csv(page.rows), "reconciliation-diff")
    items = [DiffOut.model_validate(row).model_dump(mode="json") for row in page.rows]
    normalized = {
        "report_date_from": _text(filters.report_date_from),
        "report_date_to": _text(filters.report_date_to),
        "instrument_id": _text(filters.instrument_id),
        "label_id": _text(filters.label_id),
        "metric": metric,
        "within_tolerance": filters.within_tolerance,
        "mode": mode.value,
    }
    return envelope(items, page.total, query, normalized)


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)
