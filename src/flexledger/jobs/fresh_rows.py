"""The raw rows a run's persist just inserted, handed to mapping in memory.

Mapping used to read them back: about 7 s at 100k trades (JSON decoded again, a
UUID object per id) for rows the persist had in hand a moment before. Each row is
the very record written, with the id it was stored under, so what mapping sees is
what a later read would give (the attribute values are the stored strings; only
their order differs, stored keys being sorted, and mappers read by name).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from flexledger.db.bulk_read import uuid_from_hex
from flexledger.db.repositories.raw_bulk import RecordGroup
from flexledger.db.repositories.written_events import WrittenEvents
from flexledger.domain.canonical import SourceRow


class FreshRows:
    """The groups of records one persist wrote, each with its stored ids.

    Taken once: the first stage that takes them owns them, so the records are
    freed when it is done instead of living on through the ledger stage.
    """

    def __init__(self) -> None:
        self._groups: list[tuple[Sequence[str], RecordGroup]] | None = []
        self.raw_artifact_id: uuid.UUID | None = None
        # Set by the mapping stage for the ledger stage: the events it wrote.
        self.written: WrittenEvents | None = None

    def keep(
        self, raw_artifact_id: uuid.UUID, ids: Sequence[str], group: RecordGroup
    ) -> None:
        """Add a group as written, with the ids it was stored under.

        Raises:
            RuntimeError: taken already, or the group names another artifact.
        """
        if self._groups is None:
            raise RuntimeError("fresh rows were already taken")
        if self.raw_artifact_id not in (None, raw_artifact_id):
            raise RuntimeError("one persist stores one artifact's rows")
        self.raw_artifact_id = raw_artifact_id
        self._groups.append((ids, group))

    def take(
        self, ingestion_run_id: uuid.UUID, artifact_created_at_utc: dt.datetime
    ) -> list[SourceRow]:
        """The rows in storage order (ids ascend as written), as mappers read them.

        Raises:
            RuntimeError: they were taken before.
        """
        if self._groups is None:
            raise RuntimeError("fresh rows were already taken")
        groups, self._groups = self._groups, None
        return [
            SourceRow(
                raw_record_id=uuid_from_hex(row_id),
                ingestion_run_id=ingestion_run_id,
                artifact_created_at_utc=artifact_created_at_utc,
                account_id=group.account_id,
                section_name=record.section_name,
                row_tag=record.source_row_ref.split(":", 2)[1],
                source_row_ref=record.source_row_ref,
                report_date_local=group.report_date_local,
                attrs=record.attrs,
            )
            for ids, group in groups
            for row_id, record in zip(ids, group.records, strict=True)
        ]
