"""Corporate-action cases: the list, and resolving or dismissing one with a note."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.db.repositories.cases import CaseFilter
from flexledger.domain.cases import CaseStatus
from flexledger.jobs.cases import CaseChange, dismiss_case, list_cases, resolve_case
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import (
    PAGE_SIZE,
    path_id,
    query_choice,
    query_id,
    query_offset,
)
from flexledger.web.pages.rendering import PageRoute, redirect, render

router = APIRouter(prefix="/ui/cases", route_class=PageRoute, include_in_schema=False)

_STATUSES = ("all", *(s.value for s in CaseStatus))


@router.get("", response_class=HTMLResponse)
def cases(request: Request, context: ContextDep) -> HTMLResponse:
    """Cases, open ones first by default, each closable with a note."""
    params = request.query_params
    status = query_choice(params, "status", _STATUSES, CaseStatus.OPEN.value)
    instrument_id = query_id(params, "instrument_id")
    offset = query_offset(params)
    page = list_cases(
        context.database,
        CaseFilter(
            status=None if status == "all" else CaseStatus(status),
            instrument_id=instrument_id,
        ),
        limit=PAGE_SIZE,
        offset=offset,
    )
    kept = {"status": status}
    if instrument_id:
        kept["instrument_id"] = str(instrument_id)
    return render(
        request,
        "pages/cases.html",
        cases=page.cases,
        total=page.total,
        offset=offset,
        page_size=PAGE_SIZE,
        status=status,
        statuses=_STATUSES,
        kept=kept,
    )


@router.post("/{case_id}/resolve")
def resolve(
    case_id: str,
    context: ContextDep,
    note: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Resolve the case; its instruments are recomputed at once."""
    change = resolve_case(
        context.database,
        path_id(case_id, "case"),
        note=note,
        owner=owner.strip() or None,
    )
    return redirect("/ui/cases", notice=_told(change, "resolved"))


@router.post("/{case_id}/dismiss")
def dismiss(
    case_id: str,
    context: ContextDep,
    note: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Dismiss the case (nothing to adjust); its instruments are recomputed."""
    change = dismiss_case(
        context.database,
        path_id(case_id, "case"),
        note=note,
        owner=owner.strip() or None,
    )
    return redirect("/ui/cases", notice=_told(change, "dismissed"))


def _told(change: CaseChange, verb: str) -> str:
    symbol = change.case.symbol or "the instrument"
    still = sum(change.unresolved_cases.values())
    if not change.unresolved_cases:
        return f"Case {verb}."
    if still:
        return f"Case {verb}; {symbol} still has {still} open case(s)."
    return f"Case {verb}; {symbol} has no open case left."
