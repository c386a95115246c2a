"""Change tokens (migrations 0012, 0013): every write moves them, from any handle.

A second `Database` on the same URL is another process's view: its own engine,
pool and connections. Report caches key on `data_state`, so these tests are what
makes a cached report safe to serve.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.repositories.data_versions import DataVersionRepository
from flexledger.domain.labels import NoteTarget
from flexledger.jobs.canonical import mapping_context, rebuild
from flexledger.jobs.data_state import data_state
from flexledger.jobs.labels import (
    assign_label,
    create_label,
    delete_label,
    unassign_label,
    update_label,
)
from flexledger.jobs.ledger import recompute
from flexledger.jobs.notes import add_note, delete_note, edit_note
from tests.fixtures.instruments import import_uabean
from tests.fixtures.registry import installed_registry

# Copies on purpose: dropping a table from the watch (or a SQLite batch migration
# recreating one, which drops its triggers) must show up here.
TRIGGERED = {
    "account",
    "raw_artifact",
    "instrument",
    "instrument_alias",
    "instrument_link",
    "label",
    "instrument_label",
    "note",
    "corp_action_case",
}
# Written in bulk by runs; on SQLite their repositories move their tokens (0013).
BULK = {
    "event_trade_fill",
    "event_cashflow",
    "event_fx",
    "event_corp_action",
    "event_source",
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
    if database.dialect == "postgresql":  # one statement trigger per table
        assert _triggers(database) == dict.fromkeys(TRIGGERED | BULK, 1)
    else:  # three row triggers per table, none on the bulk tables
        assert _triggers(database) == dict.fromkeys(TRIGGERED, 3)


def _tokens(database: Database) -> dict[str, int]:
    with database.unit_of_work() as uow:
        return dict(DataVersionRepository(uow).tokens())


def test_the_bulk_writers_move_their_tables_tokens(
    database: Database, other: Database
) -> None:
    # Outside any run, so only the tokens can tell (as for a case resolution).
    import_uabean(other)
    before = _tokens(database)
    with other.unit_of_work() as uow:
        recompute(uow, None, since=None, ingestion_run_id=None)
    ledger = _tokens(database)
    with other.unit_of_work() as uow:
        context = mapping_context(uow, load_settings(_env_file=None))
        assert context is not None
        rebuild(CanonicalRepository(uow), installed_registry(), context, None)
    mapping = _tokens(database)
    moved_by_ledger = {name for name in before if ledger[name] != before[name]}
    moved_by_mapping = {name for name in ledger if mapping[name] != ledger[name]}
    assert moved_by_ledger == {"pnl_snapshot_daily", "ledger_check"}
    assert {"event_trade_fill", "event_cashflow", "event_source"} <= moved_by_mapping
    assert moved_by_mapping <= BULK | TRIGGERED


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
    ("statement", "bulk"),
    [
        ("UPDATE pnl_snapshot_daily SET realized_pnl = realized_pnl + 1", True),
        ("DELETE FROM ledger_check", True),
        ("UPDATE instrument SET symbol = symbol || 'X'", False),
        ("DELETE FROM event_source", True),
    ],
)
def test_hand_written_sql_in_another_handle_moves_the_state(
    database: Database, other: Database, statement: str, *, bulk: bool
) -> None:
    import_uabean(other)
    before = data_state(database)
    with other.engine.begin() as connection:
        connection.execute(text(statement))
    moved = data_state(database) != before
    # SQLite's bulk tables have no row triggers (0013): a hand edit there is
    # caught only by PostgreSQL's statement triggers (README: reprocess after).
    assert moved is (not bulk or database.dialect == "postgresql")


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
