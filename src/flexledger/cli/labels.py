"""`flexledger labels` and `flexledger notes`: group instruments, write notes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

import typer

from flexledger.cli.output import current_database, reported_errors
from flexledger.config import Capability
from flexledger.db.repositories.labels import LabelFilter
from flexledger.db.repositories.notes import NoteFilter
from flexledger.domain.labels import EventRef, Label, Note, NoteTarget
from flexledger.jobs.labels import (
    assign_label,
    create_label,
    delete_label,
    list_labels,
    unassign_label,
    update_label,
)
from flexledger.jobs.notes import add_note, delete_note, edit_note, list_notes


def _uuid(what: str) -> Callable[[str], uuid.UUID]:
    def parse(value: str) -> uuid.UUID:
        try:
            return uuid.UUID(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not {what} (a UUID)") from None

    return parse


def _event(value: str) -> EventRef:
    # Parsed inside the command so a bad reference reports its error code.
    return EventRef.parse(value)


_LabelId = Annotated[
    uuid.UUID, typer.Argument(parser=_uuid("a label id"), metavar="LABEL_ID")
]
_InstrumentId = Annotated[
    uuid.UUID,
    typer.Argument(parser=_uuid("an instrument id"), metavar="INSTRUMENT_ID"),
]
_NoteId = Annotated[
    uuid.UUID, typer.Argument(parser=_uuid("a note id"), metavar="NOTE_ID")
]
_InstrumentOption = Annotated[
    uuid.UUID | None,
    typer.Option(
        "--instrument", parser=_uuid("an instrument id"), metavar="INSTRUMENT_ID"
    ),
]
_LabelOption = Annotated[
    uuid.UUID | None,
    typer.Option("--label", parser=_uuid("a label id"), metavar="LABEL_ID"),
]
_EventOption = Annotated[
    str | None, typer.Option("--event", metavar="KIND:ID", help="e.g. trade_fill:ID")
]


def _describe_label(label: Label) -> str:
    color = f"  color {label.color}" if label.color else ""
    return (
        f"{label.label_id}  {label.name}  {label.instrument_count} instrument(s){color}"
    )


def _target(note: Note) -> str:
    if note.event is not None:
        return f"event {note.event}"
    if note.instrument_id is not None:
        return f"instrument {note.instrument_id}"
    return f"label {note.label_id}"


def _describe_note(note: Note) -> str:
    return (
        f"{note.note_id}  {note.created_at:%Y-%m-%d %H:%M}  {_target(note)}\n"
        f"    {note.content}"
    )


def labels_commands() -> typer.Typer:
    """The `labels` command group."""
    labels = typer.Typer(
        help="Labels that group instruments: list, add, rename, delete, assign.",
        no_args_is_help=True,
    )

    @labels.command("list")
    def list_command(
        search: Annotated[
            str | None, typer.Option(help="Only names containing this (any case).")
        ] = None,
    ) -> None:
        """List labels by name, with how many instruments carry each."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = list_labels(database, LabelFilter(search=search))
        if not page.labels:
            typer.echo("No labels.")
            return
        typer.echo(f"{page.total} label(s):")
        for label in page.labels:
            typer.echo(f"  {_describe_label(label)}")

    @labels.command("add")
    def add_command(
        name: Annotated[str, typer.Argument(metavar="NAME")],
        color: Annotated[
            str | None, typer.Option(help="A color for the UI, e.g. #1f77b4.")
        ] = None,
    ) -> None:
        """Create a label; names are unique whatever their case."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            label = create_label(database, name, color=color)
        typer.echo(f"label {label.label_id} added: {label.name}")

    @labels.command("rename")
    def rename_command(
        label_id: _LabelId, name: Annotated[str, typer.Argument(metavar="NAME")]
    ) -> None:
        """Rename a label."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            label = update_label(database, label_id, name=name)
        typer.echo(f"label {label.label_id} renamed: {label.name}")

    @labels.command("delete")
    def delete_command(label_id: _LabelId) -> None:
        """Delete a label, its instrument assignments and the notes only on it."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            removal = delete_label(database, label_id)
        typer.echo(
            f"label {label_id} deleted: {removal.instrument_assignments} instrument "
            f"assignment(s) and {removal.notes} note(s) removed"
        )

    @labels.command("assign")
    def assign_command(instrument_id: _InstrumentId, label_id: _LabelId) -> None:
        """Put a label on an instrument (repeating it changes nothing)."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            result = assign_label(database, instrument_id, label_id)
        state = "assigned to" if result.changed else "already on"
        typer.echo(f"label {label_id} {state} instrument {instrument_id}")

    @labels.command("unassign")
    def unassign_command(instrument_id: _InstrumentId, label_id: _LabelId) -> None:
        """Take a label off an instrument (repeating it changes nothing)."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            result = unassign_label(database, instrument_id, label_id)
        state = "removed from" if result.changed else "was not on"
        typer.echo(f"label {label_id} {state} instrument {instrument_id}")

    return labels


def notes_commands() -> typer.Typer:
    """The `notes` command group."""
    notes = typer.Typer(
        help="Notes on an instrument, a label or an event: list, add, edit, delete.",
        no_args_is_help=True,
    )

    @notes.command("list")
    def list_command(
        instrument: _InstrumentOption = None,
        label: _LabelOption = None,
        event: _EventOption = None,
    ) -> None:
        """List notes, newest first."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            reference = _event(event) if event is not None else None
            page = list_notes(
                database,
                NoteFilter(
                    instrument_id=instrument,
                    label_id=label,
                    event_id=reference.event_id if reference else None,
                ),
            )
        if not page.notes:
            typer.echo("No notes.")
            return
        typer.echo(f"{page.total} note(s):")
        for note in page.notes:
            typer.echo(f"  {_describe_note(note)}")

    @notes.command("add")
    def add_command(
        text: Annotated[str, typer.Argument(metavar="TEXT")],
        instrument: _InstrumentOption = None,
        label: _LabelOption = None,
        event: _EventOption = None,
    ) -> None:
        """Write a note on one instrument, label or event."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            target = NoteTarget(
                instrument_id=instrument,
                label_id=label,
                event=_event(event) if event is not None else None,
            )
            note = add_note(database, target, text)
        typer.echo(f"note {note.note_id} added on {_target(note)}")

    @notes.command("edit")
    def edit_command(
        note_id: _NoteId, text: Annotated[str, typer.Argument(metavar="TEXT")]
    ) -> None:
        """Replace a note's text."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            note = edit_note(database, note_id, text)
        typer.echo(f"note {note.note_id} edited")

    @notes.command("delete")
    def delete_command(note_id: _NoteId) -> None:
        """Delete a note."""
        with reported_errors(), current_database(Capability.REPORTS) as database:
            delete_note(database, note_id)
        typer.echo(f"note {note_id} deleted")

    return notes
