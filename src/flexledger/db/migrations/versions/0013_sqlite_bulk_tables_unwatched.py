"""SQLite: the tables runs write in bulk lose their row triggers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:40:00

SQLite has row triggers only, and a table with one takes a slower insert path: a
100k-trade import spent about 7 s of its time in them (events, their sources,
checks and snapshots; measured with and without on the same rows). Those tables
are written only by the ingestion and ledger stages, a reprocess and a case
resolution, through two repositories that now move the tables' tokens themselves,
once per write, in the same transaction. PostgreSQL keeps its statement triggers
(they cost next to nothing), so there hand-written SQL on these tables moves the
tokens too; on SQLite it does not, and `flexledger reprocess` (or a server
restart) is the way to refresh what a server has cached after such an edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BULK_TABLES = (
    "event_trade_fill",
    "event_cashflow",
    "event_fx",
    "event_corp_action",
    "event_source",
    "pnl_snapshot_daily",
    "ledger_check",
)
_ACTIONS = ("insert", "update", "delete")
_UPSERT = "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in BULK_TABLES:
        for action in _ACTIONS:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version_{action}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in BULK_TABLES:
        for action in _ACTIONS:
            op.execute(
                f"CREATE TRIGGER trg_{table}_data_version_{action} "  # noqa: S608
                f"AFTER {action.upper()} ON {table} BEGIN "
                "INSERT INTO data_version (table_name, version) "
                f"VALUES ('{table}', random()) {_UPSERT}; END"
            )
