"""A change token per table the report caches read, moved by database triggers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from flexledger.db.base import Base


class DataVersionRow(Base):
    """One watched table and a token that changes with every write to it.

    Written by the triggers of migration 0012, in the writing transaction,
    whichever process or code path writes, and on SQLite for the tables runs
    write in bulk by their repositories (migration 0013): readers in any process
    compare tokens instead of counting rows. Random rather than counted, so a
    restored backup (older tokens) never replays a token a cache saw for other
    data.
    """

    __tablename__ = "data_version"

    table_name: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
