"""Labels, their assignment to instruments, and notes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at, updated_at, uuid_pk
from flexledger.db.tables.columns import one_of
from flexledger.domain.events import EventKind
from flexledger.domain.labels import name_key


def _name_key_of_insert(context: DefaultExecutionContext) -> str:
    # Inserts that give only `name` still get the key the app would write.
    parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return name_key(str(parameters["name"]))


class LabelRow(Base):
    """A theme, strategy or tax bucket that groups instruments."""

    __tablename__ = "label"
    __table_args__ = (
        UniqueConstraint("name", name="uq_label_name"),
        UniqueConstraint("name_key", name="uq_label_name_key"),
    )

    label_id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(Text, nullable=False)
    # Migration 0010: the case-folded name, so names are unique whatever their case
    # (a plain column: SQLite does not reflect expression indexes).
    name_key: Mapped[str] = mapped_column(
        Text, nullable=False, default=_name_key_of_insert
    )
    color: Mapped[str | None] = mapped_column(Text)
    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()


class InstrumentLabelRow(Base):
    """One label on one instrument."""

    __tablename__ = "instrument_label"
    __table_args__ = (
        UniqueConstraint("instrument_id", "label_id", name="uq_instrument_label_pair"),
        Index("ix_instrument_label_label_instrument", "label_id", "instrument_id"),
    )

    instrument_label_id: Mapped[uuid.UUID] = uuid_pk()
    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id", ondelete="CASCADE"), nullable=False
    )
    label_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("label.label_id", ondelete="CASCADE"), nullable=False
    )
    created_at_utc: Mapped[dt.datetime] = created_at()


class NoteRow(Base):
    """A note on an instrument, a label or a canonical event.

    Event notes (SPEC §0 P6) reference the event by kind and deterministic id with no
    foreign key: a reprocess deletes and rebuilds events with the same ids, and the
    note must survive that.
    """

    __tablename__ = "note"
    __table_args__ = (
        CheckConstraint(
            "instrument_id IS NOT NULL OR label_id IS NOT NULL OR event_id IS NOT NULL",
            name="target_required",
        ),
        CheckConstraint(
            "(event_kind IS NULL) = (event_id IS NULL)", name="event_reference_complete"
        ),
        one_of("event_kind", EventKind),
        Index("ix_note_created_at_utc", "created_at_utc"),
        Index("ix_note_instrument_created", "instrument_id", "created_at_utc"),
        Index("ix_note_label_created", "label_id", "created_at_utc"),
        Index("ix_note_event_created", "event_id", "created_at_utc"),
    )

    note_id: Mapped[uuid.UUID] = uuid_pk()
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("instrument.instrument_id", ondelete="SET NULL")
    )
    label_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("label.label_id", ondelete="SET NULL")
    )
    event_kind: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()
