"""`Database`: the one handle on a database that other layers hold."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from flexledger.db import migration
from flexledger.db.checkpoint import WalCheckpointer
from flexledger.db.engine import make_engine, redacted_url, sqlite_file
from flexledger.db.migration import SchemaState
from flexledger.db.run_lock import hold_run_lock
from flexledger.db.session import UnitOfWork, unit_of_work
from flexledger.domain.errors import DatabaseUnavailableError, SchemaNotCurrentError


class Database:
    """An engine plus the operations the app needs on it.

    Create one per process at the composition root, pass it down, and `dispose()` it
    at shutdown. Creating it opens no connection.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        path = sqlite_file(url)
        self._checkpointer = WalCheckpointer(path) if path else None
        self._engine = make_engine(url, checkpointer=self._checkpointer)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for repositories inside the db layer and for tests."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL with the password hidden, safe to show and log."""
        return redacted_url(self.url)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """A transaction that commits on success and rolls back on any error.

        Raises:
            DatabaseUnavailableError: the database cannot be reached (or is locked
                past the busy timeout); other database errors propagate as they are.
        """
        try:
            with unit_of_work(self._engine) as uow:
                yield uow
        except OperationalError as exc:
            raise DatabaseUnavailableError(
                f"Database {self.display_url} is unavailable: {_reason(exc)}"
            ) from None

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the one-active-run lock for the block (db/run_lock.py).

        Raises:
            RunAlreadyActiveError: another process is running.
        """
        with ExitStack() as stack:
            try:
                stack.enter_context(hold_run_lock(self._engine))
            except OperationalError as exc:
                raise DatabaseUnavailableError(
                    f"Database {self.display_url} is unavailable: {_reason(exc)}"
                ) from None
            yield

    def ping(self) -> None:
        """Run a real query.

        Raises:
            DatabaseUnavailableError: when the database cannot answer.
        """
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1")).scalar_one()
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"Database {self.display_url} is unreachable: {_reason(exc)}"
            ) from None

    def schema_state(self) -> SchemaState:
        """Where the schema stands against this release's migrations.

        Raises:
            DatabaseUnavailableError: when the database cannot answer.
        """
        try:
            return migration.schema_state(self._engine)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"Database {self.display_url} is unreachable: {_reason(exc)}"
            ) from None

    def require_current_schema(self) -> None:
        """Refuse to work on a database whose schema is not at head.

        Raises:
            SchemaNotCurrentError: naming the applied and needed revisions.
            DatabaseUnavailableError: when the database cannot answer.
        """
        state = self.schema_state()
        if state.is_current:
            return
        applied = state.current or "none (empty database)"
        raise SchemaNotCurrentError(
            f"Database {self.display_url} is at schema revision {applied}; "
            f"this release needs {state.head}."
        )

    def upgrade(self, revision: str = "head") -> SchemaState:
        """Apply migrations up to `revision` and return the new state."""
        try:
            migration.upgrade(self._engine, revision)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"Migrating {self.display_url} failed: {_reason(exc)}"
            ) from None
        return self.schema_state()

    def dispose(self) -> None:
        """Close every pooled connection (SQLite: after the last checkpoint)."""
        self._engine.dispose()
        if self._checkpointer is not None:
            self._checkpointer.close()


def _reason(exc: SQLAlchemyError) -> str:
    # The driver's first line says what happened (refused, unknown host, bad
    # password) without the SQL or the parameters.
    original = getattr(exc, "orig", None) or exc
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return (
        f"{type(original).__name__}: {first_line}"
        if first_line
        else type(original).__name__
    )
