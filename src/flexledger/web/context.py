"""What a request handler may use: settings and the database, built at the root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flexledger.adapter.flex_client import FlexClient, FlexClientConfig
from flexledger.config import Settings
from flexledger.db.database import Database
from flexledger.jobs.ingest import PostPersistHook
from flexledger.jobs.stages import post_persist_stages
from flexledger.mapping.registry import MapperRegistry


@dataclass(frozen=True, slots=True)
class AppContext:
    """The app's dependencies, created by `flexledger.main` and passed to `create_app`.

    Attributes:
        settings: the validated settings.
        database: the database handle; the composition root disposes of it.
        version: the running flexledger version.
        registry: the mappers of every installed add-on.
        flex_client_factory: builds the Flex client for "fetch now" (tests inject
            one with a fake clock).
    """

    settings: Settings
    database: Database
    version: str
    registry: MapperRegistry
    flex_client_factory: Callable[[FlexClientConfig], FlexClient] = field(
        default=FlexClient
    )

    def stages(self) -> tuple[PostPersistHook, ...]:
        """The stages a run does after persisting its rows."""
        return post_persist_stages(self.registry, self.settings)
