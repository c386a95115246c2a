"""Composition root: settings → database → app or CLI.

The only module that knows every layer; the mapper registry is filled here from the
installed add-ons (the MVP's `stocks` among them).
"""

from __future__ import annotations

import logging

from flexledger import __version__
from flexledger.addons import load_addons, mapper_registry
from flexledger.cli.commands import CliRuntime
from flexledger.cli.commands import main as cli_main
from flexledger.config import Settings, load_settings
from flexledger.db.database import Database
from flexledger.domain.errors import ConfigError
from flexledger.mapping.registry import MapperRegistry


def registry() -> MapperRegistry:
    """The mapper registry of every installed add-on (fails fast on clashes)."""
    return mapper_registry(load_addons())


def serve(settings: Settings, host: str, port: int) -> None:
    """Check the database, then serve until interrupted.

    Raises:
        DatabaseUnavailableError: the database cannot be reached.
        SchemaNotCurrentError: the schema needs `flexledger db upgrade` first.
    """
    # Imported here, not at the top: the web stack (FastAPI, uvicorn) is a third of
    # the CLI's start-up time, and every other command is a short process.
    import uvicorn  # noqa: PLC0415

    from flexledger.web.app import create_app  # noqa: PLC0415
    from flexledger.web.context import AppContext  # noqa: PLC0415

    database = Database(settings.effective_database_url)
    try:
        database.ping()
        database.require_current_schema()
        app = create_app(
            AppContext(
                settings=settings,
                database=database,
                version=__version__,
                registry=registry(),
            )
        )
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        database.dispose()


def configure_logging(level: str) -> None:
    """Log to stderr at `level`; HTTP client loggers stay at WARNING.

    httpx logs every request URL at INFO, and Flex URLs carry the token in the query
    string, so those loggers never go below WARNING whatever the level asked for.
    """
    logging.basicConfig(level=level, format="%(message)s", force=True)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run() -> None:
    """Entry point of the `flexledger` console script and `python -m flexledger`."""
    # Commands validate settings and report problems themselves; logging just needs
    # a level, so invalid settings fall back to WARNING here.
    try:
        level = load_settings().log_level
    except ConfigError:
        level = "WARNING"
    configure_logging(level)
    cli_main(CliRuntime(serve=serve, registry=registry()))
