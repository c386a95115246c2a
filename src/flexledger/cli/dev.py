"""`flexledger dev …`: tools for trying flexledger without an IBKR account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flexledger.cli.output import EXIT_ERROR

FAKE_TOKEN = "fake-token"  # noqa: S105 - the fake service's own made-up token


def dev_commands() -> typer.Typer:
    """The `dev` command group."""
    dev = typer.Typer(
        help="Tools for trying flexledger without IBKR.", no_args_is_help=True
    )

    @dev.command("fake-flex")
    def fake_flex(
        statements: Annotated[
            Path,
            typer.Option(
                exists=True,
                file_okay=False,
                help="Folder of <query id>.xml statements.",
            ),
        ],
        token: Annotated[
            str, typer.Option(help="The token the fake accepts.")
        ] = FAKE_TOKEN,
        host: str = "127.0.0.1",
        port: int = 8765,
        ready_after_polls: Annotated[
            int, typer.Option(help="In-progress (1019) answers before each statement.")
        ] = 1,
        control: Annotated[
            bool,
            typer.Option(
                help="Serve the /_fake/ control API (script failures, read the "
                "request log). No authentication: keep it on 127.0.0.1."
            ),
        ] = False,
    ) -> None:
        """Serve a fake Flex Web Service; point IBKR_FLEX_BASE_URL at it."""
        # Here, not at the top: the web stack is a tenth of every command's start.
        import uvicorn  # noqa: PLC0415

        from flexledger.adapter.fake_flex import (  # noqa: PLC0415
            FakeFlexService,
            QueryScript,
            WallClock,
        )
        from flexledger.adapter.fake_flex_control import (  # noqa: PLC0415
            CONTROL_PREFIX,
            control_routes,
        )

        queries = {
            path.name.removesuffix(".xml"): QueryScript(
                payload=path.read_bytes(), ready_after_polls=ready_after_polls
            )
            for path in sorted(statements.glob("*.xml"))
        }
        if not queries:
            typer.echo(f"No .xml statements in {statements}.", err=True)
            raise typer.Exit(EXIT_ERROR)
        service = FakeFlexService(
            tokens={token: "valid"}, queries=queries, clock=WallClock()
        )
        if control:
            service.add_routes(control_routes(service, statements))
        typer.echo(
            f"Fake Flex Web Service: IBKR_FLEX_BASE_URL=http://{host}:{port}"
            "/AccountManagement/FlexWebService, queries: " + ", ".join(queries)
        )
        if control:
            typer.echo(f"Control API: http://{host}:{port}{CONTROL_PREFIX}/")
        uvicorn.run(service.app, host=host, port=port, log_level="warning")

    return dev
