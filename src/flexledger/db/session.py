"""The unit of work: one transaction owned by the caller (ARCHITECTURE §5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session


class UnitOfWork:
    """One open transaction; repositories are built on `session` and never commit.

    Attributes:
        session: the SQLAlchemy session, for repositories inside the db layer only.
    """

    def __init__(self, session: Session) -> None:
        self.session = session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[UnitOfWork]:
    """Open a transaction that commits when the block ends and rolls back on error.

    Any exception, including KeyboardInterrupt, rolls back everything the block wrote,
    so a failed operation leaves no partial state behind.
    """
    with Session(engine, expire_on_commit=False, autoflush=True) as session:
        try:
            yield UnitOfWork(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
