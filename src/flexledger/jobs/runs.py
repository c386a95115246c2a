"""Ingestion runs for reading: one page of runs, or one run with its timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flexledger.db.database import Database
from flexledger.db.repositories.runs import RunFilter, RunRepository
from flexledger.domain.runs import IngestionRun


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs and how many match in all."""

    runs: list[IngestionRun]
    total: int


def list_runs(
    database: Database,
    filters: RunFilter | None = None,
    *,
    sort_by: str = "started_at_utc",
    sort_dir: str = "desc",
    limit: int = 50,
    offset: int = 0,
) -> RunPage:
    """Runs matching `filters`, newest first by default."""
    with database.unit_of_work() as uow:
        runs, total = RunRepository(uow).list_runs(
            filters or RunFilter(),
            sort_by=sort_by,
            sort_dir=sort_dir,
            limit=limit,
            offset=offset,
        )
    return RunPage(runs, total)


def get_run(database: Database, ingestion_run_id: uuid.UUID) -> IngestionRun:
    """One run with its stage timeline.

    Raises:
        NotFoundError: no such run.
    """
    with database.unit_of_work() as uow:
        return RunRepository(uow).get(ingestion_run_id)
