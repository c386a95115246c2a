"""Calls made to the IBKR Flex Web Service, so every process shares IBKR's pace."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, uuid_pk
from flexledger.db.types import UtcDateTime


class FlexCallRow(Base):
    """One request sent for a token (by its fingerprint, never the token).

    Operational state, not ledger data: rows older than an hour are pruned.
    """

    __tablename__ = "flex_call"
    __table_args__ = (
        Index("ix_flex_call_token_called", "token_fingerprint", "called_at_utc"),
    )

    flex_call_id: Mapped[uuid.UUID] = uuid_pk()
    token_fingerprint: Mapped[str] = mapped_column(Text, nullable=False)
    called_at_utc: Mapped[dt.datetime] = mapped_column(UtcDateTime, nullable=False)
