"""Instruments: one per IBKR conid per account (conid is canonical identity)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Index, Text, UniqueConstraint, Uuid, true
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at, updated_at


class InstrumentRow(Base):
    """An instrument; symbol, ISIN, CUSIP, FIGI are aliases (latest non-null wins)."""

    __tablename__ = "instrument"
    __table_args__ = (
        UniqueConstraint("account_id", "conid", name="uq_instrument_account_conid"),
        Index("ix_instrument_symbol", "symbol"),
        Index("ix_instrument_updated_at_utc", "updated_at_utc"),
    )

    # SPEC §0 P5: UUIDv5 over (account_id, conid), supplied by the mapper.
    instrument_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text, nullable=False)
    conid: Mapped[str] = mapped_column(Text, nullable=False)
    symbol: Mapped[str] = mapped_column(Text, nullable=False)
    isin: Mapped[str | None] = mapped_column(Text)
    cusip: Mapped[str | None] = mapped_column(Text)
    figi: Mapped[str | None] = mapped_column(Text)
    asset_category: Mapped[str] = mapped_column(Text, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    created_at_utc: Mapped[dt.datetime] = created_at()
    updated_at_utc: Mapped[dt.datetime] = updated_at()
