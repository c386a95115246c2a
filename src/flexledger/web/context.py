"""What a request handler may use: settings and the database, built at the root."""

from __future__ import annotations

from dataclasses import dataclass

from flexledger.config import Settings
from flexledger.db.database import Database


@dataclass(frozen=True, slots=True)
class AppContext:
    """The app's dependencies, created by `flexledger.main` and passed to `create_app`.

    Attributes:
        settings: the validated settings.
        database: the database handle; the composition root disposes of it.
        version: the running flexledger version.
    """

    settings: Settings
    database: Database
    version: str
