"""Commands that bring statements in: `import`, `ingestion-run`, `backfill`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from flexledger.adapter.flex_client import FlexClient, SystemClock
from flexledger.cli.output import EXIT_ERROR, progress_bar, report_run, reported_errors
from flexledger.config import Capability, Settings, load_settings
from flexledger.db.database import Database
from flexledger.domain.clock import utc_now
from flexledger.jobs.fetch import backfill, client_config, fetch_and_ingest
from flexledger.jobs.ingest import (
    IngestOptions,
    PostPersistHook,
    ingest_payload,
    read_payload_file,
)
from flexledger.jobs.schedule import DEFAULT_CRON, next_fire, run_schedule
from flexledger.jobs.stages import post_persist_stages
from flexledger.mapping.registry import MapperRegistry


@contextmanager
def _fetching(settings: Settings) -> Iterator[tuple[Database, FlexClient]]:
    """A database at head and a Flex client, both closed afterwards."""
    config = client_config(settings)
    database = Database(settings.effective_database_url)
    client = FlexClient(config)
    try:
        database.require_current_schema()
        yield database, client
    finally:
        client.close()
        database.dispose()


def register(app: typer.Typer, registry: MapperRegistry) -> None:
    """Add the ingestion commands to `app`; runs map with `registry`."""

    def stages(settings: Settings) -> tuple[PostPersistHook, ...]:
        return post_persist_stages(registry, settings)

    @app.command("import")
    def import_files(
        files: Annotated[
            list[Path],
            typer.Argument(
                exists=True, dir_okay=False, readable=True, help=".xml or .xml.gz"
            ),
        ],
        allow_missing_sections: Annotated[
            bool,
            typer.Option(
                "--allow-missing-sections",
                help="Import statements that lack required sections (as warnings).",
            ),
        ] = False,
    ) -> None:
        """Import downloaded Flex statement files (each file is one run)."""
        with reported_errors():
            settings = load_settings()
            settings.require(Capability.IMPORT)
            database = Database(settings.effective_database_url)
            try:
                database.require_current_schema()
                failures = 0
                for path in files:
                    payload = read_payload_file(path)
                    with progress_bar(path.name) as progress:
                        outcome = ingest_payload(
                            database,
                            settings,
                            payload,
                            IngestOptions(
                                allow_missing_sections=allow_missing_sections
                            ),
                            hooks=stages(settings),
                            progress=progress,
                        )
                    failures += not outcome.succeeded
                    report_run(path.name, outcome)
            finally:
                database.dispose()
        if failures:
            raise typer.Exit(EXIT_ERROR)

    @app.command("ingestion-run")
    def ingestion_run(
        from_date: Annotated[
            dt.datetime | None,
            typer.Option(
                formats=["%Y-%m-%d"], help="First date [default: a week ago]."
            ),
        ] = None,
        to_date: Annotated[
            dt.datetime | None,
            typer.Option(formats=["%Y-%m-%d"], help="Last date [default: yesterday]."),
        ] = None,
    ) -> None:
        """Fetch the Flex statement from IBKR and store it (the cron entry point)."""
        if (from_date is None) != (to_date is None):
            raise typer.BadParameter("give both --from-date and --to-date, or neither")
        with reported_errors():
            settings = load_settings()
            with _fetching(settings) as (database, client):
                outcome = fetch_and_ingest(
                    database,
                    settings,
                    client=client,
                    from_date=from_date.date() if from_date else None,
                    to_date=to_date.date() if to_date else None,
                    hooks=stages(settings),
                )
            report_run(settings.ibkr_flex_query_id or "query", outcome)
        if not outcome.succeeded:
            raise typer.Exit(EXIT_ERROR)

    @app.command("backfill")
    def backfill_command(
        from_date: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"])],
        to_date: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"])],
    ) -> None:
        """Fetch a long date range as windows of at most 365 days, one run each."""
        with reported_errors():
            settings = load_settings()
            with _fetching(settings) as (database, client):
                outcomes = backfill(
                    database,
                    settings,
                    client=client,
                    from_date=from_date.date(),
                    to_date=to_date.date(),
                    on_window=lambda start, end, outcome: report_run(
                        f"{start}..{end}", outcome
                    ),
                    hooks=stages(settings),
                )
        if not all(outcome.succeeded for outcome in outcomes):
            raise typer.Exit(EXIT_ERROR)

    @app.command("schedule")
    def schedule(
        cron: Annotated[
            str, typer.Option(help="Cron expression, read in FLEX_SOURCE_TIMEZONE.")
        ] = DEFAULT_CRON,
    ) -> None:
        """Run ingestion on a schedule until stopped (for hosts without cron)."""
        with reported_errors():
            settings = load_settings()
            with _fetching(settings) as (database, client):
                first = next_fire(cron, utc_now(), settings.flex_source_timezone)
                typer.echo(f"Scheduled {cron!r}; first run at {first.isoformat()}.")
                run_schedule(
                    database,
                    settings,
                    client=client,
                    expression=cron,
                    clock=SystemClock(),
                    on_outcome=lambda outcome: report_run("scheduled", outcome),
                    hooks=stages(settings),
                )
