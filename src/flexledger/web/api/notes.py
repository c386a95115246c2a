"""Notes API: notes on an instrument, a label or a canonical event."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from flexledger.db.repositories.notes import NoteFilter
from flexledger.domain.labels import EventRef, NoteTarget
from flexledger.jobs.notes import add_note, delete_note, edit_note, list_notes
from flexledger.web.api.label_schemas import (
    NoteDeletedOut,
    NoteIn,
    NoteOut,
    NotePatchIn,
)
from flexledger.web.api.listing import (
    envelope,
    id_param,
    instant_param,
    list_params,
    parse_id,
    parse_instant,
    parse_list_query,
    query_parameters,
)
from flexledger.web.api.schemas import PageOut
from flexledger.web.deps import ContextDep
from flexledger.web.errors import (
    BODY_ERRORS,
    ID_ERRORS,
    QUERY_ERRORS,
    error_responses,
)

# SPEC §12: the notes resource and its list contract.
router = APIRouter(prefix="/notes", tags=["notes"])

NOTE_SORT_FIELDS = ("created_at_utc", "updated_at_utc", "instrument_id")
NOTE_DEFAULT_SORT = ("created_at_utc", "desc")


@router.get(
    "",
    response_model=PageOut[NoteOut],
    openapi_extra=query_parameters(
        *list_params(NOTE_SORT_FIELDS),
        id_param("instrument_id", "Only notes on this instrument."),
        id_param("label_id", "Only notes on this label."),
        id_param("event_id", "Only notes on the canonical event with this id."),
        instant_param("created_from", "Written at or after this instant."),
        instant_param("created_to", "Written before this instant."),
    ),
    responses=error_responses(*QUERY_ERRORS),
)
def list_all(request: Request, context: ContextDep) -> dict[str, Any]:
    """Notes, newest first by default.

    Filters `instrument_id`, `label_id`, `event_id`, `created_from`, `created_to`.
    """
    params = request.query_params
    query = parse_list_query(
        params,
        context.settings,
        sort_fields=NOTE_SORT_FIELDS,
        default_sort=NOTE_DEFAULT_SORT,
    )
    filters = NoteFilter(
        instrument_id=parse_id(params, "instrument_id"),
        label_id=parse_id(params, "label_id"),
        event_id=parse_id(params, "event_id"),
        created_from=parse_instant(params, "created_from"),
        created_to=parse_instant(params, "created_to"),
    )
    page = list_notes(
        context.database,
        filters,
        sort_by=query.sort_by,
        sort_dir=query.sort_dir,
        limit=query.limit,
        offset=query.offset,
    )
    items = [NoteOut.of(note).model_dump(mode="json") for note in page.notes]
    normalized = {
        "instrument_id": _text(filters.instrument_id),
        "label_id": _text(filters.label_id),
        "event_id": _text(filters.event_id),
        "created_from": _text(filters.created_from),
        "created_to": _text(filters.created_to),
    }
    return envelope(items, page.total, query, normalized)


@router.post("", status_code=201, responses=error_responses(*BODY_ERRORS, 404))
def create_one(body: NoteIn, context: ContextDep) -> NoteOut:
    """A new note on exactly one target.

    422 INVALID_NOTE_TARGET (none, several, or a bad event reference), 422
    INVALID_NOTE (blank text), 404 unknown instrument, label or event.
    """
    event = (
        EventRef.of(body.event_kind or "", body.event_id or "")
        if body.event_kind is not None or body.event_id is not None
        else None
    )
    target = NoteTarget(
        instrument_id=body.instrument_id, label_id=body.label_id, event=event
    )
    return NoteOut.of(add_note(context.database, target, body.content))


@router.patch("/{note_id}", responses=error_responses(*ID_ERRORS, 422))
def update_one(note_id: uuid.UUID, body: NotePatchIn, context: ContextDep) -> NoteOut:
    """Replace a note's text; 404 unknown note, 422 INVALID_NOTE blank text."""
    return NoteOut.of(edit_note(context.database, note_id, body.content))


@router.delete("/{note_id}", responses=error_responses(*ID_ERRORS))
def delete_one(note_id: uuid.UUID, context: ContextDep) -> NoteDeletedOut:
    """Delete a note; 404 unknown note."""
    delete_note(context.database, note_id)
    return NoteDeletedOut(note_id=note_id, deleted=True)


def _text(value: object) -> str | None:
    if value is None:
        return None
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if isoformat else str(value)
