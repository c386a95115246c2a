"""`flexledger labels` and `flexledger notes` as real processes (kept few: slow)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from flexledger.db.database import Database
from flexledger.db.repositories.notes import NoteFilter
from flexledger.db.tables import EventTradeFillRow
from flexledger.jobs.labels import create_label, get_label, list_labels
from flexledger.jobs.notes import get_note, list_notes
from tests.fixtures.cli import run_cli
from tests.fixtures.corporate import import_cases_statement, instrument_ids


def _run(
    database: Database, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(database, tmp_path, *args)


@pytest.fixture
def instruments(database: Database) -> dict[str, uuid.UUID]:
    import_cases_statement(database)
    return instrument_ids(database)


def test_labels_add_rename_assign_and_delete(
    database: Database, tmp_path: Path, instruments: dict[str, uuid.UUID]
) -> None:
    added = _run(database, tmp_path, "labels", "add", "Growth", "--color", "green")
    assert added.returncode == 0, added.stderr
    (label,) = list_labels(database).labels
    assert (label.name, label.color) == ("Growth", "green")
    assert added.stdout.strip() == f"label {label.label_id} added: Growth"

    duplicate = _run(database, tmp_path, "labels", "add", "growth")
    assert duplicate.returncode == 1
    assert "Error [DUPLICATE_LABEL]" in duplicate.stderr

    splt = str(instruments["SPLT"])
    label_id = str(label.label_id)
    assign = _run(database, tmp_path, "labels", "assign", splt, label_id)
    assert assign.returncode == 0, assign.stderr
    assert f"label {label_id} assigned to instrument {splt}" in assign.stdout
    assert get_label(database, label.label_id).instrument_count == 1

    create_label(database, "Income")
    rename = _run(database, tmp_path, "labels", "rename", label_id, "Momentum")
    assert rename.returncode == 0, rename.stderr
    listed = _run(database, tmp_path, "labels", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "2 label(s):"
    assert lines[1].split()[1] == "Income"
    assert f"{label_id}  Momentum  1 instrument(s)  color green" in lines[2]

    unknown = _run(database, tmp_path, "labels", "unassign", splt, str(uuid.uuid4()))
    assert unknown.returncode == 1
    assert "Error [NOT_FOUND]" in unknown.stderr
    assert "flexledger labels list" in unknown.stderr
    assert (
        _run(database, tmp_path, "labels", "assign", "nope", label_id).returncode == 2
    )

    deleted = _run(database, tmp_path, "labels", "delete", label_id)
    assert deleted.returncode == 0, deleted.stderr
    assert "1 instrument assignment(s) and 0 note(s) removed" in deleted.stdout
    assert [x.name for x in list_labels(database).labels] == ["Income"]


def test_notes_add_list_edit_delete(
    database: Database, tmp_path: Path, instruments: dict[str, uuid.UUID]
) -> None:
    splt = str(instruments["SPLT"])
    with database.unit_of_work() as uow:
        event_id = uow.session.scalars(
            select(EventTradeFillRow.event_trade_fill_id)
        ).first()
    added = _run(database, tmp_path, "notes", "add", "--instrument", splt, "trim it")
    assert added.returncode == 0, added.stderr
    on_event = _run(
        database, tmp_path, "notes", "add", "--event", f"trade_fill:{event_id}", "fill"
    )
    assert on_event.returncode == 0, on_event.stderr
    assert f"on event trade_fill:{event_id}" in on_event.stdout
    (note,) = list_notes(database, NoteFilter(instrument_id=instruments["SPLT"])).notes
    assert note.content == "trim it"

    listed = _run(database, tmp_path, "notes", "list", "--instrument", splt)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == "1 note(s):"
    assert f"{note.note_id}" in listed.stdout
    assert "    trim it" in listed.stdout

    edit = _run(database, tmp_path, "notes", "edit", str(note.note_id), "sold half")
    assert edit.returncode == 0, edit.stderr
    assert get_note(database, note.note_id).content == "sold half"

    untargeted = _run(database, tmp_path, "notes", "add", "orphan")
    assert untargeted.returncode == 1
    assert "Error [INVALID_NOTE_TARGET]" in untargeted.stderr
    bad_event = _run(database, tmp_path, "notes", "add", "--event", "trade:1", "x")
    assert bad_event.returncode == 1
    assert "Error [INVALID_NOTE_TARGET]" in bad_event.stderr

    delete = _run(database, tmp_path, "notes", "delete", str(note.note_id))
    assert delete.returncode == 0, delete.stderr
    again = _run(database, tmp_path, "notes", "delete", str(note.note_id))
    assert again.returncode == 1
    assert "Error [NOT_FOUND]" in again.stderr
    assert list_notes(database).total == 1
