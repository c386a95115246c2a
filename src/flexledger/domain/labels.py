"""Labels that group instruments, and notes on an instrument, a label or an event.

A note has exactly one target. Event notes (SPEC §0 P6) name the event by kind and
its deterministic id (UUIDv5, SPEC P5), so they survive a reprocess that rebuilds
the events with the same ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.events import EventKind

INVALID_LABEL = "INVALID_LABEL"
INVALID_NOTE = "INVALID_NOTE"
INVALID_NOTE_TARGET = "INVALID_NOTE_TARGET"
MAX_LABEL_NAME = 100
MAX_NOTE_CONTENT = 10_000


@dataclass(frozen=True, slots=True)
class Label:
    """One label, with how many instruments carry it.

    Attributes:
        label_id: the label's id.
        name: its name, unique whatever the case.
        color: free text (e.g. ``#1f77b4``), or None.
        instrument_count: instruments it is assigned to.
        created_at: when it was created.
        updated_at: when it last changed.
    """

    label_id: uuid.UUID
    name: str
    color: str | None
    instrument_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EventRef:
    """A canonical event by kind and (deterministic) id."""

    kind: EventKind
    event_id: uuid.UUID

    @classmethod
    def parse(cls, text: str) -> EventRef:
        """``KIND:ID``, e.g. ``trade_fill:6f1c…``.

        Raises:
            InvalidRequestError: INVALID_NOTE_TARGET, not of that form.
        """
        kind, _, event_id = text.partition(":")
        return cls.of(kind.strip(), event_id.strip())

    @classmethod
    def of(cls, kind: str, event_id: str | uuid.UUID) -> EventRef:
        """An event reference from its two parts.

        Raises:
            InvalidRequestError: INVALID_NOTE_TARGET, an unknown kind or a bad id.
        """
        kinds = ", ".join(k.value for k in EventKind)
        try:
            event_kind = EventKind(kind)
        except ValueError:
            raise InvalidRequestError(
                f"event kind {kind!r} is not one of {kinds}.",
                code=INVALID_NOTE_TARGET,
                hint="Write an event as KIND:ID, e.g. trade_fill:<uuid>.",
                fields=("event_kind",),
            ) from None
        try:
            identifier = (
                event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(event_id)
            )
        except ValueError:
            raise InvalidRequestError(
                f"event id {event_id!r} is not a UUID.",
                code=INVALID_NOTE_TARGET,
                fields=("event_id",),
            ) from None
        return cls(event_kind, identifier)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.event_id}"


@dataclass(frozen=True, slots=True)
class NoteTarget:
    """What a note is about: exactly one of an instrument, a label or an event."""

    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None
    event: EventRef | None = None

    def __post_init__(self) -> None:
        given = [self.instrument_id, self.label_id, self.event]
        if sum(part is not None for part in given) != 1:
            raise InvalidRequestError(
                "A note needs exactly one target: an instrument, a label or an event.",
                code=INVALID_NOTE_TARGET,
                hint="Give instrument_id, label_id, or event_kind with event_id.",
                fields=("instrument_id", "label_id", "event_kind", "event_id"),
            )


@dataclass(frozen=True, slots=True)
class Note:
    """One note as stored.

    Attributes:
        note_id: the note's id.
        instrument_id: the instrument it is about, if that is its target.
        label_id: the label it is about, if that is its target.
        event: the canonical event it is about, if that is its target.
        content: the text.
        created_at: when it was written.
        updated_at: when it was last edited.
    """

    note_id: uuid.UUID
    instrument_id: uuid.UUID | None
    label_id: uuid.UUID | None
    event: EventRef | None
    content: str
    created_at: dt.datetime
    updated_at: dt.datetime


def label_name(name: str) -> str:
    """A label name, trimmed.

    Raises:
        InvalidRequestError: INVALID_LABEL, blank or too long.
    """
    text = " ".join(name.split())
    if not text:
        raise InvalidRequestError(
            "A label name cannot be blank.", code=INVALID_LABEL, fields=("name",)
        )
    if len(text) > MAX_LABEL_NAME:
        raise InvalidRequestError(
            f"A label name has at most {MAX_LABEL_NAME} characters.",
            code=INVALID_LABEL,
            fields=("name",),
        )
    return text


def name_key(name: str) -> str:
    """The key that makes label names unique whatever their case."""
    return name.casefold()


def label_color(color: str | None) -> str | None:
    """A color trimmed; blank means none."""
    text = (color or "").strip()
    return text or None


def note_content(content: str) -> str:
    """A note's text, trimmed at both ends.

    Raises:
        InvalidRequestError: INVALID_NOTE, blank or too long.
    """
    text = content.strip()
    if not text:
        raise InvalidRequestError(
            "A note cannot be blank.", code=INVALID_NOTE, fields=("content",)
        )
    if len(text) > MAX_NOTE_CONTENT:
        raise InvalidRequestError(
            f"A note has at most {MAX_NOTE_CONTENT} characters.",
            code=INVALID_NOTE,
            fields=("content",),
        )
    return text
