"""The stages every ingestion runs after persisting: mapping, then the ledger."""

from __future__ import annotations

from flexledger.config import Settings
from flexledger.jobs.canonical import CanonicalStage
from flexledger.jobs.ingest import PostPersistHook
from flexledger.jobs.ledger import LedgerStage
from flexledger.mapping.registry import MapperRegistry


def post_persist_stages(
    registry: MapperRegistry, settings: Settings
) -> tuple[PostPersistHook, ...]:
    """`canonical_mapping` then `snapshot`, in one unit of work with the persist."""
    return (CanonicalStage(registry, settings), LedgerStage(settings))
