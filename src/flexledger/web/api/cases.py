"""Corporate-action cases API: list and inspect cases, resolve or dismiss one."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from flexledger.db.repositories.cases import CaseFilter
from flexledger.domain.cases import CaseStatus
from flexledger.jobs.cases import (
    CaseChange,
    dismiss_case,
    get_case,
    list_cases,
    resolve_case,
)
from flexledger.web.api.listing import (
    choice_param,
    envelope,
    id_param,
    list_params,
    parse_choice,
    parse_id,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.schemas import (
    CaseChangeOut,
    CaseDismissIn,
    CaseOut,
    CaseResolveIn,
    InstrumentCasesOut,
    PageOut,
)
from flexledger.web.deps import ContextDep
from flexledger.web.errors import ID_ERRORS, QUERY_ERRORS, error_responses

# SPEC §12: the cases resource and its list contract.
router = APIRouter(prefix="/corporate-actions/cases", tags=["corporate-actions"])

CASE_SORT_FIELDS = ("created_at_utc", "status")
CASE_DEFAULT_SORT = ("created_at_utc", "desc")
_STATUSES = tuple(status.value for status in CaseStatus)
# Resolving or dismissing: 409 for a closed case or an active run, 422 a bad body.
_CHANGE_ERRORS = error_responses(*ID_ERRORS, 409, 422)


@router.get(
    "",
    response_model=PageOut[CaseOut],
    openapi_extra=query_parameters(
        *list_params(CASE_SORT_FIELDS),
        choice_param("status", "Only cases in this state.", _STATUSES),
        id_param("instrument_id", "Only cases on this instrument."),
    ),
    responses=error_responses(*QUERY_ERRORS),
)
def list_all(request: Request, context: ContextDep) -> dict[str, Any]:
    """Cases, newest first by default; filters `status`, `instrument_id`."""
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=CASE_SORT_FIELDS,
        default_sort=CASE_DEFAULT_SORT,
    )
    status = parse_choice(params, "status", _STATUSES)
    instrument_id = parse_id(params, "instrument_id")
    page = list_cases(
        context.database,
        CaseFilter(
            status=CaseStatus(status) if status else None,
            instrument_id=instrument_id,
        ),
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=query.limit,
        offset=query.offset,
    )
    items = [CaseOut.of(case).model_dump(mode="json") for case in page.cases]
    normalized = {
        "status": status,
        "instrument_id": str(instrument_id) if instrument_id else None,
    }
    return envelope(items, page.total, query, normalized)


@router.get("/{case_id}", responses=error_responses(*ID_ERRORS))
def get_one(case_id: uuid.UUID, context: ContextDep) -> CaseOut:
    """One case; 404 NOT_FOUND for an unknown id."""
    return CaseOut.of(get_case(context.database, case_id))


@router.post("/{case_id}/resolve", responses=_CHANGE_ERRORS)
def resolve_one(
    case_id: uuid.UUID, body: CaseResolveIn, context: ContextDep
) -> CaseChangeOut:
    """Resolve an open case with a note; its instruments are recomputed.

    404 unknown case, 409 already closed (or a run is active), 422 blank note.
    """
    change = resolve_case(
        context.database,
        case_id,
        note=body.resolution_note,
        owner=body.owner,
        quantity=body.quantity_adjustment,
        cost=body.cost_adjustment,
    )
    return _change_out(change)


@router.post("/{case_id}/dismiss", responses=_CHANGE_ERRORS)
def dismiss_one(
    case_id: uuid.UUID, body: CaseDismissIn, context: ContextDep
) -> CaseChangeOut:
    """Dismiss an open case with a note; its instruments are recomputed.

    404 unknown case, 409 already closed (or a run is active), 422 blank note.
    """
    change = dismiss_case(
        context.database, case_id, note=body.resolution_note, owner=body.owner
    )
    return _change_out(change)


def _change_out(change: CaseChange) -> CaseChangeOut:
    return CaseChangeOut(
        case=CaseOut.of(change.case),
        instruments=[
            InstrumentCasesOut(instrument_id=instrument_id, unresolved_cases=count)
            for instrument_id, count in sorted(
                change.unresolved_cases.items(), key=lambda item: str(item[0])
            )
        ],
    )
