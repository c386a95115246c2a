"""Labels and their assignment to instruments.

Names are unique whatever their case: `name_key` (the case-folded name, migration
0010) carries a unique key, and a clash answers DuplicateLabelError rather than a
database error, also when two requests race. Deleting a label removes its
instrument assignments and the notes whose only target it was (SCHEMA.md: the
`SET NULL` foreign key would otherwise leave a note with no target and fail).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Result, Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import InstrumentLabelRow, InstrumentRow, LabelRow, NoteRow
from flexledger.domain.errors import DuplicateLabelError, NotFoundError
from flexledger.domain.labels import Label, label_color, label_name, name_key

# SPEC §12 / R3: sort keys come from this allowlist, never from the request text.
LABEL_SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "name": LabelRow.name_key,
    "created_at_utc": LabelRow.created_at_utc,
}


@dataclass(frozen=True, slots=True)
class LabelFilter:
    """Filters of the labels list; None means "any".

    Attributes:
        search: a case-insensitive substring of the name.
    """

    search: str | None = None


@dataclass(frozen=True, slots=True)
class LabelRemoval:
    """What deleting a label removed besides the label itself."""

    label_id: uuid.UUID
    instrument_assignments: int
    notes: int


class LabelRepository:
    """Labels, with the number of instruments each is assigned to."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def list_labels(
        self,
        filters: LabelFilter,
        *,
        sort_by: str = "name",
        sort_dir: str = "asc",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[Label], int]:
        """One page of labels (all when `limit` is None) and the total count.

        Names sort case-insensitively; the label id breaks ties, in the direction
        asked.
        """
        conditions: list[ColumnElement[bool]] = []
        if filters.search:
            conditions.append(
                LabelRow.name_key.contains(name_key(filters.search), autoescape=True)
            )
        column = LABEL_SORT_COLUMNS[sort_by]
        tie_break = LabelRow.label_id
        if sort_dir == "desc":
            ordering = (column.desc(), tie_break.desc())
        else:
            ordering = (column.asc(), tie_break.asc())
        total = self._session.execute(
            select(func.count()).select_from(LabelRow).where(*conditions)
        ).scalar_one()
        statement = _with_count().where(*conditions).order_by(*ordering)
        if limit is not None:
            statement = statement.limit(limit)
        rows = self._session.execute(statement.offset(offset))
        return [_to_domain(row, count) for row, count in rows], total

    def get(self, label_id: uuid.UUID) -> Label:
        """The label with this id.

        Raises:
            NotFoundError: no such label.
        """
        row = self._session.execute(
            _with_count()
            .where(LabelRow.label_id == label_id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None:
            raise _label_not_found(label_id)
        label, count = row
        return _to_domain(label, count)

    def create(self, name: str, *, color: str | None, at: dt.datetime) -> Label:
        """A new label.

        Raises:
            InvalidRequestError: INVALID_LABEL, a blank or over-long name.
            DuplicateLabelError: a label has that name already, in any case.
        """
        text = label_name(name)
        self._refuse_duplicate(text, None)
        row = LabelRow(
            name=text,
            name_key=name_key(text),
            color=label_color(color),
            created_at_utc=at,
            updated_at_utc=at,
        )
        self._flush_unique(text, lambda: self._session.add(row))
        return self.get(row.label_id)

    def update(
        self,
        label_id: uuid.UUID,
        *,
        at: dt.datetime,
        name: str | None = None,
        color: str | None = None,
        set_color: bool = False,
    ) -> Label:
        """Rename a label and/or change its color (`set_color`: None clears it).

        Raises:
            NotFoundError: no such label.
            InvalidRequestError: INVALID_LABEL, a blank or over-long name.
            DuplicateLabelError: another label has that name, in any case.
        """
        row = self._session.get(LabelRow, label_id, populate_existing=True)
        if row is None:
            raise _label_not_found(label_id)
        if name is not None:
            text = label_name(name)
            self._refuse_duplicate(text, label_id)
            row.name = text
            row.name_key = name_key(text)
        if set_color:
            row.color = label_color(color)
        row.updated_at_utc = at
        self._flush_unique(row.name, lambda: None)
        return self.get(label_id)

    def delete(self, label_id: uuid.UUID) -> LabelRemoval:
        """Delete a label, its assignments, and the notes only it was the target of.

        Raises:
            NotFoundError: no such label.
        """
        self.get(label_id)
        assignments = _count(
            self._session.execute(
                delete(InstrumentLabelRow)
                .where(InstrumentLabelRow.label_id == label_id)
                .returning(InstrumentLabelRow.instrument_label_id)
                .execution_options(synchronize_session=False)
            )
        )
        notes = _count(
            self._session.execute(
                delete(NoteRow)
                .where(
                    NoteRow.label_id == label_id,
                    NoteRow.instrument_id.is_(None),
                    NoteRow.event_id.is_(None),
                )
                .returning(NoteRow.note_id)
                .execution_options(synchronize_session=False)
            )
        )
        self._session.execute(
            delete(LabelRow)
            .where(LabelRow.label_id == label_id)
            .execution_options(synchronize_session=False)
        )
        return LabelRemoval(label_id, assignments, notes)

    def assign(self, instrument_id: uuid.UUID, label_id: uuid.UUID) -> bool:
        """Put a label on an instrument; False when it was there already.

        Raises:
            NotFoundError: no such instrument or label.
        """
        self._require_pair(instrument_id, label_id)
        if self._assigned(instrument_id, label_id):
            return False
        try:
            with self._session.begin_nested():
                self._session.add(
                    InstrumentLabelRow(instrument_id=instrument_id, label_id=label_id)
                )
        except IntegrityError:
            # A concurrent request assigned it first: the outcome is the same.
            return False
        return True

    def unassign(self, instrument_id: uuid.UUID, label_id: uuid.UUID) -> bool:
        """Take a label off an instrument; False when it was not there.

        Raises:
            NotFoundError: no such instrument or label.
        """
        self._require_pair(instrument_id, label_id)
        removed = _count(
            self._session.execute(
                delete(InstrumentLabelRow)
                .where(
                    InstrumentLabelRow.instrument_id == instrument_id,
                    InstrumentLabelRow.label_id == label_id,
                )
                .returning(InstrumentLabelRow.instrument_label_id)
                .execution_options(synchronize_session=False)
            )
        )
        return bool(removed)

    def exists(self, label_id: uuid.UUID) -> bool:
        """Whether the label exists."""
        return (
            self._session.scalar(
                select(LabelRow.label_id).where(LabelRow.label_id == label_id)
            )
            is not None
        )

    def _assigned(self, instrument_id: uuid.UUID, label_id: uuid.UUID) -> bool:
        return (
            self._session.scalar(
                select(InstrumentLabelRow.instrument_label_id).where(
                    InstrumentLabelRow.instrument_id == instrument_id,
                    InstrumentLabelRow.label_id == label_id,
                )
            )
            is not None
        )

    def _require_pair(self, instrument_id: uuid.UUID, label_id: uuid.UUID) -> None:
        if not instrument_exists(self._session, instrument_id):
            raise instrument_not_found(instrument_id)
        if not self.exists(label_id):
            raise _label_not_found(label_id)

    def _refuse_duplicate(self, name: str, own_id: uuid.UUID | None) -> None:
        conditions = [LabelRow.name_key == name_key(name)]
        if own_id is not None:
            conditions.append(LabelRow.label_id != own_id)
        clash = self._session.scalar(select(LabelRow.name).where(*conditions))
        if clash is not None:
            raise _duplicate(name, clash)

    def _flush_unique(self, name: str, change: Callable[[], None]) -> None:
        try:
            with self._session.begin_nested():
                change()
        except IntegrityError:
            # Another request took the name between the check and the write.
            raise _duplicate(name, name) from None


def instrument_exists(session: Session, instrument_id: uuid.UUID) -> bool:
    """Whether the instrument exists (for the label and note repositories)."""
    found = session.scalar(
        select(InstrumentRow.instrument_id).where(
            InstrumentRow.instrument_id == instrument_id
        )
    )
    return found is not None


def instrument_not_found(instrument_id: uuid.UUID) -> NotFoundError:
    """NOT_FOUND for an unknown instrument."""
    return NotFoundError(
        f"No instrument {instrument_id}.",
        hint="GET /instruments lists the instruments and their ids.",
    )


def _label_not_found(label_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(
        f"No label {label_id}.",
        hint="`flexledger labels list` or GET /labels lists the labels and their ids.",
    )


def _duplicate(name: str, existing: str) -> DuplicateLabelError:
    return DuplicateLabelError(f"A label named {existing!r} exists already ({name!r}).")


def _with_count() -> Select[LabelRow, int]:
    counts = (
        select(
            InstrumentLabelRow.label_id,
            func.count().label("instrument_count"),
        )
        .group_by(InstrumentLabelRow.label_id)
        .subquery()
    )
    return select(LabelRow, func.coalesce(counts.c.instrument_count, 0)).join(
        counts, counts.c.label_id == LabelRow.label_id, isouter=True
    )


def _count(result: Result[Any]) -> int:
    return len(result.all())


def _to_domain(row: LabelRow, count: int) -> Label:
    return Label(
        label_id=row.label_id,
        name=row.name,
        color=row.color,
        instrument_count=int(count),
        created_at=row.created_at_utc,
        updated_at=row.updated_at_utc,
    )
