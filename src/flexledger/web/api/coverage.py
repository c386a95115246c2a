"""Coverage calendar API: which business dates the stored statements cover.

`GET /reports/coverage` answers one document, not a list: the calendar over the
window `report_date_from`..`report_date_to` (SPEC §12 report params; both
optional), with the statements, every business day's status, covered ranges, gaps,
overlaps and the sections empty where rows were expected
(`flexledger.analytics.coverage` states the rules). JSON only: SPEC §13 has no
coverage table.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from flexledger.domain.errors import InvalidRequestError
from flexledger.jobs.coverage import coverage_calendar
from flexledger.web.api.coverage_schemas import CoverageOut
from flexledger.web.api.listing import parse_date
from flexledger.web.deps import ContextDep
from flexledger.web.errors import error_responses

router = APIRouter(prefix="/reports", tags=["reports"])

_DATE = "A business date, YYYY-MM-DD (inclusive); 400 INVALID_FILTER otherwise."


@router.get(
    "/coverage", response_model=CoverageOut, responses=error_responses(400, 503)
)
def coverage(
    request: Request,
    context: ContextDep,
    # Declared as text for the OpenAPI document; parsed below, so a bad value is
    # SPEC §12's 400 INVALID_FILTER rather than a generic validation error.
    report_date_from: Annotated[str | None, Query(description=_DATE)] = None,
    report_date_to: Annotated[str | None, Query(description=_DATE)] = None,
    format: Annotated[
        str | None, Query(description="`json` (the default and only format).")
    ] = None,
) -> CoverageOut:
    """The coverage calendar of the ledger's account over the window.

    Days before the first or after the last stored statement are outside the
    calendar; weekdays between them without a statement are gaps.
    """
    params = request.query_params
    if format not in (None, "json"):
        raise InvalidRequestError(
            "format must be json: the coverage calendar has no CSV form.",
            code="INVALID_FILTER",
        )
    date_from = parse_date(params, "report_date_from")
    date_to = parse_date(params, "report_date_to")
    calendar = coverage_calendar(context.database, date_from, date_to)
    return CoverageOut.of(calendar, date_from, date_to)
