"""Index raw artifacts by account and content hash, for content-level dedupe.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_raw_artifact_account_sha256",
            ["account_id", "payload_sha256"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_artifact_account_sha256")
