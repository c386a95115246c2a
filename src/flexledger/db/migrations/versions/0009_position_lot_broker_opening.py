"""Position lots seeded from IBKR's positions: no opening fill, no open instant.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:15:00

A history gap (shares bought before the first imported statement) can now be
filled by one opening lot taken from an OpenPositions row's costBasisMoney. Such a
lot has no opening fill and no known open instant, so both columns become
nullable, and `basis_source` says where a lot's cost came from (`lots` for a lot
an imported fill opened, `broker_position` for a seeded one). Lots are derived:
the downgrade drops the seeded ones before restoring NOT NULL, and the ledger
rebuilds them from events.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flexledger.db.types import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "basis_source",
                sa.Text(),
                server_default="lots",
                nullable=False,
            )
        )
        batch_op.alter_column(
            "open_event_trade_fill_id", existing_type=sa.Uuid(), nullable=True
        )
        batch_op.alter_column(
            "opened_at_utc", existing_type=UtcDateTime(), nullable=True
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM lot_closure WHERE position_lot_id IN "
        "(SELECT position_lot_id FROM position_lot "
        "WHERE open_event_trade_fill_id IS NULL OR opened_at_utc IS NULL)"
    )
    op.execute(
        "DELETE FROM position_lot "
        "WHERE open_event_trade_fill_id IS NULL OR opened_at_utc IS NULL"
    )
    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.alter_column(
            "opened_at_utc", existing_type=UtcDateTime(), nullable=False
        )
        batch_op.alter_column(
            "open_event_trade_fill_id", existing_type=sa.Uuid(), nullable=False
        )
        batch_op.drop_column("basis_source")
