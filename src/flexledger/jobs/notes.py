"""Notes on an instrument, a label or a canonical event: list, write, edit, delete.

Each call is one unit of work. Event notes keep the event's deterministic id, so a
reprocess, which rebuilds events under the same ids, leaves them attached.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flexledger.db.database import Database
from flexledger.db.repositories.notes import NoteFilter, NoteRepository
from flexledger.domain.clock import utc_now
from flexledger.domain.labels import Note, NoteTarget, note_content

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class NotePage:
    """One page of notes and how many match in all."""

    notes: list[Note]
    total: int


def list_notes(
    database: Database,
    filters: NoteFilter | None = None,
    *,
    sort_by: str = "created_at_utc",
    sort_dir: str = "desc",
    limit: int | None = None,
    offset: int = 0,
) -> NotePage:
    """Notes matching `filters`, newest first by default (all when `limit` is None)."""
    with database.unit_of_work() as uow:
        notes, total = NoteRepository(uow).list_notes(
            filters or NoteFilter(),
            sort_by=sort_by,
            sort_dir=sort_dir,
            limit=limit,
            offset=offset,
        )
    return NotePage(notes, total)


def get_note(database: Database, note_id: uuid.UUID) -> Note:
    """One note.

    Raises:
        NotFoundError: no such note.
    """
    with database.unit_of_work() as uow:
        return NoteRepository(uow).get(note_id)


def add_note(
    database: Database, target: NoteTarget, content: str, *, clock: Clock = utc_now
) -> Note:
    """Write a note on its target.

    Raises:
        InvalidRequestError: INVALID_NOTE, blank or over-long content.
        NotFoundError: the instrument, label or event does not exist.
    """
    note_content(content)
    with database.unit_of_work() as uow:
        return NoteRepository(uow).create(target, content, at=clock())


def edit_note(
    database: Database, note_id: uuid.UUID, content: str, *, clock: Clock = utc_now
) -> Note:
    """Replace a note's text.

    Raises:
        InvalidRequestError: INVALID_NOTE, blank or over-long content.
        NotFoundError: no such note.
    """
    note_content(content)
    with database.unit_of_work() as uow:
        return NoteRepository(uow).update(note_id, content, at=clock())


def delete_note(database: Database, note_id: uuid.UUID) -> None:
    """Delete a note.

    Raises:
        NotFoundError: no such note.
    """
    with database.unit_of_work() as uow:
        NoteRepository(uow).delete(note_id)
