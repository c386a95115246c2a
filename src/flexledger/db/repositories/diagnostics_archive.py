"""Run diagnostics for the retention job: read the old ones, purge, write back.

Only `ingestion_run.diagnostics` is read or written here; the run rows themselves
stay (SPEC §14: deleting a run would cascade into its raw rows, which are kept
forever).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, null, select, update

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import IngestionRunRow
from flexledger.domain.runs import RunStatus

# Large IN lists are split so that SQLite's bound-parameter limit is never reached.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RunDiagnostics:
    """One run's diagnostics as archived.

    Attributes:
        ingestion_run_id: the run.
        started_at_utc: when it started (its archive month).
        diagnostics: the JSON document stored in `ingestion_run.diagnostics`.
    """

    ingestion_run_id: uuid.UUID
    started_at_utc: dt.datetime
    diagnostics: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RestoreCounts:
    """What writing archived diagnostics back did.

    Attributes:
        restored: runs whose purged diagnostics were written back.
        unchanged: runs that already held exactly the archived document.
        conflicting: runs holding a different document, left as they are.
        missing: archived run ids with no run row in this database.
    """

    restored: int = 0
    unchanged: int = 0
    conflicting: tuple[uuid.UUID, ...] = ()
    missing: tuple[uuid.UUID, ...] = ()


class DiagnosticsArchiveRepository:
    """The diagnostics column of run rows; never touches any other column or table."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def started_before(self, cutoff: dt.datetime) -> list[RunDiagnostics]:
        """Finished runs started before `cutoff` that still hold diagnostics.

        A `started` run may belong to a live process, whose diagnostics are still
        being written, so it is never archived whatever its age.
        """
        rows = self._session.execute(
            select(
                IngestionRunRow.ingestion_run_id,
                IngestionRunRow.started_at_utc,
                IngestionRunRow.diagnostics,
            )
            .where(
                IngestionRunRow.started_at_utc < cutoff,
                IngestionRunRow.status != RunStatus.STARTED.value,
                IngestionRunRow.diagnostics.is_not(None),
            )
            .order_by(IngestionRunRow.started_at_utc, IngestionRunRow.ingestion_run_id)
        )
        # A JSON `null` document is not SQL NULL, yet reads back as None: nothing
        # to archive there.
        return [
            RunDiagnostics(run_id, started, list(document))
            for run_id, started, document in rows
            if document is not None
        ]

    def purge(self, run_ids: Iterable[uuid.UUID]) -> int:
        """Set `diagnostics` to SQL NULL on these runs; returns how many changed."""
        ids = list(run_ids)
        changed = 0
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            # null(), not None: the JSON type would store None as the JSON text
            # `null`, and SPEC §14 says the column becomes NULL.
            result = cast(
                "CursorResult[Any]",
                self._session.execute(
                    update(IngestionRunRow)
                    .where(IngestionRunRow.ingestion_run_id.in_(chunk))
                    .values(diagnostics=null())
                    .execution_options(synchronize_session=False)
                ),
            )
            changed += result.rowcount
        return changed

    def write_back(
        self, documents: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]]
    ) -> RestoreCounts:
        """Write archived documents into runs whose diagnostics were purged.

        Idempotent: a run already holding the same document is counted as
        unchanged, and one holding a different document is left alone and reported.
        """
        ids = list(documents)
        current: dict[uuid.UUID, Any] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            current.update(
                self._session.execute(
                    select(
                        IngestionRunRow.ingestion_run_id, IngestionRunRow.diagnostics
                    ).where(IngestionRunRow.ingestion_run_id.in_(chunk))
                ).all()
            )
        restored = unchanged = 0
        conflicting: list[uuid.UUID] = []
        missing: list[uuid.UUID] = []
        for run_id, document in documents.items():
            wanted = [dict(event) for event in document]
            if run_id not in current:
                missing.append(run_id)
            elif current[run_id] is None:
                self._session.execute(
                    update(IngestionRunRow)
                    .where(IngestionRunRow.ingestion_run_id == run_id)
                    .values(diagnostics=wanted)
                    .execution_options(synchronize_session=False)
                )
                restored += 1
            elif current[run_id] == wanted:
                unchanged += 1
            else:
                conflicting.append(run_id)
        return RestoreCounts(restored, unchanged, tuple(conflicting), tuple(missing))
