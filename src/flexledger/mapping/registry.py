"""Which mapper reads which rows: a registry keyed by section and asset category.

Add-ons declare their mappers (ARCHITECTURE §7); the composition root builds one
registry from all of them and fails fast when two claim the same key. A row goes to
the mapper of its (section, assetCategory), else to the section's catch-all mapper
(asset category None), else nowhere: it stays raw with a `mapping.unmapped`
diagnostic, so a later add-on can map it by reprocess.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from flexledger.domain.canonical import (
    Event,
    InstrumentFacts,
    InstrumentLink,
    SourceRow,
)
from flexledger.domain.diagnostics import Diagnostic, DiagnosticCode, Severity

RouteKey = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class MappingContext:
    """What mapping needs beyond the row.

    Attributes:
        base_currency: the account's base currency (events' functional currency).
        source_timezone: IANA zone of Flex timestamps that carry none (SPEC §0 P7).
    """

    base_currency: str
    source_timezone: str


class Outcome(enum.StrEnum):
    """What became of a row; every row has exactly one."""

    MAPPED = "mapped"  # gave a canonical event or instrument facts
    REFERENCE = "reference"  # read by later stages (valuation, reconciliation)
    UNMAPPED = "unmapped"  # kept raw only, with a diagnostic
    CONTRACT = "contract"  # a mapped row with a bad required field: not mapped
    EMPTY = "empty"  # a section IBKR sent without rows: nothing to map


@dataclass(slots=True)
class RowResult:
    """A mapper's answer for one row."""

    outcome: Outcome
    events: list[Event] = field(default_factory=list)
    instruments: list[InstrumentFacts] = field(default_factory=list)
    links: list[InstrumentLink] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class SectionMapper(Protocol):
    """Maps the rows of the (section, asset category) pairs it declares."""

    @property
    def handles(self) -> tuple[RouteKey, ...]:
        """(section, asset category) pairs; None as category means any."""
        ...

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """Map one row; never raises for bad data (diagnostics say what was wrong)."""
        ...


class DuplicateMapperError(ValueError):
    """Two mappers claim the same (section, asset category)."""


class MapperRegistry:
    """Finds the mapper for a row."""

    def __init__(self, mappers: Iterable[SectionMapper]) -> None:
        self._routes: dict[RouteKey, SectionMapper] = {}
        for mapper in mappers:
            for key in mapper.handles:
                if key in self._routes:
                    raise DuplicateMapperError(
                        f"two mappers claim section {key[0]!r}, asset category "
                        f"{key[1]!r}: {type(self._routes[key]).__name__} and "
                        f"{type(mapper).__name__}"
                    )
                self._routes[key] = mapper

    @property
    def routes(self) -> tuple[RouteKey, ...]:
        """Every declared key, sorted (for diagnostics and tests)."""
        return tuple(sorted(self._routes, key=lambda key: (key[0], key[1] or "")))

    def mapper_for(self, row: SourceRow) -> SectionMapper | None:
        """The mapper of the row's section and asset category, if any."""
        category = (row.attrs.get("assetCategory") or "").strip() or None
        if category is not None:
            found = self._routes.get((row.section_name, category))
            if found is not None:
                return found
        return self._routes.get((row.section_name, None))


def unmapped(
    row: SourceRow, message: str, *, severity: Severity = Severity.INFO
) -> RowResult:
    """A row kept raw only, with the reason."""
    return RowResult(
        Outcome.UNMAPPED,
        diagnostics=[
            Diagnostic(
                code=DiagnosticCode.UNMAPPED,
                severity=severity,
                message=message,
                section_name=row.section_name,
                source_row_ref=row.source_row_ref,
                raw_record_id=str(row.raw_record_id),
            )
        ],
    )
