"""Provenance: a figure → the canonical events behind it → their raw rows verbatim."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.events import EventKind
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import PAGE_SIZE, query_date, query_id, query_offset
from flexledger.web.pages.rendering import PageRoute, render

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

_KINDS = tuple(kind.value for kind in EventKind)


@router.get("/provenance", response_class=HTMLResponse)
def provenance(request: Request, context: ContextDep) -> HTMLResponse:
    """The events behind one event, an instrument's date range, a snapshot or check."""
    params = request.query_params
    wanted = _request(params)
    offset = query_offset(params)
    page = trace_provenance(context.database, wanted, limit=PAGE_SIZE, offset=offset)
    kept = {key: value for key, value in params.items() if key != "offset"}
    return render(
        request,
        "pages/provenance.html",
        page=page,
        wanted=wanted,
        offset=offset,
        page_size=PAGE_SIZE,
        kept=kept,
    )


def _request(params: Mapping[str, str]) -> ProvenanceRequest:
    """Exactly one query form, as the API's `GET /reports/provenance` takes.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    kind = params.get("event_kind") or None
    if kind is not None and kind not in _KINDS:
        raise InvalidRequestError(
            f"event_kind must be one of {', '.join(_KINDS)}.", code="INVALID_FILTER"
        )
    event_id = query_id(params, "event_id")
    if (kind is None) != (event_id is None):
        raise InvalidRequestError(
            "event_kind and event_id go together.", code="INVALID_FILTER"
        )
    return ProvenanceRequest(
        event=(EventKind(kind), event_id) if kind and event_id else None,
        instrument_id=query_id(params, "instrument_id"),
        date_from=query_date(params, "report_date_from"),
        date_to=query_date(params, "report_date_to"),
        snapshot_id=query_id(params, "snapshot_id"),
        check_id=query_id(params, "check_id"),
    )
