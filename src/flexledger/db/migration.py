"""Schema migrations: apply them, and tell whether a database is at head.

Every command checks the schema first, and importing alembic is a fifth of a
command's start-up (0.2 s), so the check reads the version table itself and
alembic is imported only to migrate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions. tests/db/test_migrations.py checks
# it against alembic's own reading of that folder, so a new migration cannot be
# left out here.
HEAD_REVISION = "0014"
_VERSION_TABLE = "alembic_version"


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
    from alembic.config import Config  # noqa: PLC0415 - see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision shipped with this release."""
    return HEAD_REVISION


def schema_state(engine: Engine) -> SchemaState:
    """Read the applied revision with a real query (None before any migration).

    Raises:
        RuntimeError: the version table names several revisions (branches,
            which this project's linear history never makes).
    """
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return SchemaState(current=None, head=HEAD_REVISION)
        applied = (
            connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}"))  # noqa: S608 - a constant name
            .scalars()
            .all()
        )
    if len(applied) > 1:
        raise RuntimeError(f"several applied revisions: {', '.join(applied)}")
    return SchemaState(current=applied[0] if applied else None, head=HEAD_REVISION)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction."""
    from alembic import command  # noqa: PLC0415 - see the module docstring

    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision` (``"base"`` empties the schema)."""
    from alembic import command  # noqa: PLC0415 - see the module docstring

    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, action: Callable[[Config], None]) -> None:
    config = _config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        action(config)
        connection.commit()
