"""Schema drift: every unknown Flex section and attribute ever received."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexledger.jobs.drift import schema_drift
from flexledger.web.deps import ContextDep
from flexledger.web.pages.rendering import PageRoute, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


@router.get("/drift", response_class=HTMLResponse)
def drift(request: Request, context: ContextDep) -> HTMLResponse:
    """Unknown sections and attributes across all stored raw rows."""
    return render(
        request,
        "pages/drift.html",
        drift=schema_drift(context.database, context.registry),
    )
