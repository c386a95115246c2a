"""One raw Flex row by id, and an event known only by its id.

The reconciliation rows link to their sources by id: `source_raw_record_id`
opens the raw row here (verbatim, with its artifact, its run and the events made
from it); `source_event_id` finds the event's kind and opens the provenance page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flexledger.jobs.raw_rows import event_kind_of, get_raw_row
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import path_id
from flexledger.web.pages.rendering import PageRoute, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)


@router.get("/raw/{raw_record_id}", response_class=HTMLResponse)
def raw_row(raw_record_id: str, request: Request, context: ContextDep) -> HTMLResponse:
    """The raw row exactly as IBKR sent it, where it was stored, what it gave."""
    found = get_raw_row(context.database, path_id(raw_record_id, "raw row"))
    return render(request, "pages/raw_row.html", raw=found.raw, events=found.events)


@router.get("/provenance/event/{event_id}")
def event(event_id: str, context: ContextDep) -> RedirectResponse:
    """The provenance page of the event, whatever its kind."""
    wanted = path_id(event_id, "event")
    kind = event_kind_of(context.database, wanted)
    query = urlencode({"event_kind": kind.value, "event_id": str(wanted)})
    return RedirectResponse(f"/ui/provenance?{query}", status_code=303)
