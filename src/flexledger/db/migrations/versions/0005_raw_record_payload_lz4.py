"""PostgreSQL: compress raw_record.source_payload with lz4 instead of pglz.

A Flex row's attributes are about 2 kB as jsonb, just over the TOAST threshold, so
nearly every row is compressed on insert; pglz made that the largest server-side
cost of a bulk import. lz4 is several times faster at a similar size. Servers built
without lz4 keep pglz: the change is skipped, never failed. SQLite: nothing to do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.execute(
            sa.text(
                "ALTER TABLE raw_record ALTER COLUMN source_payload "
                f"SET COMPRESSION {method}"
            )
        )
    except sa.exc.DBAPIError:
        savepoint.rollback()  # this server has no lz4: pglz stays
    else:
        savepoint.commit()
