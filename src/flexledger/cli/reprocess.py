"""`flexledger reprocess-run`: rebuild canonical events from stored raw rows."""

from __future__ import annotations

from typing import Annotated

import typer

from flexledger.cli.output import EXIT_ERROR, report_run, reported_errors
from flexledger.config import Capability, load_settings
from flexledger.db.database import Database
from flexledger.jobs.reprocess import reprocess, reprocess_scope
from flexledger.mapping.registry import MapperRegistry


def register(app: typer.Typer, registry: MapperRegistry) -> None:
    """Add `reprocess-run` to `app`."""

    @app.command("reprocess-run")
    def reprocess_run(
        period_key: Annotated[
            str | None,
            typer.Option(help="Scope: the stored period key (YYYY-MM-DD)."),
        ] = None,
        flex_query_id: Annotated[
            str | None,
            typer.Option(help="Scope: the stored flex query id (with --period-key)."),
        ] = None,
    ) -> None:
        """Rebuild canonical events from raw rows (all, or one scope); no network."""
        with reported_errors():
            scope = reprocess_scope(period_key, flex_query_id)
            settings = load_settings()
            settings.require(Capability.REPROCESS)
            database = Database(settings.effective_database_url)
            try:
                database.require_current_schema()
                outcome = reprocess(database, settings, registry, scope)
            finally:
                database.dispose()
            report_run("reprocess", outcome)
        if not outcome.succeeded:
            raise typer.Exit(EXIT_ERROR)
