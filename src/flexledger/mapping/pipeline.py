"""Raw rows → canonical candidates, diagnostics and one outcome per row.

`map_rows` is pure and deterministic: the same rows in the same order give the same
result. Several rows can give one natural key (a correction, an overlapping
statement); `resolve_events` then decides each key's event (mapping/resolve.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from flexledger.domain.canonical import (
    Event,
    InstrumentFacts,
    InstrumentLink,
    SourceRow,
)
from flexledger.domain.diagnostics import Diagnostic
from flexledger.mapping.registry import (
    MapperRegistry,
    MappingContext,
    Outcome,
    RowResult,
    unmapped,
)

_OUTCOME_TEXT = {outcome: outcome.value for outcome in Outcome}


@dataclass(slots=True)
class MappingResult:
    """Everything mapping a set of rows gave.

    Attributes:
        events: candidate events, one per mapped event row, in row order.
        instruments: instrument facts, in row order.
        links: instrument identity links from corporate actions.
        diagnostics: findings, in row order.
        outcomes: rows per outcome; they add up to the rows read.
        sections: rows per (section, outcome), for the run's report.
        rows_read: how many rows were read.
    """

    events: list[Event] = field(default_factory=list)
    instruments: list[InstrumentFacts] = field(default_factory=list)
    links: list[InstrumentLink] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    sections: Counter[tuple[str, str]] = field(default_factory=Counter)
    rows_read: int = 0

    def add(self, row: SourceRow, result: RowResult) -> None:
        """Take in one row's result."""
        self.rows_read += 1
        # The plain text, not the member: the counters are reported and compared
        # as text. A dict lookup instead of `.value`, which is a Python property.
        outcome = _OUTCOME_TEXT[result.outcome]
        self.outcomes[outcome] += 1
        self.sections[(row.section_name, outcome)] += 1
        self.events.extend(result.events)
        self.instruments.extend(result.instruments)
        self.links.extend(result.links)
        self.diagnostics.extend(result.diagnostics)


def map_rows(
    rows: Iterable[SourceRow], registry: MapperRegistry, context: MappingContext
) -> MappingResult:
    """Map every row through the registry."""
    result = MappingResult()
    for row in rows:
        if row.row_tag == "section" and not row.attrs:
            # An empty `<Trades/>` is a real file's quiet day, not a row we
            # failed to map: its presence stays on record in raw and coverage.
            result.add(row, RowResult(Outcome.EMPTY))
            continue
        mapper = registry.mapper_for(row)
        if mapper is None:
            category = (row.attrs.get("assetCategory") or "").strip()
            what = f"{row.section_name} rows" + (
                f" of asset category {category}" if category else ""
            )
            result.add(row, unmapped(row, f"no mapper for {what}: kept raw"))
            continue
        result.add(row, mapper.map_row(row, context))
    return result


__all__ = ["MappingResult", "Outcome", "map_rows"]
