"""Store raw payloads losslessly compressed: payload_encoding and payload_size_bytes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "payload_encoding", sa.Text(), server_default="identity", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("payload_size_bytes", sa.BigInteger(), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_raw_artifact_payload_encoding"),
            "payload_encoding IN ('identity', 'gzip')",
        )


def downgrade() -> None:
    compressed = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT COUNT(*) FROM raw_artifact WHERE payload_encoding <> 'identity'"
            )
        )
        .scalar_one()
    )
    if compressed:
        # Dropping the column would make those payloads unreadable: raw data is kept.
        raise RuntimeError(
            f"{compressed} raw artifacts are stored compressed; downgrading below "
            "0003 would lose how to read them"
        )
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_raw_artifact_payload_encoding"), type_="check"
        )
        batch_op.drop_column("payload_size_bytes")
        batch_op.drop_column("payload_encoding")
