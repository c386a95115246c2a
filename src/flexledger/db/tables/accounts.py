"""The account, its identity and base currency fixed on first import (SPEC §0 P3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base, created_at


class AccountRow(Base):
    """One IBKR account; a later statement or setting that disagrees is refused."""

    __tablename__ = "account"

    account_id: Mapped[str] = mapped_column(Text, primary_key=True)
    base_currency: Mapped[str] = mapped_column(Text, nullable=False)
    created_at_utc: Mapped[dt.datetime] = created_at()
