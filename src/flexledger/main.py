"""Composition root: settings → database → app or CLI.

The only module that knows every layer; add-on registries are filled here once the
first add-on exists.
"""

from __future__ import annotations

import uvicorn

from flexledger import __version__
from flexledger.cli.commands import CliRuntime
from flexledger.cli.commands import main as cli_main
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.web.app import create_app
from flexledger.web.context import AppContext


def serve(settings: Settings, host: str, port: int) -> None:
    """Check the database, then serve until interrupted.

    Raises:
        DatabaseUnavailableError: the database cannot be reached.
        SchemaNotCurrentError: the schema needs `flexledger db upgrade` first.
    """
    database = Database(settings.effective_database_url)
    try:
        database.ping()
        database.require_current_schema()
        app = create_app(
            AppContext(settings=settings, database=database, version=__version__)
        )
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        database.dispose()


def run() -> None:
    """Entry point of the `flexledger` console script and `python -m flexledger`."""
    cli_main(CliRuntime(serve=serve))
