"""Schema drift: every section and attribute received that the catalog does not know.

IBKR adds Flex fields often. The raw rows keep them all (SPEC R1), and this report
says which ones the mapping has never heard of, when each was first and last
received, in how many rows, with one example row verbatim, and whether it sits in a
section a mapper reads (a new attribute there may carry something the mapping
should use). Attributes of an unknown section are reported once, as the section.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.coverage import CoverageRepository
from flexledger.db.repositories.drift import DriftRepository, ReceivedRow
from flexledger.jobs.cache import BoundedCache
from flexledger.jobs.flex_catalog import is_known_attribute, is_known_section
from flexledger.mapping.registry import MapperRegistry


@dataclass(frozen=True, slots=True)
class ExampleRow:
    """One raw row verbatim, with its artifact and run."""

    raw_record_id: uuid.UUID
    source_row_ref: str
    attributes: Mapping[str, Any]
    payload_sha256: str
    ingestion_run_id: uuid.UUID


@dataclass(slots=True)
class Sighting:
    """A section (attribute None) or an attribute, as received over time.

    Attributes:
        section_name: the Flex section.
        attribute: the attribute, or None for the section itself.
        in_mapped_section: whether a mapper reads the section.
        first_seen: when a row with it was first stored (UTC).
        last_seen: when a row with it was last stored (UTC).
        first_report_date: the earliest statement date it came with.
        last_report_date: the latest statement date it came with.
        row_count: how many raw rows have it.
        example: the first such row.
    """

    section_name: str
    attribute: str | None
    in_mapped_section: bool
    first_seen: dt.datetime
    last_seen: dt.datetime
    first_report_date: dt.date | None
    last_report_date: dt.date | None
    row_count: int
    example: ExampleRow

    def add(self, row: ReceivedRow) -> None:
        """Count one more row."""
        self.row_count += 1
        self.first_seen = min(self.first_seen, row.received_at)
        self.last_seen = max(self.last_seen, row.received_at)
        day = row.report_date_local
        if day is not None:
            if self.first_report_date is None or day < self.first_report_date:
                self.first_report_date = day
            if self.last_report_date is None or day > self.last_report_date:
                self.last_report_date = day


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Unknown sections and attributes, and how many rows were read."""

    sections: list[Sighting] = field(default_factory=list)
    attributes: list[Sighting] = field(default_factory=list)
    rows_read: int = 0


def schema_drift(
    database: Database,
    registry: MapperRegistry,
    *,
    ingestion_run_id: uuid.UUID | None = None,
) -> DriftReport:
    """Every unknown section and attribute ever received (or in one run's rows).

    Raw rows only grow, and only through runs: the report is built once per raw
    fingerprint (every raw row is read: ~100k for a 100k-trade account).
    """
    with database.unit_of_work() as uow:
        account = AccountRepository(uow).find()
        if account is None:
            return DriftReport()
        key = (
            database.url,
            ingestion_run_id,
            tuple(sorted(registry.routes, key=str)),
            CoverageRepository(uow).fingerprint(account.account_id),
        )
    cached = _REPORTS.get(key)
    if cached is None:
        cached = _built(database, registry, ingestion_run_id)
        _REPORTS.put(key, cached)
    return cached


_REPORTS: BoundedCache[tuple[object, ...], DriftReport] = BoundedCache(16)


def _built(
    database: Database, registry: MapperRegistry, ingestion_run_id: uuid.UUID | None
) -> DriftReport:
    mapped = {section for section, _ in registry.routes}
    sections: dict[str, Sighting] = {}
    attributes: dict[tuple[str, str], Sighting] = {}
    rows = 0
    with database.unit_of_work() as uow:
        for row in DriftRepository(uow).iter_rows(ingestion_run_id):
            rows += 1
            section = row.section_name
            if not is_known_section(section):
                _see(sections, section, row, None, section in mapped)
                continue
            for name in row.attributes:
                if is_known_attribute(section, name) is False:
                    _see(attributes, (section, name), row, name, section in mapped)
    return DriftReport(
        sections=sorted(sections.values(), key=lambda s: s.section_name),
        attributes=sorted(
            attributes.values(), key=lambda s: (s.section_name, s.attribute or "")
        ),
        rows_read=rows,
    )


def _see(
    found: dict[Any, Sighting],
    key: Any,
    row: ReceivedRow,
    attribute: str | None,
    in_mapped_section: bool,
) -> None:
    sighting = found.get(key)
    if sighting is None:
        found[key] = Sighting(
            section_name=row.section_name,
            attribute=attribute,
            in_mapped_section=in_mapped_section,
            first_seen=row.received_at,
            last_seen=row.received_at,
            first_report_date=row.report_date_local,
            last_report_date=row.report_date_local,
            row_count=1,
            example=ExampleRow(
                raw_record_id=row.raw_record_id,
                source_row_ref=row.source_row_ref,
                attributes=dict(row.attributes),
                payload_sha256=row.payload_sha256,
                ingestion_run_id=row.ingestion_run_id,
            ),
        )
    else:
        sighting.add(row)
