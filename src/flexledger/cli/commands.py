"""The `flexledger` command line: parse, call, and turn errors into exit codes.

Commands stay thin. Serving is handed in by the composition root (`flexledger.main`),
since the CLI may not import the web layer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer

from flexledger import __version__
from flexledger.cli.auth import auth_commands
from flexledger.cli.cases import cases_commands
from flexledger.cli.check import register as register_check
from flexledger.cli.demo import register as register_demo
from flexledger.cli.dev import dev_commands
from flexledger.cli.ingestion import register as register_ingestion
from flexledger.cli.instruments import instruments_commands
from flexledger.cli.labels import labels_commands, notes_commands
from flexledger.cli.maintenance import maintenance_commands
from flexledger.cli.output import reported_errors
from flexledger.cli.provenance import register as register_provenance
from flexledger.cli.reports import report_commands
from flexledger.cli.reprocess import register as register_reprocess
from flexledger.config import Capability, Settings, load_settings
from flexledger.db.database import Database
from flexledger.jobs.token_expiry import token_expiry_warning
from flexledger.mapping.registry import MapperRegistry

ServeFn = Callable[[Settings, str, int], None]


@dataclass(frozen=True, slots=True)
class CliRuntime:
    """What the composition root provides to the CLI.

    Attributes:
        serve: runs the web app on (host, port) until interrupted.
        registry: the mappers of every installed add-on.
    """

    serve: ServeFn
    registry: MapperRegistry


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flexledger {__version__}")
        raise typer.Exit()


def build_cli(runtime: CliRuntime) -> typer.Typer:
    """Assemble the command tree around `runtime`."""
    app = typer.Typer(
        name="flexledger",
        help="Auditable portfolio ledger for Interactive Brokers Flex data.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: Annotated[
            bool,
            typer.Option(
                "--version", callback=_version, is_eager=True, help="Show the version."
            ),
        ] = False,
    ) -> None:
        """Auditable portfolio ledger for Interactive Brokers Flex data."""

    app.add_typer(_db_commands(), name="db")
    app.add_typer(_config_commands(), name="config")

    @app.command()
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Bind address [default: APPLICATION_HOST].")
        ] = None,
        port: Annotated[
            int | None, typer.Option(help="Port [default: APPLICATION_PORT].")
        ] = None,
    ) -> None:
        """Serve the web UI and JSON API (refuses an out-of-date schema)."""
        with reported_errors():
            settings = load_settings()
            settings.require(Capability.SERVE)
            runtime.serve(
                settings,
                host or settings.application_host,
                port or settings.application_port,
            )

    register_ingestion(app, runtime.registry)
    register_reprocess(app, runtime.registry)
    register_check(app)
    register_provenance(app)
    register_demo(app, runtime.serve, runtime.registry)
    app.add_typer(cases_commands(), name="cases")
    app.add_typer(instruments_commands(), name="instruments")
    app.add_typer(labels_commands(), name="labels")
    app.add_typer(notes_commands(), name="notes")
    app.add_typer(report_commands(), name="report")
    app.add_typer(dev_commands(), name="dev")
    app.add_typer(auth_commands(), name="auth")
    app.add_typer(maintenance_commands(), name="maintenance")
    return app


def _db_commands() -> typer.Typer:
    db = typer.Typer(help="Database schema commands.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade() -> None:
        """Apply every pending migration (creates the SQLite file if needed)."""
        with reported_errors():
            database = Database(load_settings().effective_database_url)
            try:
                before = database.schema_state().current
                state = database.upgrade()
            finally:
                database.dispose()
            if before == state.current:
                typer.echo(
                    f"{database.display_url}: already at {state.current} (head)."
                )
            else:
                typer.echo(
                    f"{database.display_url}: upgraded {before or 'empty'} → "
                    f"{state.current} (head)."
                )

    @db.command("current")
    def current() -> None:
        """Show the applied schema revision and whether it is at head."""
        with reported_errors():
            database = Database(load_settings().effective_database_url)
            try:
                state = database.schema_state()
            finally:
                database.dispose()
            verdict = (
                "up to date"
                if state.is_current
                else "out of date: run `flexledger db upgrade`"
            )
            typer.echo(f"database: {database.display_url}")
            typer.echo(f"revision: {state.current or 'none (empty)'}")
            typer.echo(f"head:     {state.head} ({verdict})")

    return db


def _config_commands() -> typer.Typer:
    config = typer.Typer(help="Settings commands.", no_args_is_help=True)

    @config.command("check")
    def check() -> None:
        """Show effective settings (secrets masked) and what each capability lacks."""
        with reported_errors():
            settings = load_settings()
            rows = settings.describe()
            width = max(len(name) for name, _ in rows)
            typer.echo("Settings (environment overrides .env):")
            for name, shown in rows:
                typer.echo(f"  {name.ljust(width)}  {shown}")
            typer.echo("Capabilities:")
            for capability in Capability:
                missing = settings.missing_for(capability)
                if not missing:
                    typer.echo(f"  {capability.value:<8} ready")
                    continue
                typer.echo(f"  {capability.value:<8} needs:")
                for item in missing:
                    typer.echo(f"             {item.variable}: {item.what_to_set}")
            if expiry := token_expiry_warning(settings):
                typer.echo(f"Warning: {expiry}")

    return config


def main(runtime: CliRuntime) -> None:
    """Run the CLI; used by the console script through `flexledger.main`."""
    build_cli(runtime)(prog_name="flexledger", args=sys.argv[1:])
