"""Labels and notes through the jobs layer: uniqueness, idempotence, reprocess."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flexledger.db.database import Database
from flexledger.db.repositories.labels import LabelFilter, LabelRepository
from flexledger.db.repositories.notes import NoteFilter
from flexledger.db.tables import EventTradeFillRow, LabelRow
from flexledger.domain.errors import (
    DuplicateLabelError,
    InvalidRequestError,
    NotFoundError,
)
from flexledger.domain.events import EventKind
from flexledger.domain.labels import EventRef, NoteTarget
from flexledger.jobs.ingest import IngestOptions, Payload, ingest_payload
from flexledger.jobs.labels import (
    assign_label,
    create_label,
    delete_label,
    get_label,
    list_labels,
    unassign_label,
    update_label,
)
from flexledger.jobs.notes import (
    add_note,
    delete_note,
    edit_note,
    get_note,
    list_notes,
)
from flexledger.jobs.reprocess import reprocess
from flexledger.jobs.stages import post_persist_stages
from tests.fixtures.corporate import (
    REGISTRY,
    import_cases_statement,
    instrument_ids,
    settings,
)
from tests.fixtures.flex_files import FLEX_DIR

UABEAN = FLEX_DIR / "OSadovy__uabean__beancount.xml"
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def _ticking() -> Callable[[], dt.datetime]:
    """A clock one minute later at every call, so creation order is certain."""
    ticks: Iterator[int] = iter(range(10_000))
    return lambda: START + dt.timedelta(minutes=next(ticks))


@pytest.fixture
def instruments(database: Database) -> dict[str, uuid.UUID]:
    import_cases_statement(database)
    return instrument_ids(database)


def _trade_fill_ids(database: Database) -> list[uuid.UUID]:
    with database.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(EventTradeFillRow.event_trade_fill_id).order_by(
                    EventTradeFillRow.event_trade_fill_id
                )
            )
        )


def test_labels_are_listed_by_name_searched_and_counted(
    database: Database, instruments: dict[str, uuid.UUID]
) -> None:
    clock = _ticking()
    growth = create_label(database, "  Growth ", color="#00aa00", clock=clock)
    income = create_label(database, "income", clock=clock)
    create_label(database, "Tax lot 2025", clock=clock)
    assert (growth.name, growth.color, growth.instrument_count) == (
        "Growth",
        "#00aa00",
        0,
    )
    assert growth.created_at == START
    assign_label(database, instruments["SPLT"], growth.label_id)
    assign_label(database, instruments["MRGR"], growth.label_id)

    page = list_labels(database)
    assert page.total == 3
    # Case-insensitive by name: "Growth" < "income" < "Tax lot 2025".
    assert [label.name for label in page.labels] == ["Growth", "income", "Tax lot 2025"]
    assert page.labels[0].instrument_count == 2
    newest = list_labels(database, sort_by="created_at_utc", sort_dir="desc", limit=1)
    assert ([label.name for label in newest.labels], newest.total) == (
        ["Tax lot 2025"],
        3,
    )
    found = list_labels(database, LabelFilter(search="COM"))
    assert [label.label_id for label in found.labels] == [income.label_id]
    assert list_labels(database, LabelFilter(search="%")).total == 0


def test_names_are_unique_whatever_their_case(database: Database) -> None:
    growth = create_label(database, "Growth")
    value = create_label(database, "Value")
    with pytest.raises(DuplicateLabelError) as raised:
        create_label(database, "GROWTH")
    assert raised.value.code == "DUPLICATE_LABEL"
    with pytest.raises(DuplicateLabelError):
        update_label(database, value.label_id, name="growth")
    # A label may change the case of its own name.
    renamed = update_label(database, growth.label_id, name="GROWTH")
    assert renamed.name == "GROWTH"
    assert {label.name for label in list_labels(database).labels} == {"GROWTH", "Value"}
    for blank in ("", "   "):
        with pytest.raises(InvalidRequestError) as invalid:
            create_label(database, blank)
        assert invalid.value.code == "INVALID_LABEL"


def test_the_database_itself_refuses_a_case_only_duplicate(database: Database) -> None:
    create_label(database, "Growth")
    # Only `name` given: the table fills `name_key` as the app would.
    with database.unit_of_work() as uow:
        uow.session.add(LabelRow(name="growth"))
        with pytest.raises(IntegrityError):
            uow.session.flush()
        uow.session.rollback()


def test_a_racing_duplicate_is_still_a_conflict(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_label(database, "Growth")
    # As if another request wrote "growth" between the check and the insert.
    monkeypatch.setattr(LabelRepository, "_refuse_duplicate", lambda *_: None)
    with pytest.raises(DuplicateLabelError):
        create_label(database, "growth")
    assert list_labels(database).total == 1


def test_update_changes_only_what_is_given(database: Database) -> None:
    clock = _ticking()
    label = create_label(database, "Growth", color="red", clock=clock)
    recolored = update_label(
        database, label.label_id, color="blue", set_color=True, clock=clock
    )
    assert (recolored.name, recolored.color) == ("Growth", "blue")
    assert recolored.updated_at > label.updated_at
    renamed = update_label(database, label.label_id, name="Momentum", clock=clock)
    assert (renamed.name, renamed.color) == ("Momentum", "blue")
    cleared = update_label(database, label.label_id, set_color=True, clock=clock)
    assert cleared.color is None
    assert get_label(database, label.label_id) == cleared
    with pytest.raises(NotFoundError):
        update_label(database, uuid.uuid4(), name="x")


def test_assignment_is_idempotent_and_checks_both_ids(
    database: Database, instruments: dict[str, uuid.UUID]
) -> None:
    label = create_label(database, "Growth")
    splt = instruments["SPLT"]
    assert assign_label(database, splt, label.label_id).changed
    assert not assign_label(database, splt, label.label_id).changed
    assert get_label(database, label.label_id).instrument_count == 1
    assert unassign_label(database, splt, label.label_id).changed
    assert not unassign_label(database, splt, label.label_id).changed
    assert get_label(database, label.label_id).instrument_count == 0
    for call in (assign_label, unassign_label):
        with pytest.raises(NotFoundError, match="instrument"):
            call(database, uuid.uuid4(), label.label_id)
        with pytest.raises(NotFoundError, match="label"):
            call(database, splt, uuid.uuid4())


def test_deleting_a_label_removes_its_assignments_and_its_own_notes(
    database: Database, instruments: dict[str, uuid.UUID]
) -> None:
    label = create_label(database, "Growth")
    other = create_label(database, "Value")
    for symbol in ("SPLT", "MRGR"):
        assign_label(database, instruments[symbol], label.label_id)
    assign_label(database, instruments["SPLT"], other.label_id)
    on_label = add_note(database, NoteTarget(label_id=label.label_id), "why growth")
    on_instrument = add_note(
        database, NoteTarget(instrument_id=instruments["SPLT"]), "kept"
    )
    removal = delete_label(database, label.label_id)
    assert (removal.instrument_assignments, removal.notes) == (2, 1)
    with pytest.raises(NotFoundError):
        get_label(database, label.label_id)
    with pytest.raises(NotFoundError):
        get_note(database, on_label.note_id)
    assert get_note(database, on_instrument.note_id) == on_instrument
    assert get_label(database, other.label_id).instrument_count == 1
    with pytest.raises(NotFoundError):
        delete_label(database, label.label_id)


def test_notes_need_exactly_one_existing_target(
    database: Database, instruments: dict[str, uuid.UUID]
) -> None:
    label = create_label(database, "Growth")
    builds: list[Callable[[], NoteTarget]] = [
        NoteTarget,
        lambda: NoteTarget(instrument_id=instruments["SPLT"], label_id=label.label_id),
    ]
    for build in builds:
        with pytest.raises(InvalidRequestError) as raised:
            build()
        assert raised.value.code == "INVALID_NOTE_TARGET"
    with pytest.raises(InvalidRequestError) as bad_kind:
        EventRef.parse("trade:1")
    assert bad_kind.value.code == "INVALID_NOTE_TARGET"
    for unknown in (
        NoteTarget(instrument_id=uuid.uuid4()),
        NoteTarget(label_id=uuid.uuid4()),
        NoteTarget(event=EventRef(EventKind.TRADE_FILL, uuid.uuid4())),
    ):
        with pytest.raises(NotFoundError):
            add_note(database, unknown, "text")
    with pytest.raises(InvalidRequestError) as blank:
        add_note(database, NoteTarget(label_id=label.label_id), " \n ")
    assert blank.value.code == "INVALID_NOTE"
    assert list_notes(database).total == 0


def test_notes_are_listed_newest_first_filtered_edited_and_deleted(
    database: Database, instruments: dict[str, uuid.UUID]
) -> None:
    clock = _ticking()
    splt, mrgr = instruments["SPLT"], instruments["MRGR"]
    event_id = _trade_fill_ids(database)[0]
    first = add_note(database, NoteTarget(instrument_id=splt), " first ", clock=clock)
    second = add_note(database, NoteTarget(instrument_id=mrgr), "second", clock=clock)
    on_event = add_note(
        database,
        NoteTarget(event=EventRef.parse(f"trade_fill:{event_id}")),
        "fill",
        clock=clock,
    )
    assert first.content == "first"
    assert on_event.event == EventRef(EventKind.TRADE_FILL, event_id)
    assert [n.note_id for n in list_notes(database).notes] == [
        on_event.note_id,
        second.note_id,
        first.note_id,
    ]
    oldest = list_notes(database, sort_by="created_at_utc", sort_dir="asc", limit=1)
    assert ([n.note_id for n in oldest.notes], oldest.total) == ([first.note_id], 3)
    assert [
        n.note_id for n in list_notes(database, NoteFilter(instrument_id=splt)).notes
    ] == [first.note_id]
    assert [
        n.note_id for n in list_notes(database, NoteFilter(event_id=event_id)).notes
    ] == [on_event.note_id]
    window = NoteFilter(
        created_from=START + dt.timedelta(minutes=1),
        created_to=START + dt.timedelta(minutes=2),
    )
    assert [n.note_id for n in list_notes(database, window).notes] == [second.note_id]
    # Sorting by instrument puts the event note (no instrument) last either way.
    for direction in ("asc", "desc"):
        ordered = list_notes(database, sort_by="instrument_id", sort_dir=direction)
        assert ordered.notes[-1].note_id == on_event.note_id

    edited = edit_note(database, first.note_id, "first, revised", clock=clock)
    assert (edited.content, edited.created_at) == ("first, revised", first.created_at)
    assert edited.updated_at > first.updated_at
    updated = list_notes(database, sort_by="updated_at_utc", sort_dir="desc")
    assert updated.notes[0].note_id == first.note_id
    with pytest.raises(InvalidRequestError):
        edit_note(database, first.note_id, "")
    delete_note(database, first.note_id)
    for call in (
        lambda: get_note(database, first.note_id),
        lambda: delete_note(database, first.note_id),
        lambda: edit_note(database, first.note_id, "x"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert list_notes(database).total == 2


def test_an_event_note_survives_reprocess(database: Database) -> None:
    config = settings()
    outcome = ingest_payload(
        database,
        config,
        Payload.of_bytes(UABEAN.read_bytes(), source="file", name=UABEAN.name),
        IngestOptions(allow_missing_sections=True),
        hooks=post_persist_stages(REGISTRY, config),
    )
    assert outcome.succeeded, outcome.run.diagnostics[-1]
    events_before = _trade_fill_ids(database)
    event = EventRef(EventKind.TRADE_FILL, events_before[0])
    note = add_note(database, NoteTarget(event=event), "checked against broker")

    assert reprocess(database, config, REGISTRY).succeeded
    assert _trade_fill_ids(database) == events_before
    assert get_note(database, note.note_id) == note
    assert [
        n.note_id
        for n in list_notes(database, NoteFilter(event_id=event.event_id)).notes
    ] == [note.note_id]
    # The rebuilt event is still there to be noted again.
    assert add_note(database, NoteTarget(event=event), "again").event == event
