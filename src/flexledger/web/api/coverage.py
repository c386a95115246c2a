"""Coverage calendar API: which business dates the stored statements cover.

`GET /reports/coverage` answers one document, not a list: the calendar over the
window `report_date_from`..`report_date_to` (SPEC §12 report params; both
optional), with the statements, every business day's status, covered ranges, gaps,
overlaps and the sections empty where rows were expected
(`flexledger.analytics.coverage` states the rules). JSON only: SPEC §13 has no
coverage table.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flexledger.domain.errors import InvalidRequestError
from flexledger.jobs.coverage import coverage_calendar
from flexledger.web.api.cached_response import cached_json
from flexledger.web.api.coverage_schemas import CoverageOut
from flexledger.web.api.listing import (
    choice_param,
    date_param,
    parse_date,
    query_parameters,
)
from flexledger.web.context import AppContext
from flexledger.web.deps import ContextDep
from flexledger.web.errors import QUERY_ERRORS, error_responses

router = APIRouter(prefix="/reports", tags=["reports"])

_DATE = "A business date, YYYY-MM-DD (inclusive); 400 INVALID_FILTER otherwise."

# Parsed from the query string below, so a bad value is SPEC §12's 400
# INVALID_FILTER rather than a generic validation error.
_PARAMETERS = query_parameters(
    date_param("report_date_from", _DATE),
    date_param("report_date_to", _DATE),
    choice_param("format", "`json` (the default and only format).", ("json",)),
)


@router.get(
    "/coverage",
    response_model=CoverageOut,
    openapi_extra=_PARAMETERS,
    responses=error_responses(*QUERY_ERRORS),
)
def coverage(request: Request, context: ContextDep) -> Response:
    """The coverage calendar of the ledger's account over the window.

    Days before the first or after the last stored statement are outside the
    calendar; weekdays between them without a statement are gaps.
    """
    return cached_json(
        request, context, CoverageOut, lambda: _coverage(request, context)
    )


def _coverage(request: Request, context: AppContext) -> CoverageOut:
    params = request.query_params
    if params.get("format") not in (None, "json"):
        raise InvalidRequestError(
            "format must be json: the coverage calendar has no CSV form.",
            code="INVALID_FILTER",
        )
    date_from = parse_date(params, "report_date_from")
    date_to = parse_date(params, "report_date_to")
    calendar = coverage_calendar(context.database, date_from, date_to)
    return CoverageOut.of(calendar, date_from, date_to)
