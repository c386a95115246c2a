"""Notes on an instrument, a label or a canonical event.

An event note stores the event's kind and deterministic id with no foreign key
(db/tables/labels.py): a reprocess deletes and rebuilds events under the same ids,
and the note stays attached. The event must exist when the note is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from flexledger.db.base import Base
from flexledger.db.repositories.labels import (
    LabelRepository,
    instrument_exists,
    instrument_not_found,
)
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventTradeFillRow,
    NoteRow,
)
from flexledger.domain.errors import NotFoundError
from flexledger.domain.events import EventKind
from flexledger.domain.labels import EventRef, Note, NoteTarget, note_content

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
NOTE_SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at_utc": NoteRow.created_at_utc,
    "updated_at_utc": NoteRow.updated_at_utc,
    "instrument_id": NoteRow.instrument_id,
}
_EVENT_TABLES: dict[EventKind, tuple[type[Base], str]] = {
    EventKind.TRADE_FILL: (EventTradeFillRow, "event_trade_fill_id"),
    EventKind.CASHFLOW: (EventCashflowRow, "event_cashflow_id"),
    EventKind.FX: (EventFxRow, "event_fx_id"),
    EventKind.CORP_ACTION: (EventCorpActionRow, "event_corp_action_id"),
}


@dataclass(frozen=True, slots=True)
class NoteFilter:
    """Filters of the notes list; None means "any".

    Attributes:
        instrument_id: notes on this instrument.
        label_id: notes on this label.
        event_id: notes on the event with this id (ids are unique across kinds).
        created_from: written at or after this instant.
        created_to: written before this instant.
    """

    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None


class NoteRepository:
    """Notes, newest first by default."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session

    def list_notes(
        self,
        filters: NoteFilter,
        *,
        sort_by: str = "created_at_utc",
        sort_dir: str = "desc",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[Note], int]:
        """One page of notes (all when `limit` is None) and the total count.

        The note id breaks ties, in the direction asked; notes without an
        instrument sort last when sorting by instrument.
        """
        conditions: list[ColumnElement[bool]] = []
        if filters.instrument_id is not None:
            conditions.append(NoteRow.instrument_id == filters.instrument_id)
        if filters.label_id is not None:
            conditions.append(NoteRow.label_id == filters.label_id)
        if filters.event_id is not None:
            conditions.append(NoteRow.event_id == filters.event_id)
        if filters.created_from is not None:
            conditions.append(NoteRow.created_at_utc >= filters.created_from)
        if filters.created_to is not None:
            conditions.append(NoteRow.created_at_utc < filters.created_to)
        column = NOTE_SORT_COLUMNS[sort_by]
        tie_break = NoteRow.note_id
        if sort_dir == "desc":
            ordering = [column.desc(), tie_break.desc()]
        else:
            ordering = [column.asc(), tie_break.asc()]
        if sort_by == "instrument_id":
            # Both dialects agree only when told where NULLs go.
            ordering[0] = ordering[0].nulls_last()
        total = self._session.execute(
            select(func.count()).select_from(NoteRow).where(*conditions)
        ).scalar_one()
        statement = select(NoteRow).where(*conditions).order_by(*ordering)
        if limit is not None:
            statement = statement.limit(limit)
        rows = self._session.scalars(statement.offset(offset))
        return [_to_domain(row) for row in rows], total

    def get(self, note_id: uuid.UUID) -> Note:
        """The note with this id.

        Raises:
            NotFoundError: no such note.
        """
        row = self._session.get(NoteRow, note_id, populate_existing=True)
        if row is None:
            raise _note_not_found(note_id)
        return _to_domain(row)

    def create(self, target: NoteTarget, content: str, *, at: dt.datetime) -> Note:
        """A new note on its target.

        Raises:
            InvalidRequestError: INVALID_NOTE, blank or over-long content.
            NotFoundError: the instrument, label or event does not exist.
        """
        text = note_content(content)
        self._require_target(target)
        row = NoteRow(
            instrument_id=target.instrument_id,
            label_id=target.label_id,
            event_kind=target.event.kind.value if target.event else None,
            event_id=target.event.event_id if target.event else None,
            content=text,
            created_at_utc=at,
            updated_at_utc=at,
        )
        self._session.add(row)
        self._session.flush()
        return _to_domain(row)

    def update(self, note_id: uuid.UUID, content: str, *, at: dt.datetime) -> Note:
        """Replace a note's text.

        Raises:
            InvalidRequestError: INVALID_NOTE, blank or over-long content.
            NotFoundError: no such note.
        """
        text = note_content(content)
        row = self._session.get(NoteRow, note_id, populate_existing=True)
        if row is None:
            raise _note_not_found(note_id)
        row.content = text
        row.updated_at_utc = at
        self._session.flush()
        return _to_domain(row)

    def delete(self, note_id: uuid.UUID) -> None:
        """Delete a note.

        Raises:
            NotFoundError: no such note.
        """
        removed = self._session.execute(
            delete(NoteRow)
            .where(NoteRow.note_id == note_id)
            .returning(NoteRow.note_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if removed is None:
            raise _note_not_found(note_id)

    def _require_target(self, target: NoteTarget) -> None:
        if target.instrument_id is not None and not instrument_exists(
            self._session, target.instrument_id
        ):
            raise instrument_not_found(target.instrument_id)
        if target.label_id is not None:
            LabelRepository(self._uow).get(target.label_id)
        if target.event is not None and not self._event_exists(target.event):
            raise NotFoundError(
                f"No {target.event.kind.value} event {target.event.event_id}.",
                hint="Event ids come from the API's instrument and provenance views.",
            )

    def _event_exists(self, event: EventRef) -> bool:
        table, key = _EVENT_TABLES[event.kind]
        column = getattr(table, key)
        return (
            self._session.scalar(select(column).where(column == event.event_id))
            is not None
        )


def _note_not_found(note_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(
        f"No note {note_id}.",
        hint="`flexledger notes list` or GET /notes lists the notes and their ids.",
    )


def _to_domain(row: NoteRow) -> Note:
    event = (
        EventRef(EventKind(row.event_kind), row.event_id)
        if row.event_kind is not None and row.event_id is not None
        else None
    )
    return Note(
        note_id=row.note_id,
        instrument_id=row.instrument_id,
        label_id=row.label_id,
        event=event,
        content=row.content,
        created_at=row.created_at_utc,
        updated_at=row.updated_at_utc,
    )
