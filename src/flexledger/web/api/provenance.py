"""Provenance API: the canonical events behind a figure, each with its raw Flex rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flexledger.db.repositories.provenance import PROVENANCE_SORT_FIELDS
from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.events import EventKind
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance
from flexledger.web.api.cached_response import cached_json
from flexledger.web.api.listing import (
    choice_param,
    date_param,
    envelope,
    id_param,
    list_params,
    parse_choice,
    parse_date,
    parse_id,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.provenance_schemas import (
    ProvenanceEventOut,
    ProvenancePageOut,
    RawSourceOut,
)
from flexledger.web.context import AppContext
from flexledger.web.deps import ContextDep
from flexledger.web.errors import SERVER_ERRORS, error_responses

# SPEC §12: item → events → raw rows, under the list contract.
router = APIRouter(prefix="/reports", tags=["reports"])

PROVENANCE_DEFAULT_SORT = ("report_date_local", "asc")
_FORMS = "event_kind with event_id, instrument_id, snapshot_id or check_id"
_KINDS = tuple(kind.value for kind in EventKind)

# No form is required on its own, so each is optional here; a request that
# gives none, or several, is 400 INVALID_FILTER.
_PARAMETERS = query_parameters(
    *list_params(PROVENANCE_SORT_FIELDS),
    choice_param("event_kind", "The event's kind (with event_id).", _KINDS),
    id_param("event_id", "One canonical event (with event_kind)."),
    id_param("instrument_id", "Every event of this instrument."),
    date_param("report_date_from", "With instrument_id: first business date."),
    date_param("report_date_to", "With instrument_id: last business date."),
    id_param("snapshot_id", "The events behind one daily snapshot."),
    id_param("check_id", "The events behind one reconciliation check."),
)


@router.get(
    "/provenance",
    response_model=ProvenancePageOut,
    openapi_extra=_PARAMETERS,
    responses=error_responses(400, 404, *SERVER_ERRORS),
)
def provenance(request: Request, context: ContextDep) -> Response:
    """Events behind one event, an instrument's date range, a snapshot or a check.

    Exactly one form: `event_kind`+`event_id`; `instrument_id` (with optional
    business dates `report_date_from`/`report_date_to`, SPEC §12); `snapshot_id`;
    `check_id`.
    """
    return cached_json(
        request, context, ProvenancePageOut, lambda: _provenance(request, context)
    )


def _provenance(request: Request, context: AppContext) -> dict[str, Any]:
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=PROVENANCE_SORT_FIELDS,
        default_sort=PROVENANCE_DEFAULT_SORT,
    )
    wanted = _parse_request(params)
    page = trace_provenance(
        context.database,
        wanted,
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=query.limit,
        offset=query.offset,
    )
    items = [ProvenanceEventOut.of(e).model_dump(mode="json") for e in page.events]
    event = wanted.event
    normalized = {
        "event_kind": event[0].value if event else None,
        "event_id": str(event[1]) if event else None,
        "instrument_id": _text(wanted.instrument_id),
        "report_date_from": _text(wanted.date_from),
        "report_date_to": _text(wanted.date_to),
        "snapshot_id": _text(wanted.snapshot_id),
        "check_id": _text(wanted.check_id),
    }
    body = envelope(items, page.total, query, normalized)
    body["position_rows"] = [
        RawSourceOut.of(raw).model_dump(mode="json") for raw in page.position_rows
    ]
    return body


def _parse_request(params: Mapping[str, str]) -> ProvenanceRequest:
    """Exactly one query form.

    Raises:
        InvalidRequestError: INVALID_FILTER.
    """
    kind = parse_choice(params, "event_kind", _KINDS)
    event_id = parse_id(params, "event_id")
    instrument_id = parse_id(params, "instrument_id")
    snapshot_id = parse_id(params, "snapshot_id")
    check_id = parse_id(params, "check_id")
    date_from = parse_date(params, "report_date_from")
    date_to = parse_date(params, "report_date_to")
    if (kind is None) != (event_id is None):
        raise InvalidRequestError(
            "event_kind and event_id go together.", code="INVALID_FILTER"
        )
    given = sum(x is not None for x in (event_id, instrument_id, snapshot_id, check_id))
    if given != 1:
        raise InvalidRequestError(
            f"Give exactly one of: {_FORMS}.", code="INVALID_FILTER"
        )
    if (date_from or date_to) and instrument_id is None:
        raise InvalidRequestError(
            "report_date_from and report_date_to go with instrument_id only.",
            code="INVALID_FILTER",
        )
    if date_from and date_to and date_from > date_to:
        raise InvalidRequestError(
            "report_date_from is after report_date_to.", code="INVALID_FILTER"
        )
    return ProvenanceRequest(
        event=(EventKind(kind), event_id) if kind and event_id else None,
        instrument_id=instrument_id,
        date_from=date_from,
        date_to=date_to,
        snapshot_id=snapshot_id,
        check_id=check_id,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
