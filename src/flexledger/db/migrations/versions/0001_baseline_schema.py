"""Baseline: the full MVP schema of SCHEMA.md on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-12-01 08:45:56.969552
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flexledger.db.types
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("base_currency", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account")),
    )
    op.create_table(
        "ingestion_run",
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("run_type", sa.Text(), server_default="scheduled", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("period_key", sa.Text(), nullable=False),
        sa.Column("flex_query_id", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=True),
        sa.Column(
            "started_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=False,
        ),
        sa.Column(
            "ended_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=True,
        ),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "diagnostics",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "run_type IN ('scheduled', 'manual', 'reprocess')",
            name=op.f("ck_ingestion_run_run_type"),
        ),
        sa.CheckConstraint(
            "status IN ('started', 'success', 'failed')",
            name=op.f("ck_ingestion_run_status"),
        ),
        sa.PrimaryKeyConstraint("ingestion_run_id", name=op.f("pk_ingestion_run")),
    )
    with op.batch_alter_table("ingestion_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ingestion_run_started_ingestion_run",
            ["started_at_utc", "ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ingestion_run_status_started",
            ["status", "started_at_utc"],
            unique=False,
        )
        batch_op.create_index(
            "uq_ingestion_run_account_started",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status = 'started'"),
            postgresql_where=sa.text("status = 'started'"),
        )

    op.create_table(
        "instrument",
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("conid", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("isin", sa.Text(), nullable=True),
        sa.Column("cusip", sa.Text(), nullable=True),
        sa.Column("figi", sa.Text(), nullable=True),
        sa.Column("asset_category", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("instrument_id", name=op.f("pk_instrument")),
        sa.UniqueConstraint("account_id", "conid", name="uq_instrument_account_conid"),
    )
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.create_index("ix_instrument_symbol", ["symbol"], unique=False)
        batch_op.create_index(
            "ix_instrument_updated_at_utc", ["updated_at_utc"], unique=False
        )

    op.create_table(
        "label",
        sa.Column("label_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("color", sa.Text(), nullable=True),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("label_id", name=op.f("pk_label")),
        sa.UniqueConstraint("name", name="uq_label_name"),
    )
    op.create_table(
        "corp_action_case",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("action_id", sa.Text(), nullable=True),
        sa.Column("action_type", sa.Text(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column(
            "resolved_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=True,
        ),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status = 'open' OR (resolution_note IS NOT NULL AND resolved_at_utc IS NOT NULL)",
            name=op.f("ck_corp_action_case_closed_case_explained"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'dismissed')",
            name=op.f("ck_corp_action_case_status"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_corp_action_case_instrument_id_instrument"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_corp_action_case")),
    )
    with op.batch_alter_table("corp_action_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_corp_action_case_status_created",
            ["status", "created_at_utc"],
            unique=False,
        )
        batch_op.create_index(
            "uq_corp_action_case_account_action",
            ["account_id", "action_id"],
            unique=True,
            sqlite_where=sa.text("action_id IS NOT NULL"),
            postgresql_where=sa.text("action_id IS NOT NULL"),
        )

    op.create_table(
        "instrument_label",
        sa.Column("instrument_label_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("label_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_instrument_label_instrument_id_instrument"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["label.label_id"],
            name=op.f("fk_instrument_label_label_id_label"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "instrument_label_id", name=op.f("pk_instrument_label")
        ),
        sa.UniqueConstraint(
            "instrument_id", "label_id", name="uq_instrument_label_pair"
        ),
    )
    with op.batch_alter_table("instrument_label", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instrument_label_label_instrument",
            ["label_id", "instrument_id"],
            unique=False,
        )

    op.create_table(
        "note",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=True),
        sa.Column("label_id", sa.Uuid(), nullable=True),
        sa.Column("event_kind", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "event_kind IN ('trade_fill', 'cashflow', 'fx', 'corp_action')",
            name=op.f("ck_note_event_kind"),
        ),
        sa.CheckConstraint(
            "(event_kind IS NULL) = (event_id IS NULL)",
            name=op.f("ck_note_event_reference_complete"),
        ),
        sa.CheckConstraint(
            "instrument_id IS NOT NULL OR label_id IS NOT NULL OR event_id IS NOT NULL",
            name=op.f("ck_note_target_required"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_note_instrument_id_instrument"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["label.label_id"],
            name=op.f("fk_note_label_id_label"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("note_id", name=op.f("pk_note")),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_note_created_at_utc", ["created_at_utc"], unique=False
        )
        batch_op.create_index(
            "ix_note_event_created", ["event_id", "created_at_utc"], unique=False
        )
        batch_op.create_index(
            "ix_note_instrument_created",
            ["instrument_id", "created_at_utc"],
            unique=False,
        )
        batch_op.create_index(
            "ix_note_label_created", ["label_id", "created_at_utc"], unique=False
        )

    op.create_table(
        "pnl_snapshot_daily",
        sa.Column("pnl_snapshot_daily_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column(
            "position_qty",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "cost_basis",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "realized_pnl",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "unrealized_pnl",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "total_pnl",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "fees",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "withholding_tax",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "dividends",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "other_fees",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column(
            "provisional", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("valuation_source", sa.Text(), nullable=True),
        sa.Column("fx_source", sa.Text(), nullable=True),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_pnl_snapshot_daily_ingestion_run_id_ingestion_run"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_pnl_snapshot_daily_instrument_id_instrument"),
        ),
        sa.PrimaryKeyConstraint(
            "pnl_snapshot_daily_id", name=op.f("pk_pnl_snapshot_daily")
        ),
        sa.UniqueConstraint(
            "account_id",
            "report_date_local",
            "instrument_id",
            name="uq_pnl_snapshot_daily_account_date_instrument",
        ),
    )
    with op.batch_alter_table("pnl_snapshot_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pnl_snapshot_daily_provisional_report_date",
            ["provisional", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            "ix_pnl_snapshot_daily_report_date_instrument",
            ["report_date_local", "instrument_id"],
            unique=False,
        )

    op.create_table(
        "raw_artifact",
        sa.Column("raw_artifact_id", sa.Uuid(), nullable=False),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("period_key", sa.Text(), nullable=False),
        sa.Column("flex_query_id", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=True),
        sa.Column("source_payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_raw_artifact_ingestion_run_id_ingestion_run"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("raw_artifact_id", name=op.f("pk_raw_artifact")),
        sa.UniqueConstraint(
            "account_id",
            "period_key",
            "flex_query_id",
            "payload_sha256",
            name="uq_raw_artifact_account_period_query_sha256",
        ),
    )
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_raw_artifact_created_at_utc", ["created_at_utc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_raw_artifact_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )

    op.create_table(
        "raw_record",
        sa.Column("raw_record_id", sa.Uuid(), nullable=False),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("raw_artifact_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("period_key", sa.Text(), nullable=False),
        sa.Column("flex_query_id", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=True),
        sa.Column("section_name", sa.Text(), nullable=False),
        sa.Column("source_row_ref", sa.Text(), nullable=False),
        sa.Column(
            "source_payload",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_raw_record_ingestion_run_id_ingestion_run"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["raw_artifact_id"],
            ["raw_artifact.raw_artifact_id"],
            name="fk_raw_record_raw_artifact",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("raw_record_id", name=op.f("pk_raw_record")),
        sa.UniqueConstraint(
            "raw_artifact_id",
            "section_name",
            "source_row_ref",
            name="uq_raw_record_artifact_section_source_ref",
        ),
    )
    with op.batch_alter_table("raw_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_raw_record_created_at_utc", ["created_at_utc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_raw_record_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_raw_record_payload_dedupe",
            ["period_key", "flex_query_id", "payload_sha256"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_raw_record_section_name"), ["section_name"], unique=False
        )

    op.create_table(
        "event_cashflow",
        sa.Column("event_cashflow_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=True),
        sa.Column("transaction_id", sa.Text(), nullable=False),
        sa.Column("cash_action", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column(
            "effective_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=True,
        ),
        sa.Column(
            "amount",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "amount_in_base",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("functional_currency", sa.Text(), nullable=False),
        sa.Column(
            "withholding_tax",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "fees",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "is_correction",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
        sa.Column("action_id", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("source_raw_record_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "cash_action IN ('DIVIDEND', 'PAYMENT_IN_LIEU', 'WITHHOLDING_TAX', 'WITHHOLDING_871M', 'OTHER_FEES', 'BROKER_FEES', 'ADVISOR_FEES', 'COMMISSION_ADJUSTMENT', 'BROKER_INTEREST_PAID', 'BROKER_INTEREST_RECEIVED', 'BOND_INTEREST_PAID', 'BOND_INTEREST_RECEIVED', 'DEPOSIT_WITHDRAWAL', 'PRICE_ADJUSTMENT', 'OTHER')",
            name=op.f("ck_event_cashflow_cash_action"),
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_event_cashflow_ingestion_run_id_ingestion_run"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_event_cashflow_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["source_raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_event_cashflow_source_raw_record_id_raw_record"),
        ),
        sa.PrimaryKeyConstraint("event_cashflow_id", name=op.f("pk_event_cashflow")),
        sa.UniqueConstraint(
            "account_id",
            "transaction_id",
            "cash_action",
            "currency",
            name="uq_event_cashflow_account_txn_action_ccy",
        ),
    )
    with op.batch_alter_table("event_cashflow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_cashflow_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_event_cashflow_instrument_report_date",
            ["instrument_id", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_event_cashflow_source_raw_record_id"),
            ["source_raw_record_id"],
            unique=False,
        )

    op.create_table(
        "event_corp_action",
        sa.Column("event_corp_action_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=True),
        sa.Column("conid", sa.Text(), nullable=False),
        sa.Column("action_id", sa.Text(), nullable=True),
        sa.Column("transaction_id", sa.Text(), nullable=True),
        sa.Column("reorg_code", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "requires_manual",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
        sa.Column(
            "provisional", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("manual_case_id", sa.Uuid(), nullable=True),
        sa.Column(
            "quantity",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "amount",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "proceeds",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("source_raw_record_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action_id IS NOT NULL OR transaction_id IS NOT NULL",
            name=op.f("ck_event_corp_action_key_present"),
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_event_corp_action_ingestion_run_id_ingestion_run"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_event_corp_action_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["manual_case_id"],
            ["corp_action_case.case_id"],
            name=op.f("fk_event_corp_action_manual_case_id_corp_action_case"),
        ),
        sa.ForeignKeyConstraint(
            ["source_raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_event_corp_action_source_raw_record_id_raw_record"),
        ),
        sa.PrimaryKeyConstraint(
            "event_corp_action_id", name=op.f("pk_event_corp_action")
        ),
        sa.UniqueConstraint(
            "account_id",
            "action_id",
            "conid",
            "transaction_id",
            name="uq_event_corp_action_leg",
            postgresql_nulls_not_distinct=True,
        ),
        sa.UniqueConstraint(
            "account_id",
            "transaction_id",
            "conid",
            "report_date_local",
            "reorg_code",
            name="uq_event_corp_action_fallback",
        ),
    )
    with op.batch_alter_table("event_corp_action", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_corp_action_account_action",
            ["account_id", "action_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_event_corp_action_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_event_corp_action_instrument_report_date",
            ["instrument_id", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_event_corp_action_source_raw_record_id"),
            ["source_raw_record_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_event_corp_action_leg_no_action",
            ["account_id", "conid", "transaction_id"],
            unique=True,
            sqlite_where=sa.text("action_id IS NULL"),
            postgresql_where=sa.text("action_id IS NULL"),
        )
        batch_op.create_index(
            "uq_event_corp_action_leg_no_txn",
            ["account_id", "action_id", "conid"],
            unique=True,
            sqlite_where=sa.text("transaction_id IS NULL"),
            postgresql_where=sa.text("transaction_id IS NULL"),
        )

    op.create_table(
        "event_fx",
        sa.Column("event_fx_id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", sa.Text(), nullable=False),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("functional_currency", sa.Text(), nullable=False),
        sa.Column(
            "fx_rate",
            flexledger.db.types.ExactDecimal(precision=24, scale=10),
            nullable=True,
        ),
        sa.Column("fx_source", sa.Text(), nullable=False),
        sa.Column(
            "provisional", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("diagnostic_code", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("source_raw_record_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "fx_source IN ('trade_fx_rate_to_base', 'derived_net_cash_ratio', 'conversion_rates', 'identity_base', 'missing')",
            name=op.f("ck_event_fx_fx_source"),
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_event_fx_ingestion_run_id_ingestion_run"),
        ),
        sa.ForeignKeyConstraint(
            ["source_raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_event_fx_source_raw_record_id_raw_record"),
        ),
        sa.PrimaryKeyConstraint("event_fx_id", name=op.f("pk_event_fx")),
        sa.UniqueConstraint(
            "account_id",
            "transaction_id",
            "currency",
            "functional_currency",
            name="uq_event_fx_account_txn_ccy_pair",
        ),
    )
    with op.batch_alter_table("event_fx", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_fx_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_event_fx_pair_report_date",
            ["currency", "functional_currency", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            "ix_event_fx_report_date_local", ["report_date_local"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_fx_source_raw_record_id"),
            ["source_raw_record_id"],
            unique=False,
        )

    op.create_table(
        "event_trade_fill",
        sa.Column("event_trade_fill_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("ib_exec_id", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Text(), nullable=True),
        sa.Column(
            "trade_timestamp_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=False,
        ),
        sa.Column("report_date_local", sa.Date(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column(
            "quantity",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "price",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "cost",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "commission",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "fees",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "realized_pnl",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "net_cash",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "net_cash_in_base",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=True,
        ),
        sa.Column(
            "fx_rate_to_base",
            flexledger.db.types.ExactDecimal(precision=24, scale=10),
            nullable=True,
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("functional_currency", sa.Text(), nullable=False),
        sa.Column("commission_currency", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("ingestion_run_id", sa.Uuid(), nullable=False),
        sa.Column("source_raw_record_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "side IN ('BUY', 'SELL')", name=op.f("ck_event_trade_fill_side")
        ),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_run.ingestion_run_id"],
            name=op.f("fk_event_trade_fill_ingestion_run_id_ingestion_run"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_event_trade_fill_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["source_raw_record_id"],
            ["raw_record.raw_record_id"],
            name=op.f("fk_event_trade_fill_source_raw_record_id_raw_record"),
        ),
        sa.PrimaryKeyConstraint(
            "event_trade_fill_id", name=op.f("pk_event_trade_fill")
        ),
        sa.UniqueConstraint(
            "account_id", "ib_exec_id", name="uq_event_trade_fill_account_exec"
        ),
    )
    with op.batch_alter_table("event_trade_fill", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_trade_fill_ingestion_run_id"),
            ["ingestion_run_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_event_trade_fill_instrument_report_date",
            ["instrument_id", "report_date_local"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_event_trade_fill_source_raw_record_id"),
            ["source_raw_record_id"],
            unique=False,
        )

    op.create_table(
        "position_lot",
        sa.Column("position_lot_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("open_event_trade_fill_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column(
            "opened_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=False,
        ),
        sa.Column(
            "closed_at_utc",
            flexledger.db.types.UtcDateTime(),
            nullable=True,
        ),
        sa.Column(
            "open_quantity",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "remaining_quantity",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "open_price",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "cost_basis_open",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            nullable=False,
        ),
        sa.Column(
            "realized_pnl_to_date",
            flexledger.db.types.ExactDecimal(precision=24, scale=8),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column(
            "created_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at_utc",
            flexledger.db.types.UtcDateTime(),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "direction IN ('long', 'short')", name=op.f("ck_position_lot_direction")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_position_lot_status")
        ),
        sa.CheckConstraint(
            "CAST(remaining_quantity AS NUMERIC) >= 0",
            name=op.f("ck_position_lot_remaining_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.instrument_id"],
            name=op.f("fk_position_lot_instrument_id_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["open_event_trade_fill_id"],
            ["event_trade_fill.event_trade_fill_id"],
            name=op.f("fk_position_lot_open_event_trade_fill_id_event_trade_fill"),
        ),
        sa.PrimaryKeyConstraint("position_lot_id", name=op.f("pk_position_lot")),
    )
    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_position_lot_account_instrument",
            ["account_id", "instrument_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_position_lot_instrument_status",
            ["instrument_id", "status"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("position_lot", schema=None) as batch_op:
        batch_op.drop_index("ix_position_lot_instrument_status")
        batch_op.drop_index("ix_position_lot_account_instrument")

    op.drop_table("position_lot")
    with op.batch_alter_table("event_trade_fill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_trade_fill_source_raw_record_id"))
        batch_op.drop_index("ix_event_trade_fill_instrument_report_date")
        batch_op.drop_index(batch_op.f("ix_event_trade_fill_ingestion_run_id"))

    op.drop_table("event_trade_fill")
    with op.batch_alter_table("event_fx", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_fx_source_raw_record_id"))
        batch_op.drop_index("ix_event_fx_report_date_local")
        batch_op.drop_index("ix_event_fx_pair_report_date")
        batch_op.drop_index(batch_op.f("ix_event_fx_ingestion_run_id"))

    op.drop_table("event_fx")
    with op.batch_alter_table("event_corp_action", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_event_corp_action_leg_no_txn",
            sqlite_where=sa.text("transaction_id IS NULL"),
            postgresql_where=sa.text("transaction_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_event_corp_action_leg_no_action",
            sqlite_where=sa.text("action_id IS NULL"),
            postgresql_where=sa.text("action_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_event_corp_action_source_raw_record_id"))
        batch_op.drop_index("ix_event_corp_action_instrument_report_date")
        batch_op.drop_index(batch_op.f("ix_event_corp_action_ingestion_run_id"))
        batch_op.drop_index("ix_event_corp_action_account_action")

    op.drop_table("event_corp_action")
    with op.batch_alter_table("event_cashflow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_cashflow_source_raw_record_id"))
        batch_op.drop_index("ix_event_cashflow_instrument_report_date")
        batch_op.drop_index(batch_op.f("ix_event_cashflow_ingestion_run_id"))

    op.drop_table("event_cashflow")
    with op.batch_alter_table("raw_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_record_section_name"))
        batch_op.drop_index("ix_raw_record_payload_dedupe")
        batch_op.drop_index(batch_op.f("ix_raw_record_ingestion_run_id"))
        batch_op.drop_index("ix_raw_record_created_at_utc")

    op.drop_table("raw_record")
    with op.batch_alter_table("raw_artifact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_artifact_ingestion_run_id"))
        batch_op.drop_index("ix_raw_artifact_created_at_utc")

    op.drop_table("raw_artifact")
    with op.batch_alter_table("pnl_snapshot_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_pnl_snapshot_daily_report_date_instrument")
        batch_op.drop_index("ix_pnl_snapshot_daily_provisional_report_date")

    op.drop_table("pnl_snapshot_daily")
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index("ix_note_label_created")
        batch_op.drop_index("ix_note_instrument_created")
        batch_op.drop_index("ix_note_event_created")
        batch_op.drop_index("ix_note_created_at_utc")

    op.drop_table("note")
    with op.batch_alter_table("instrument_label", schema=None) as batch_op:
        batch_op.drop_index("ix_instrument_label_label_instrument")

    op.drop_table("instrument_label")
    with op.batch_alter_table("corp_action_case", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_corp_action_case_account_action",
            sqlite_where=sa.text("action_id IS NOT NULL"),
            postgresql_where=sa.text("action_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_corp_action_case_status_created")

    op.drop_table("corp_action_case")
    op.drop_table("label")
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.drop_index("ix_instrument_updated_at_utc")
        batch_op.drop_index("ix_instrument_symbol")

    op.drop_table("instrument")
    with op.batch_alter_table("ingestion_run", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ingestion_run_account_started",
            sqlite_where=sa.text("status = 'started'"),
            postgresql_where=sa.text("status = 'started'"),
        )
        batch_op.drop_index("ix_ingestion_run_status_started")
        batch_op.drop_index("ix_ingestion_run_started_ingestion_run")

    op.drop_table("ingestion_run")
    op.drop_table("account")
