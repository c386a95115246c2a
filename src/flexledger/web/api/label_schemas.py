"""Request and response shapes of the labels and notes API."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

from flexledger.db.repositories.labels import LabelRemoval
from flexledger.domain.events import EventKind
from flexledger.domain.labels import Label, Note
from flexledger.jobs.labels import Assignment
from flexledger.web.api.schemas import Text


class LabelOut(BaseModel):
    """A label (SCHEMA `label`), with how many instruments carry it."""

    label_id: uuid.UUID
    name: str
    color: str | None
    instrument_count: int
    created_at_utc: dt.datetime
    updated_at_utc: dt.datetime

    @classmethod
    def of(cls, label: Label) -> LabelOut:
        """The API shape of a label."""
        return cls(
            label_id=label.label_id,
            name=label.name,
            color=label.color,
            instrument_count=label.instrument_count,
            created_at_utc=label.created_at,
            updated_at_utc=label.updated_at,
        )


class LabelIn(BaseModel):
    """`POST /labels`."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    color: Text | None = None


class LabelPatchIn(BaseModel):
    """`PATCH /labels/{label_id}`: only the fields given change (color null clears)."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    color: Text | None = None


class LabelDeletedOut(BaseModel):
    """What `DELETE /labels/{label_id}` removed."""

    label_id: uuid.UUID
    deleted: bool
    instrument_assignments_removed: int
    notes_removed: int

    @classmethod
    def of(cls, removal: LabelRemoval) -> LabelDeletedOut:
        """The API shape of a removal."""
        return cls(
            label_id=removal.label_id,
            deleted=True,
            instrument_assignments_removed=removal.instrument_assignments,
            notes_removed=removal.notes,
        )


class AssignmentOut(BaseModel):
    """A label on (or off) an instrument; `changed` is false for a repeat call."""

    instrument_id: uuid.UUID
    label_id: uuid.UUID
    assigned: bool
    changed: bool

    @classmethod
    def of(cls, assignment: Assignment) -> AssignmentOut:
        """The API shape of an assignment."""
        return cls(
            instrument_id=assignment.instrument_id,
            label_id=assignment.label_id,
            assigned=assignment.assigned,
            changed=assignment.changed,
        )


class NoteOut(BaseModel):
    """A note (SCHEMA `note`) with its one target."""

    note_id: uuid.UUID
    instrument_id: uuid.UUID | None
    label_id: uuid.UUID | None
    event_kind: EventKind | None
    event_id: uuid.UUID | None
    content: str
    created_at_utc: dt.datetime
    updated_at_utc: dt.datetime

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        """The API shape of a note."""
        return cls(
            note_id=note.note_id,
            instrument_id=note.instrument_id,
            label_id=note.label_id,
            event_kind=note.event.kind if note.event else None,
            event_id=note.event.event_id if note.event else None,
            content=note.content,
            created_at_utc=note.created_at,
            updated_at_utc=note.updated_at,
        )


class NoteDeletedOut(BaseModel):
    """What `DELETE /notes/{note_id}` answers."""

    note_id: uuid.UUID
    deleted: bool


class NoteIn(BaseModel):
    """`POST /notes`: the text and exactly one target.

    The target is `instrument_id`, `label_id`, or `event_kind` with `event_id`.
    """

    model_config = ConfigDict(extra="forbid")

    content: Text
    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None
    event_kind: str | None = None
    event_id: str | None = None


class NotePatchIn(BaseModel):
    """`PATCH /notes/{note_id}`: the new text."""

    model_config = ConfigDict(extra="forbid")

    content: Text
