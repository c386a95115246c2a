"""Labels API: list, create, rename or recolor, delete, and assign to instruments."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from flexledger.db.repositories.labels import LabelFilter
from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.labels import INVALID_LABEL
from flexledger.jobs.labels import (
    assign_label,
    create_label,
    delete_label,
    list_labels,
    unassign_label,
    update_label,
)
from flexledger.web.api.label_schemas import (
    AssignmentOut,
    LabelDeletedOut,
    LabelIn,
    LabelOut,
    LabelPatchIn,
)
from flexledger.web.api.listing import (
    envelope,
    list_params,
    parse_list_query,
    parse_text,
    query_parameters,
    text_param,
)
from flexledger.web.api.schemas import PageOut
from flexledger.web.deps import ContextDep
from flexledger.web.errors import (
    BODY_ERRORS,
    ID_ERRORS,
    QUERY_ERRORS,
    error_responses,
)

# SPEC §12: the labels resource and its list contract.
router = APIRouter(tags=["labels"])

LABEL_SORT_FIELDS = ("name", "created_at_utc")
LABEL_DEFAULT_SORT = ("name", "asc")


@router.get(
    "/labels",
    response_model=PageOut[LabelOut],
    openapi_extra=query_parameters(
        *list_params(LABEL_SORT_FIELDS),
        text_param("search", "Case-insensitive part of the name."),
    ),
    responses=error_responses(*QUERY_ERRORS),
)
def list_all(request: Request, context: ContextDep) -> dict[str, Any]:
    """Labels by name (case-insensitive) by default; filter `search`."""
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=LABEL_SORT_FIELDS,
        default_sort=LABEL_DEFAULT_SORT,
    )
    search = parse_text(params, "search")
    page = list_labels(
        context.database,
        LabelFilter(search=search),
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=query.limit,
        offset=query.offset,
    )
    items = [LabelOut.of(label).model_dump(mode="json") for label in page.labels]
    return envelope(items, page.total, query, {"search": search})


@router.post("/labels", status_code=201, responses=error_responses(*BODY_ERRORS, 409))
def create_one(body: LabelIn, context: ContextDep) -> LabelOut:
    """A new label; 409 DUPLICATE_LABEL when the name exists in any case."""
    return LabelOut.of(create_label(context.database, body.name, color=body.color))


@router.patch("/labels/{label_id}", responses=error_responses(*ID_ERRORS, 409, 422))
def update_one(
    label_id: uuid.UUID, body: LabelPatchIn, context: ContextDep
) -> LabelOut:
    """Rename and/or recolor a label (`color: null` clears it).

    404 unknown label, 409 DUPLICATE_LABEL, 422 nothing to change or a blank name.
    """
    if not body.model_fields_set:
        raise InvalidRequestError(
            "Give name and/or color.", code=INVALID_LABEL, fields=("name", "color")
        )
    label = update_label(
        context.database,
        label_id,
        name=body.name,
        color=body.color,
        set_color="color" in body.model_fields_set,
    )
    return LabelOut.of(label)


@router.delete("/labels/{label_id}", responses=error_responses(*ID_ERRORS))
def delete_one(label_id: uuid.UUID, context: ContextDep) -> LabelDeletedOut:
    """Delete a label; says how many instrument assignments and notes went with it."""
    return LabelDeletedOut.of(delete_label(context.database, label_id))


@router.post(
    "/instruments/{instrument_id}/labels/{label_id}",
    responses=error_responses(*ID_ERRORS),
)
def assign(
    instrument_id: uuid.UUID, label_id: uuid.UUID, context: ContextDep
) -> AssignmentOut:
    """Put a label on an instrument (idempotent); 404 unknown instrument or label."""
    return AssignmentOut.of(assign_label(context.database, instrument_id, label_id))


@router.delete(
    "/instruments/{instrument_id}/labels/{label_id}",
    responses=error_responses(*ID_ERRORS),
)
def unassign(
    instrument_id: uuid.UUID, label_id: uuid.UUID, context: ContextDep
) -> AssignmentOut:
    """Take a label off an instrument (idempotent); 404 unknown instrument or label."""
    return AssignmentOut.of(unassign_label(context.database, instrument_id, label_id))
