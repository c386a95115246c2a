"""Canonical mapping: every raw row behind an event, instrument aliases and links.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument_alias",
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("alias_kind", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("first_seen_local", sa.Date(), nullable=True),
        sa.Column("last_seen_local", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_instrument_alias_instrument_id_instrument"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "instrument_id", "alias_kind", "value", name=op.f("pk_instrument_alias")
        ),
    )
    with op.batch_alter_table("instrument_alias", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instrument_alias_kind_value", ["alias_kind", "value"], unique=False
        )

    op.create_table(
        "event_source",
        sa.Column("event_kind", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("raw_record_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "event_kind IN ('trade_fill', 'cashflow', 'fx', 'corp_action')",
            name=op.f("ck_event_source_event_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_event_source_raw_record_id_raw_record"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "raw_record_id", name=op.f("pk_event_source")
        ),
    )
    with op.batch_alter_table("event_source", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_source_raw_record_id", ["raw_record_id"], unique=False
        )

    op.create_table(
        "instrument_link",
        sa.Column("from_instrument_id", sa.Uuid(), nullable=False),
        sa.Column("to_instrument_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Text(), nullable=False),
        sa.Column("reorg_code", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("source_raw_record_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_instrument_link_from_instrument_id_instrument"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_instrument_link_source_raw_record_id_raw_record"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["to_instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_instrument_link_to_instrument_id_instrument"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "from_instrument_id",
            "to_instrument_id",
            "action_id",
            name=op.f("pk_instrument_link"),
        ),
    )


def downgrade() -> None:
    op.drop_table("instrument_link")
    with op.batch_alter_table("event_source", schema=None) as batch_op:
        batch_op.drop_index("ix_event_source_raw_record_id")

    op.drop_table("event_source")
    with op.batch_alter_table("instrument_alias", schema=None) as batch_op:
        batch_op.drop_index("ix_instrument_alias_kind_value")

    op.drop_table("instrument_alias")
