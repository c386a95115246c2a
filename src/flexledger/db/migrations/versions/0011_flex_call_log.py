"""The Flex call log: IBKR's per-token pace shared by every process.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00

One row per request sent to the Flex Web Service, keyed by the token's short
fingerprint (never the token). The client reads the last minute of it before each
call, so a cron fetch and a "fetch now" in another process share the budget of
10 calls a minute; rows older than an hour are pruned as calls are recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flexledger.db.types import UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flex_call",
        sa.Column("flex_call_id", sa.Uuid(), nullable=False),
        sa.Column("token_fingerprint", sa.Text(), nullable=False),
        sa.Column("called_at_utc", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("flex_call_id", name=op.f("pk_flex_call")),
    )
    with op.batch_alter_table("flex_call", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flex_call_token_called",
            ["token_fingerprint", "called_at_utc"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("flex_call", schema=None) as batch_op:
        batch_op.drop_index("ix_flex_call_token_called")
    op.drop_table("flex_call")
