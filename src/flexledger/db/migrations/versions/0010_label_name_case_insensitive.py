"""Label names are unique whatever their case.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:00:00

`uq_label_name` compares names byte for byte, so "Growth" and "growth" could both
exist. The new `name_key` column holds the case-folded name (the app writes it with
every name) under `uq_label_name_key`. A plain column rather than an index on
``lower(name)``: SQLite does not reflect expression indexes, so autogenerate could
not check one. The upgrade fills the key with SQL ``lower(name)`` and fails if two
existing names differ only in case; rename or merge them first.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.Text(), nullable=True))
    op.execute("UPDATE label SET name_key = lower(name)")
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint("uq_label_name_key", ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.drop_constraint("uq_label_name_key", type_="unique")
        batch_op.drop_column("name_key")
