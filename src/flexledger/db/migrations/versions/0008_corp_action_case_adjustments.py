"""Corporate-action cases: the quantity and cost adjustments a resolution records.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:40:00

Both columns are nullable: open and dismissed cases carry none, and cases resolved
before this revision had no way to record them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flexledger.db.types import ExactDecimal

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("corp_action_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "quantity_adjustment",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "cost_adjustment",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("corp_action_case", schema=None) as batch_op:
        batch_op.drop_column("cost_adjustment")
        batch_op.drop_column("quantity_adjustment")
