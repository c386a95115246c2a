"""Change tokens (migration 0012): every write moves them, from any handle.

A second `Database` on the same URL is another process's view: its own engine,
pool and connections. Report caches key on `data_state`, so these tests are what
makes a cached report safe to serve.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from flexledger.db.database import Database
from flexledger.domain.labels import NoteTarget
from flexledger.jobs.data_state import data_state
from flexledger.jobs.labels import (
    assign_label,
    create_label,
    delete_label,
    unassign_label,
    update_label,
)
from flexledger.jobs.notes import add_note, delete_note, edit_note
from tests.fixtures.instruments import import_uabean

# A copy on purpose: dropping a table from the watch (or a SQLite batch migration
# recreating one, which drops its triggers) must show up here.
WATCHED = {
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
}


def _triggers(database: Database) -> dict[str, int]:
    if database.dialect == "postgresql":
        query = (
            "SELECT c.relname, count(*) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'trg_%_data_version' GROUP BY c.relname"
        )
    else:
        query = (
            "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'trg_%_data_version_%' GROUP BY tbl_name"
        )
    with database.engine.connect() as connection:
        rows = connection.execute(text(query))
        return {str(name): int(count) for name, count in rows}


def test_every_watched_table_has_its_triggers(database: Database) -> None:
    per_table = 1 if database.dialect == "postgresql" else 3  # statement vs row
    assert _triggers(database) == dict.fromkeys(WATCHED, per_table)


def _moves(reader: Database, write: Callable[[], object]) -> None:
    before = data_state(reader)
    write()
    assert data_state(reader) != before


def test_edits_through_another_handle_move_the_state(
    database: Database, other: Database
) -> None:
    ids = import_uabean(other)
    instrument = ids["LVGO"]
    label = create_label(other, "Core")
    _moves(database, lambda: update_label(other, label.label_id, name="Growth"))
    _moves(database, lambda: assign_label(other, instrument, label.label_id))
    _moves(database, lambda: unassign_label(other, instrument, label.label_id))
    note = add_note(other, NoteTarget(instrument_id=instrument), "first")
    _moves(database, lambda: edit_note(other, note.note_id, "second"))
    _moves(database, lambda: delete_note(other, note.note_id))
    _moves(database, lambda: delete_label(other, label.label_id))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE pnl_snapshot_daily SET realized_pnl = realized_pnl + 1",
        "DELETE FROM ledger_check",
        "UPDATE instrument SET symbol = symbol || 'X'",
        "DELETE FROM event_source",
    ],
)
def test_hand_written_sql_in_another_handle_moves_the_state(
    database: Database, other: Database, statement: str
) -> None:
    import_uabean(other)

    def run() -> None:
        with other.engine.begin() as connection:
            connection.execute(text(statement))

    _moves(database, run)


def test_an_import_in_another_handle_moves_the_state(
    database: Database, other: Database
) -> None:
    _moves(database, lambda: import_uabean(other))


def test_a_rolled_back_write_leaves_the_state(
    database: Database, other: Database
) -> None:
    import_uabean(other)
    before = data_state(database)
    with other.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("DELETE FROM pnl_snapshot_daily"))
        transaction.rollback()
    assert data_state(database) == before


def test_a_deleted_token_comes_back_with_the_next_write(
    database: Database, other: Database
) -> None:
    with other.engine.begin() as connection:
        connection.execute(text("DELETE FROM data_version"))
    assert data_state(database)[1] == ()
    create_label(other, "Core")
    tokens = data_state(database)[1]
    assert isinstance(tokens, tuple)
    assert [name for name, _ in tokens] == ["label"]
