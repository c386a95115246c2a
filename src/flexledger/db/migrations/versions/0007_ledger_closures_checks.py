"""Ledger: lot closures, checks against IBKR, snapshot and lot columns, fill flags.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:05:00

Lots and snapshots are derived and were never written before this revision; they
are emptied anyway so the new NOT NULL columns need no invented default (the ledger
rebuilds them from events).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flexledger.db.types import ExactDecimal, UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM pnl_snapshot_daily")
    op.execute("DELETE FROM position_lot")
    op.create_table(
        "ledger_check",
        sa.Column("ledger_check_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("check_kind", sa.Text(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("event_trade_fill_id", sa.Uuid(), nullable=True),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column(
            "ours",
            ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "broker",
            ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "difference",
            ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "tolerance_abs",
            ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "tolerance_rel",
            ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_trade_fill_id"],
            ["event_trade_fill.event_trade_fill_id"],
            name=op.f("fk_ledger_check_event_trade_fill_id_event_trade_fill"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_ledger_check_instrument_id_instrument"),
        ),
        sa.PrimaryKeyConstraint("ledger_check_id", name=op.f("pk_ledger_check")),
    )
    with op.batch_alter_table("ledger_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_check_instrument_date",
            ["instrument_id", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ledger_check_kind_passed", ["check_kind", "passed"], unique=False
        )

    op.create_table(
        "lot_closure",
        sa.Column("lot_closure_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("position_lot_id", sa.Uuid(), nullable=True),
        sa.Column("close_event_trade_fill_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column(
            "quantity",
            ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "cost",
            ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "proceeds",
            ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "realized_pnl",
            ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "realized_pnl_base",
            ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column(
            "opened_at_utc",
            UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "closed_at_utc",
            UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("open_date_local", sa.Date(), nullable=True),
        sa.Column("close_date_local", sa.Date(), nullable=False),
        sa.Column("holding_days", sa.Integer(), nullable=True),
        sa.Column("basis_source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('long', 'short')", name=op.f("ck_lot_closure_direction")
        ),
        sa.ForeignKeyConstraint(
            ["close_event_trade_fill_id"],
            ["event_trade_fill.event_trade_fill_id"],
            name=op.f("fk_lot_closure_close_event_trade_fill_id_event_trade_fill"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_lot_closure_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["position_lot_id"],
            ["position_lot.position_lot_id"],
            name=op.f("fk_lot_closure_position_lot_id_position_lot"),
        ),
        sa.PrimaryKeyConstraint("lot_closure_id", name=op.f("pk_lot_closure")),
    )
    with op.batch_alter_table("lot_closure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lot_closure_close_fill", ["close_event_trade_fill_id"], unique=False
        )
        batch_op.create_index(
            "ix_lot_closure_instrument_close_date",
            ["instrument_id", "close_date_local"],
            unique=False,
        )

    with op.batch_alter_table("event_trade_fill", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_cancellation",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "close_price",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )

    with op.batch_alter_table("pnl_snapshot_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_currency", sa.Text(), nullable=False))
        batch_op.add_column(
            sa.Column(
                "realized_pnl_local",
                ExactDecimal(precision=24, scale=8),
                server_default=sa.text("0"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "unrealized_pnl_local",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "mark_price",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "unresolved_cases",
                sa.Integer(),
                server_default=sa.text("0"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("diagnostic_codes", sa.Text(), nullable=True))

    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cost_basis_open_base",
                ExactDecimal(precision=24, scale=8),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("currency", sa.Text(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("cost_basis_open_base")

    with op.batch_alter_table("pnl_snapshot_daily", schema=None) as batch_op:
        batch_op.drop_column("diagnostic_codes")
        batch_op.drop_column("unresolved_cases")
        batch_op.drop_column("mark_price")
        batch_op.drop_column("unrealized_pnl_local")
        batch_op.drop_column("realized_pnl_local")
        batch_op.drop_column("local_currency")

    with op.batch_alter_table("event_trade_fill", schema=None) as batch_op:
        batch_op.drop_column("close_price")
        batch_op.drop_column("is_cancellation")

    with op.batch_alter_table("lot_closure", schema=None) as batch_op:
        batch_op.drop_index("ix_lot_closure_instrument_close_date")
        batch_op.drop_index("ix_lot_closure_close_fill")

    op.drop_table("lot_closure")
    with op.batch_alter_table("ledger_check", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_check_kind_passed")
        batch_op.drop_index("ix_ledger_check_instrument_date")

    op.drop_table("ledger_check")
