"""Let a payload's records be written before its artifact row, in one transaction.

The artifact row holds the compressed payload, which is ready only once the whole
payload has been read; its records stream in while it is read. The foreign key from
raw_record to raw_artifact becomes DEFERRABLE (INITIALLY IMMEDIATE, so every other
writer keeps the immediate check) and the bulk writer defers it for its transaction
(PostgreSQL: SET CONSTRAINTS; SQLite: PRAGMA defer_foreign_keys). On SQLite the
table is rebuilt by batch mode, its rows copied as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _replace_artifact_key(deferrable=True)


def downgrade() -> None:
    _replace_artifact_key(deferrable=False)


def _replace_artifact_key(*, deferrable: bool) -> None:
    with op.batch_alter_table("raw_record", schema=None) as batch_op:
        batch_op.drop_constraint("fk_raw_record_raw_artifact", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_raw_record_raw_artifact",
            "raw_artifact",
            ["raw_artifact_id"],
            ["raw_artifact_id"],
            ondelete="RESTRICT",
            deferrable=deferrable or None,
            initially="IMMEDIATE" if deferrable else None,
        )
