"""P&L reports API: by instrument and by label, under the SPEC §12 list contract.

`?format=csv` (default `json`) answers the SPEC §13 CSV v1 table instead: every
matching row in the requested sort (`limit`/`offset` are checked but not applied),
`text/csv; charset=utf-8`, header `X-Schema-Version: v1`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flexledger.analytics import csv_v1
from flexledger.analytics.coverage import DateRange
from flexledger.analytics.pnl import (
    INSTRUMENT_DEFAULT_SORT,
    INSTRUMENT_SORT_FIELDS,
    LABEL_DEFAULT_SORT,
    LABEL_SORT_FIELDS,
)
from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.domain.errors import InvalidRequestError
from flexledger.jobs.reports import instrument_report, label_report
from flexledger.web.api.cached_response import cached_json
from flexledger.web.api.listing import (
    QueryParam,
    date_param,
    envelope,
    id_param,
    list_params,
    parse_date,
    parse_id,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.report_output import (
    CSV_RESPONSE,
    FORMAT_PARAM,
    csv_response,
    wants_csv,
)
from flexledger.web.api.report_schemas import InstrumentPnlOut, LabelPnlOut
from flexledger.web.api.schemas import ReportPageOut
from flexledger.web.context import AppContext
from flexledger.web.deps import ContextDep
from flexledger.web.errors import QUERY_ERRORS, error_responses

# SPEC §12: `GET /reports/pnl/by-instrument`, `/reports/pnl/by-label`.
router = APIRouter(prefix="/reports/pnl", tags=["reports"])

REPORT_FILTER_PARAMS: tuple[QueryParam, ...] = (
    date_param("report_date_from", "First business date (inclusive)."),
    date_param("report_date_to", "Last business date (inclusive)."),
    id_param("instrument_id", "Only this instrument."),
    id_param("label_id", "Only instruments carrying this label."),
)
"""The filters `report_filters` parses, as the OpenAPI document declares them."""

_REPORT_RESPONSES = {**CSV_RESPONSE, **error_responses(*QUERY_ERRORS)}


@router.get(
    "/by-instrument",
    response_model=ReportPageOut[InstrumentPnlOut],
    openapi_extra=query_parameters(
        *list_params(INSTRUMENT_SORT_FIELDS), *REPORT_FILTER_PARAMS, FORMAT_PARAM
    ),
    responses=_REPORT_RESPONSES,
)
def by_instrument(request: Request, context: ContextDep) -> Response:
    """P&L per instrument, by symbol.

    Filters `report_date_from`, `report_date_to`, `instrument_id`, `label_id`;
    `format` `json` (default) or `csv` (SPEC §13, all rows).
    """
    return cached_json(
        request,
        context,
        ReportPageOut[InstrumentPnlOut],
        lambda: _by_instrument(request, context),
    )


def _by_instrument(request: Request, context: AppContext) -> dict[str, Any] | Response:
    params = request.query_params
    as_csv = wants_csv(params)
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=INSTRUMENT_SORT_FIELDS,
        default_sort=INSTRUMENT_DEFAULT_SORT,
    )
    filters = report_filters(params)
    page = instrument_report(
        context.database,
        filters,
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=None if as_csv else query.limit,
        offset=0 if as_csv else query.offset,
    )
    if as_csv:
        return csv_response(
            csv_v1.instrument_csv(page.rows), "pnl-by-instrument", page.coverage_gaps
        )
    items = [InstrumentPnlOut.of(r).model_dump(mode="json") for r in page.rows]
    return _with_coverage(
        envelope(items, page.total, query, _normalized(filters)), page.coverage_gaps
    )


@router.get(
    "/by-label",
    response_model=ReportPageOut[LabelPnlOut],
    openapi_extra=query_parameters(
        *list_params(LABEL_SORT_FIELDS), *REPORT_FILTER_PARAMS, FORMAT_PARAM
    ),
    responses=_REPORT_RESPONSES,
)
def by_label(request: Request, context: ContextDep) -> Response:
    """P&L per label (sum of its instruments) plus an unlabelled row, by name.

    `format` `json` (default) or `csv` (SPEC §13, all rows).
    """
    return cached_json(
        request,
        context,
        ReportPageOut[LabelPnlOut],
        lambda: _by_label(request, context),
    )


def _by_label(request: Request, context: AppContext) -> dict[str, Any] | Response:
    params = request.query_params
    as_csv = wants_csv(params)
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=LABEL_SORT_FIELDS,
        default_sort=LABEL_DEFAULT_SORT,
    )
    filters = report_filters(params)
    page = label_report(
        context.database,
        filters,
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=None if as_csv else query.limit,
        offset=0 if as_csv else query.offset,
    )
    if as_csv:
        return csv_response(
            csv_v1.label_csv(page.rows), "pnl-by-label", page.coverage_gaps
        )
    items = [LabelPnlOut.of(r).model_dump(mode="json") for r in page.rows]
    return _with_coverage(
        envelope(items, page.total, query, _normalized(filters)), page.coverage_gaps
    )


def _with_coverage(body: dict[str, Any], gaps: Sequence[DateRange]) -> dict[str, Any]:
    """The envelope plus the coverage gaps the report's range crosses."""
    body["coverage"] = {
        "crosses_gap": bool(gaps),
        "gaps": [
            {
                "first_date": gap.first_date.isoformat(),
                "last_date": gap.last_date.isoformat(),
                "day_count": gap.day_count,
            }
            for gap in gaps
        ],
    }
    return body


def report_filters(params: Mapping[str, str]) -> PnlReportFilter:
    """The report filters; a `report_date_from` after `report_date_to` is refused.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    date_from = parse_date(params, "report_date_from")
    date_to = parse_date(params, "report_date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidRequestError(
            "report_date_from must not be after report_date_to.",
            code="INVALID_FILTER",
        )
    return PnlReportFilter(
        report_date_from=date_from,
        report_date_to=date_to,
        instrument_id=parse_id(params, "instrument_id"),
        label_id=parse_id(params, "label_id"),
    )


def _normalized(filters: PnlReportFilter) -> dict[str, str | None]:
    def text(value: object | None) -> str | None:
        return None if value is None else str(value)

    return {
        "report_date_from": text(filters.report_date_from),
        "report_date_to": text(filters.report_date_to),
        "instrument_id": text(filters.instrument_id),
        "label_id": text(filters.label_id),
    }
