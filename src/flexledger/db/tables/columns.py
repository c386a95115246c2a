"""Column and constraint shapes repeated across tables."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, CheckConstraint
from sqlalchemy.dialects.postgresql import JSONB

# jsonb on PostgreSQL (SCHEMA), JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def one_of(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK that `column` holds one of the enum's values (SCHEMA: text + CHECK).

    The constraint is named after the column, giving ``ck_<table>_<column>``.
    """
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)
