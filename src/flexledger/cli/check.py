"""`flexledger check FILE`: what the Flex query behind a statement should change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flexledger.adapter.query_lint import QueryLinter, Severity
from flexledger.adapter.statement_reader import StatementReader
from flexledger.cli.output import EXIT_ERROR, reported_errors
from flexledger.config import load_settings
from flexledger.jobs.ingest import read_payload_file


def register(app: typer.Typer) -> None:
    """Add `check` to `app`."""

    @app.command("check")
    def check(
        file: Annotated[
            Path, typer.Argument(exists=True, dir_okay=False, readable=True)
        ],
    ) -> None:
        """Read a statement without importing it and list what its query lacks."""
        with reported_errors():
            settings = load_settings()
            linter = QueryLinter()
            with read_payload_file(file).opener() as stream:
                reader = StatementReader(stream)
                rows = 0
                for record in reader.records():
                    linter.observe(record)
                    rows += 1
            info = reader.info
            findings = linter.findings(
                info, reconciliation_enabled=settings.reconciliation_enabled
            )
        accounts = ", ".join(info.account_ids) or "no account"
        typer.echo(
            f"{file.name}: {len(info.statements)} statement(s), {rows} rows, {accounts}"
        )
        if not findings:
            typer.echo("  The query has everything the ledger needs.")
        for finding in findings:
            typer.echo(f"  {finding.severity.value.upper():<7} {finding.message}")
            typer.echo(f"          change: {finding.setting}")
        if any(finding.severity is Severity.ERROR for finding in findings):
            raise typer.Exit(EXIT_ERROR)
