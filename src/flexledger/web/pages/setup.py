"""Setup: what fetching from IBKR needs, how to build the Flex query, the token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexledger.config import Capability
from flexledger.db.repositories.runs import RunFilter
from flexledger.domain.runs import RunStatus
from flexledger.domain.sections import HARD_REQUIRED, RECONCILIATION_REQUIRED
from flexledger.jobs.runs import list_runs
from flexledger.web.deps import ContextDep
from flexledger.web.pages.rendering import PageRoute, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

# The Client Portal path of each section to tick (FLEX_FIELDS §1, adapter/query_lint).
SECTION_STEPS = {
    "Trades": "Trades: options Executions (required) and Closed Lots",
    "OpenPositions": "Open Positions: option Summary",
    "CashTransactions": "Cash Transactions: all types, option Detail",
    "CorporateActions": "Corporate Actions",
    "ConversionRates": "Financial Instrument Information → Conversion Rates",
    "SecuritiesInfo": "Financial Instrument Information",
    "AccountInformation": "Account Information",
    "MTMPerformanceSummaryInBase": "MTM Performance Summary in Base",
    "FIFOPerformanceSummaryInBase": "FIFO Performance Summary in Base",
}
_TOKEN_ERRORS = ("INGESTION_TOKEN_EXPIRED_ERROR", "INGESTION_TOKEN_INVALID_ERROR")


@router.get("/setup", response_class=HTMLResponse)
def setup(request: Request, context: ContextDep) -> HTMLResponse:
    """Which settings are missing and how to get each; never the token itself."""
    settings = context.settings
    failed = list_runs(
        context.database, RunFilter(status=RunStatus.FAILED), limit=20
    ).runs
    token_problem = next((r for r in failed if r.error_code in _TOKEN_ERRORS), None)
    return render(
        request,
        "pages/setup.html",
        missing=settings.missing_for(Capability.FETCH),
        token_set=settings.ibkr_flex_token is not None,
        query_id=settings.ibkr_flex_query_id,
        account_id=settings.account_id,
        base_currency=settings.base_currency,
        reconciliation=settings.reconciliation_enabled,
        required=[(name, SECTION_STEPS[name]) for name in HARD_REQUIRED],
        recommended=[(name, SECTION_STEPS[name]) for name in RECONCILIATION_REQUIRED],
        token_problem=token_problem,
    )
