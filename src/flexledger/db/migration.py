"""Schema migrations: apply them, and tell whether a database is at head."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database stands against this release's migrations.

    Attributes:
        current: the applied revision, or None for an empty database.
        head: the newest revision this release ships.
    """

    current: str | None
    head: str

    @property
    def is_current(self) -> bool:
        """Whether the database is at head."""
        return self.current == self.head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision shipped with this release."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a baseline
        raise RuntimeError("no migrations found")
    return head


def schema_state(engine: Engine) -> SchemaState:
    """Read the applied revision with a real query."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head_revision())


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction."""
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision` (``"base"`` empties the schema)."""
    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, action: Callable[[Config], None]) -> None:
    config = _config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        action(config)
        connection.commit()
