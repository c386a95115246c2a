"""What every command shares: exit codes, error reporting, progress, run summaries."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from flexledger.config import Capability, load_settings
from flexledger.db.database import Database
from flexledger.domain.errors import ConfigError, DatabaseError, FlexLedgerError
from flexledger.jobs.ingest import IngestOutcome, Progress

EXIT_ERROR = 1
EXIT_CONFIG = 3
EXIT_DATABASE = 4


def exit_code_for(error: FlexLedgerError) -> int:
    """The process exit code for an error class."""
    if isinstance(error, ConfigError):
        return EXIT_CONFIG
    if isinstance(error, DatabaseError):
        return EXIT_DATABASE
    return EXIT_ERROR


@contextmanager
def current_database(capability: Capability) -> Iterator[Database]:
    """The configured database, refused unless at head; disposed of afterwards."""
    settings = load_settings()
    settings.require(capability)
    database = Database(settings.effective_database_url)
    try:
        database.require_current_schema()
        yield database
    finally:
        database.dispose()


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print a FlexLedgerError as message and hint, and exit with its code."""
    try:
        yield
    except FlexLedgerError as exc:
        typer.echo(f"Error [{exc.code}]: {exc.message}", err=True)
        if exc.hint:
            typer.echo(f"Hint: {exc.hint}", err=True)
        raise typer.Exit(exit_code_for(exc)) from None


@contextmanager
def progress_bar(label: str) -> Iterator[Progress | None]:
    """A progress bar on a terminal; nothing in pipes and cron logs."""
    if not sys.stderr.isatty():
        yield None
        return
    with typer.progressbar(length=1, label=label, file=sys.stderr) as bar:
        done = 0

        def advance(seen: int, total: int) -> None:
            nonlocal done
            bar.length = max(total, 1)
            bar.update(seen - done)
            done = seen

        yield advance


def report_run(name: str, outcome: IngestOutcome) -> None:
    """One line per run: what was stored, or the code, message and hint."""
    run = outcome.run
    if outcome.succeeded:
        typer.echo(
            f"{name}: imported {outcome.raw_record_count} new raw rows "
            f"({outcome.raw_record_deduplicated_count} already stored) — "
            f"run {run.ingestion_run_id}"
        )
        for warning in outcome.warnings:
            typer.echo(f"  warning: {warning}")
        return
    typer.echo(f"{name}: failed [{run.error_code}] {run.error_message}", err=True)
    hint = next(
        (
            event.get("details", {}).get("hint")
            for event in reversed(run.diagnostics)
            if event.get("status") == "failed"
        ),
        None,
    )
    if hint:
        typer.echo(f"  Hint: {hint}", err=True)
    typer.echo(f"  run {run.ingestion_run_id}", err=True)
