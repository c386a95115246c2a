"""Labels: list, create, rename or recolor, delete, and put them on instruments.

Each call is one unit of work. Labels change no ledger rows: a by-label report sums
its member instruments when it is read, so nothing is recomputed here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flexledger.db.database import Database
from flexledger.db.repositories.labels import (
    LabelFilter,
    LabelRemoval,
    LabelRepository,
)
from flexledger.domain.clock import utc_now
from flexledger.domain.labels import Label

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class LabelPage:
    """One page of labels and how many match in all."""

    labels: list[Label]
    total: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """A label on an instrument, and whether this call changed anything."""

    instrument_id: uuid.UUID
    label_id: uuid.UUID
    assigned: bool
    changed: bool


def list_labels(
    database: Database,
    filters: LabelFilter | None = None,
    *,
    sort_by: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    offset: int = 0,
) -> LabelPage:
    """Labels matching `filters`, by name by default (all when `limit` is None)."""
    with database.unit_of_work() as uow:
        labels, total = LabelRepository(uow).list_labels(
            filters or LabelFilter(),
            sort_by=sort_by,
            sort_dir=sort_dir,
            limit=limit,
            offset=offset,
        )
    return LabelPage(labels, total)


def get_label(database: Database, label_id: uuid.UUID) -> Label:
    """One label.

    Raises:
        NotFoundError: no such label.
    """
    with database.unit_of_work() as uow:
        return LabelRepository(uow).get(label_id)


def create_label(
    database: Database,
    name: str,
    *,
    color: str | None = None,
    clock: Clock = utc_now,
) -> Label:
    """A new label.

    Raises:
        InvalidRequestError: INVALID_LABEL, a blank or over-long name.
        DuplicateLabelError: a label has that name already, in any case.
    """
    with database.unit_of_work() as uow:
        return LabelRepository(uow).create(name, color=color, at=clock())


def update_label(
    database: Database,
    label_id: uuid.UUID,
    *,
    name: str | None = None,
    color: str | None = None,
    set_color: bool = False,
    clock: Clock = utc_now,
) -> Label:
    """Rename a label and/or change its color (`set_color` with None clears it).

    Raises:
        NotFoundError: no such label.
        InvalidRequestError: INVALID_LABEL, a blank or over-long name.
        DuplicateLabelError: another label has that name, in any case.
    """
    with database.unit_of_work() as uow:
        return LabelRepository(uow).update(
            label_id, at=clock(), name=name, color=color, set_color=set_color
        )


def delete_label(database: Database, label_id: uuid.UUID) -> LabelRemoval:
    """Delete a label with its assignments and the notes only it was the target of.

    Raises:
        NotFoundError: no such label.
    """
    with database.unit_of_work() as uow:
        return LabelRepository(uow).delete(label_id)


def assign_label(
    database: Database, instrument_id: uuid.UUID, label_id: uuid.UUID
) -> Assignment:
    """Put a label on an instrument (idempotent).

    Raises:
        NotFoundError: no such instrument or label.
    """
    with database.unit_of_work() as uow:
        changed = LabelRepository(uow).assign(instrument_id, label_id)
    return Assignment(instrument_id, label_id, assigned=True, changed=changed)


def unassign_label(
    database: Database, instrument_id: uuid.UUID, label_id: uuid.UUID
) -> Assignment:
    """Take a label off an instrument (idempotent).

    Raises:
        NotFoundError: no such instrument or label.
    """
    with database.unit_of_work() as uow:
        changed = LabelRepository(uow).unassign(instrument_id, label_id)
    return Assignment(instrument_id, label_id, assigned=False, changed=changed)
