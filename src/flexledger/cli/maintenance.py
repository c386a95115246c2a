"""`flexledger maintenance`: diagnostics retention, backups and restores (SPEC §14)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flexledger.cli.output import reported_errors
from flexledger.config import load_settings
from flexledger.db.backup import BackupNotSupportedError, postgres_commands
from flexledger.db.database import Database
from flexledger.jobs.maintenance import (
    DEFAULT_RETENTION_DAYS,
    archive_diagnostics,
    backup_database,
    export_digest,
    restore_database,
    restore_diagnostics,
)

_FilesArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Monthly diagnostics-YYYY-MM.jsonl.gz files.", show_default=False
    ),
]


def _open_database(*, require_head: bool) -> Database:
    database = Database(load_settings().effective_database_url)
    if require_head:
        try:
            database.require_current_schema()
        except BaseException:
            database.dispose()
            raise
    return database


def _explain_postgres(database: Database, file: Path, *, restore: bool) -> None:
    backup_lines, restore_lines = postgres_commands(database.url, file)
    typer.echo(
        f"{database.display_url} is PostgreSQL: back it up and restore it with the "
        "PostgreSQL tools (they keep a consistent snapshot while the app runs)."
    )
    typer.echo("Set PGPASSWORD (or use ~/.pgpass); then:")
    for line in restore_lines if restore else backup_lines:
        typer.echo(f"  {line}")
    typer.echo("With the Docker compose setup:")
    if restore:
        typer.echo(
            "  docker compose stop app scheduler && docker compose exec -T postgres "
            'sh -c \'pg_restore --clean --if-exists --no-owner -U "$POSTGRES_USER" '
            f'-d "$POSTGRES_DB"\' < {file} && docker compose start app scheduler'
        )
    else:
        typer.echo(
            "  docker compose exec -T postgres sh -c 'pg_dump --format=custom "
            f'-U "$POSTGRES_USER" "$POSTGRES_DB"\' > {file}'
        )
    typer.echo("Continuous archiving (WAL, PITR) is described in docs/operations.md.")


def maintenance_commands() -> typer.Typer:
    """The `maintenance` command group."""
    group = typer.Typer(
        help="Retention and recovery: archive diagnostics, back up, restore.",
        no_args_is_help=True,
    )

    @group.command("archive-diagnostics")
    def archive(
        older_than_days: Annotated[
            int,
            typer.Option(
                min=0, help="Archive runs that started more than this many days ago."
            ),
        ] = DEFAULT_RETENTION_DAYS,
        to: Annotated[
            Path | None,
            typer.Option(
                "--to",
                help=(
                    "Folder for the monthly files "
                    "(default: FLEXLEDGER_DATA_DIR/archive/diagnostics)."
                ),
                show_default=False,
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Only list what would be archived.")
        ] = False,
    ) -> None:
        """Archive old runs' diagnostics to monthly .jsonl.gz files, verify, then purge.

        The purge sets ingestion_run.diagnostics to NULL and keeps the run rows;
        raw data is never touched. Nothing is purged unless every file reads back
        and matches its .sha256 checksum.
        """
        with reported_errors():
            settings = load_settings()
            folder = to or settings.flexledger_data_dir / "archive" / "diagnostics"
            database = _open_database(require_head=True)
            try:
                outcome = archive_diagnostics(
                    database, folder, older_than_days=older_than_days, dry_run=dry_run
                )
            finally:
                database.dispose()
        cutoff = f"{outcome.cutoff:%Y-%m-%d %H:%M} UTC"
        if not outcome.files:
            typer.echo(f"No run diagnostics older than {cutoff} to archive.")
            return
        for archive_file in outcome.files:
            if outcome.dry_run:
                typer.echo(
                    f"would archive {archive_file.added} run(s) to {archive_file.path}"
                )
            else:
                typer.echo(
                    f"{archive_file.path}: {archive_file.runs} run(s) "
                    f"({archive_file.added} new), {archive_file.size_bytes} bytes, "
                    f"sha256 {archive_file.sha256} (verified)"
                )
        if not outcome.dry_run:
            typer.echo(
                f"Purged the diagnostics of {outcome.purged} run(s) "
                f"started before {cutoff}."
            )

    @group.command("restore-diagnostics")
    def restore_archived(files: _FilesArgument) -> None:
        """Write archived diagnostics back into their runs (safe to repeat).

        Every file must match its .sha256 checksum, or nothing is written.
        """
        with reported_errors():
            database = _open_database(require_head=True)
            try:
                outcome = restore_diagnostics(database, files)
            finally:
                database.dispose()
        counts = outcome.counts
        typer.echo(
            f"Restored {counts.restored} run(s), {counts.unchanged} already held "
            f"the archived diagnostics, from {len(outcome.files)} file(s)."
        )
        for run_id in counts.conflicting:
            typer.echo(f"  kept run {run_id}: it holds different diagnostics", err=True)
        for run_id in counts.missing:
            typer.echo(f"  skipped run {run_id}: not in this database", err=True)

    _add_backup_commands(group)
    return group


def _add_backup_commands(group: typer.Typer) -> None:
    @group.command("backup")
    def backup(
        to: Annotated[
            Path,
            typer.Option("--to", help="The backup file to create.", show_default=False),
        ],
    ) -> None:
        """Back up the embedded SQLite database while the app runs (online backup).

        Writes FILE and FILE.sha256. For PostgreSQL, prints the pg_dump commands.
        """
        with reported_errors():
            database = _open_database(require_head=False)
            try:
                if database.dialect == "postgresql":
                    _explain_postgres(database, to, restore=False)
                    raise BackupNotSupportedError()
                result = backup_database(database, to)
            finally:
                database.dispose()
        typer.echo(
            f"Backed up {database.display_url} to {result.path}: "
            f"{result.size_bytes} bytes, {result.pages} pages, sha256 {result.sha256}."
        )

    @group.command("restore")
    def restore(
        source: Annotated[
            Path,
            typer.Option(
                "--from",
                help="A backup made by `maintenance backup`.",
                show_default=False,
            ),
        ],
        yes: Annotated[
            bool,
            typer.Option("--yes", help="Confirm replacing the configured database."),
        ] = False,
    ) -> None:
        """Replace the configured SQLite database with a backup (needs --yes).

        Refused while a run is active. The current database is first saved next
        to itself as *.before-restore-<time>. For PostgreSQL, prints the
        pg_restore commands.
        """
        with reported_errors():
            database = _open_database(require_head=False)
            try:
                if database.dialect == "postgresql":
                    _explain_postgres(database, source, restore=True)
                    raise BackupNotSupportedError()
                if not yes:
                    typer.echo(
                        f"This replaces {database.display_url} with {source}. "
                        "Stop the scheduler, then run again with --yes.",
                        err=True,
                    )
                    raise typer.Exit(1)
                pages, safety = restore_database(database, source)
            finally:
                database.dispose()
        typer.echo(f"Restored {database.display_url} from {source} ({pages} pages).")
        typer.echo(f"The replaced database was saved as {safety}.")
        typer.echo(
            "Next: flexledger db current, then the checks in docs/operations.md."
        )

    @group.command("digest")
    def digest() -> None:
        """Print every table's row count and hash, and one hash over all of them.

        Run it before a backup and after its restore: equal hashes mean the same data.
        """
        with reported_errors():
            database = _open_database(require_head=False)
            try:
                tables, combined = export_digest(database)
            finally:
                database.dispose()
        width = max((len(t.table) for t in tables), default=5)
        for table in tables:
            typer.echo(f"{table.table.ljust(width)}  {table.rows:>10}  {table.sha256}")
        typer.echo(
            f"{'total'.ljust(width)}  {sum(t.rows for t in tables):>10}  {combined}"
        )
