"""What links canonical rows to the raw rows behind them, and instrument history.

* `event_source`: every raw row that gave an event, not only its origin: a key that
  reappears (corrections, overlapping statements) is re-decided from all of them,
  so the result does not depend on import order, and a drilldown can show each.
* `instrument_alias`: every symbol, ISIN, CUSIP, FIGI, listing exchange… an
  instrument was seen with, and when; the instrument row holds the current ones.
* `instrument_link`: an identity change that moved an instrument to a new conid.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, PrimaryKeyConstraint, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base
from flexledger.db.tables.columns import one_of
from flexledger.domain.events import EventKind


class EventSourceRow(Base):
    """One raw row behind one canonical event."""

    __tablename__ = "event_source"
    __table_args__ = (
        PrimaryKeyConstraint("event_id", "raw_record_id"),
        one_of("event_kind", EventKind),
        Index("ix_event_source_raw_record_id", "raw_record_id"),
    )

    event_kind: Mapped[str] = mapped_column(Text, nullable=False)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    raw_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("raw_record.raw_record_id", ondelete="RESTRICT"), nullable=False
    )


class InstrumentAliasRow(Base):
    """One alias value of an instrument, with the business dates it was seen."""

    __tablename__ = "instrument_alias"
    __table_args__ = (
        PrimaryKeyConstraint("instrument_id", "alias_kind", "value"),
        Index("ix_instrument_alias_kind_value", "alias_kind", "value"),
    )

    instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id", ondelete="RESTRICT"), nullable=False
    )
    alias_kind: Mapped[str] = mapped_column(Text, nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    first_seen_local: Mapped[dt.date | None] = mapped_column(Date)
    last_seen_local: Mapped[dt.date | None] = mapped_column(Date)


class InstrumentLinkRow(Base):
    """An instrument continued under a new conid by a corporate action."""

    __tablename__ = "instrument_link"
    __table_args__ = (
        PrimaryKeyConstraint("from_instrument_id", "to_instrument_id", "action_id"),
    )

    from_instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id", ondelete="RESTRICT"), nullable=False
    )
    to_instrument_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instrument.instrument_id", ondelete="RESTRICT"), nullable=False
    )
    action_id: Mapped[str] = mapped_column(Text, nullable=False)
    reorg_code: Mapped[str] = mapped_column(Text, nullable=False)
    report_date_local: Mapped[dt.date] = mapped_column(Date, nullable=False)
    source_raw_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("raw_record.raw_record_id", ondelete="RESTRICT"), nullable=False
    )
