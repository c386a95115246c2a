"""Sections read as reference, not as events: instrument data and broker figures.

SecuritiesInfo enriches instruments; OpenPositions are the valuation input (SPEC
§8); AccountInformation was checked at ingestion; the performance summaries are the
broker side of reconciliation (SPEC §11). Their rows are accounted for here so that
every row of a statement has an outcome.
"""

from __future__ import annotations

from flexledger.domain.canonical import SourceRow
from flexledger.mapping.instruments import facts_from_row
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
)

INSTRUMENT_SECTIONS = ("SecuritiesInfo", "OpenPositions")
BROKER_FIGURE_SECTIONS = (
    "AccountInformation",
    "FIFOPerformanceSummaryInBase",
    "MTMPerformanceSummaryInBase",
)


class ReferenceSectionMapper:
    """Instrument facts from SecuritiesInfo/OpenPositions; broker figures kept."""

    handles: tuple[RouteKey, ...] = tuple(
        (section, None) for section in (*INSTRUMENT_SECTIONS, *BROKER_FIGURE_SECTIONS)
    )

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """Facts for rows naming a conid; the row itself stays the stages' input."""
        if row.section_name in INSTRUMENT_SECTIONS:
            facts = facts_from_row(row)
            if facts is not None:
                return RowResult(Outcome.MAPPED, instruments=[facts])
        return RowResult(Outcome.REFERENCE)
