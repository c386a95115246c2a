"""Change tokens for the report caches, moved by triggers on every write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:40:00

Report caches used to tell whether the ledger changed by counting its snapshots
and checks on every request (tens of ms at 100k trades). `data_version` holds one
token per watched table; a trigger on that table replaces it with a random value
in the writing transaction, so every writer (an import in another process,
reprocess, a case resolution, label, membership and note edits, hand-written SQL)
moves it without knowing about it, and a reader compares ~20 tiny rows.

Random, not counted: a restored backup brings older tokens back, and a counter
would then reissue values a running server has cached other data under.

Not watched: `raw_record` (hundreds of thousands of rows per import; it only
grows, one run at a time, and readers key on the runs and artifacts), the run
and call logs (written from several units of work of one run), and the lots.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    "account",
    "raw_artifact",
    "instrument",
    "instrument_alias",
    "instrument_link",
    "label",
    "instrument_label",
    "note",
    "event_trade_fill",
    "event_cashflow",
    "event_fx",
    "event_corp_action",
    "event_source",
    "corp_action_case",
    "pnl_snapshot_daily",
    "ledger_check",
)

# An upsert, not an update: a token row deleted by hand (or by a test emptying
# every table) comes back with the next write instead of never moving again.
_UPSERT = "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version"
# 2**53 - 1: exact in PostgreSQL's double `random()`, and a BIGINT.
_PG_RANDOM_VERSION = "floor(random() * 9007199254740991)::bigint"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(
        sa.table("data_version", sa.column("table_name"), sa.column("version")),
        [{"table_name": name, "version": 0} for name in WATCHED],
    )
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()


def _create_postgresql_triggers() -> None:
    # Table names come from WATCHED above, never from input.
    op.execute(
        "CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
        "BEGIN INSERT INTO data_version (table_name, version) "
        f"VALUES (TG_TABLE_NAME, {_PG_RANDOM_VERSION}) "
        f"{_UPSERT}; RETURN NULL; END $$"
    )
    for table in WATCHED:
        # Once per statement: a 100k-row COPY or INSERT moves the token once.
        op.execute(
            f"CREATE TRIGGER trg_{table}_data_version "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
        )


def _create_sqlite_triggers() -> None:
    # SQLite has row triggers only: about 2 µs per written row.
    for table in WATCHED:
        for action in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER trg_{table}_data_version_{action} "  # noqa: S608
                f"AFTER {action.upper()} ON {table} BEGIN "
                "INSERT INTO data_version (table_name, version) "
                f"VALUES ('{table}', random()) {_UPSERT}; END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version ON {table}")
        else:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version_{action}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS data_version_bump()")
    op.drop_table("data_version")
