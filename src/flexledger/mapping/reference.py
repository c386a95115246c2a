"""Sections read as reference, not as events: instrument data and broker figures.

SecuritiesInfo enriches instruments; OpenPositions are the valuation input (SPEC
§8); AccountInformation was checked at ingestion; the performance summaries are the
broker side of reconciliation (SPEC §11). Their rows are accounted for here so that
every row of a statement has an outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.canonical import SourceRow
from flexledger.domain.money import FX_RATE, MONEY, QUANTITY, DecimalScale
from flexledger.mapping.instruments import facts_from_row
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
)
from flexledger.mapping.values import FieldError, clean_text, parse_date, parse_decimal

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


@dataclass(frozen=True, slots=True)
class ReportedPosition:
    """What an OpenPositions summary row says: IBKR's quantity, mark and basis.

    `cost_basis_money` and `fx_rate_to_base` are None when absent or unreadable
    (the position itself still counts).
    """

    account_id: str
    conid: str
    report_date: dt.date
    position: Decimal
    mark_price: Decimal | None
    cost_basis_money: Decimal | None = None
    fx_rate_to_base: Decimal | None = None


def reported_position(row: SourceRow) -> ReportedPosition | None:
    """The summary row's position; None for lot rows and rows that cannot be read.

    Rows are read leniently: a position IBKR wrote unreadably is no check at all,
    never a wrong one.
    """
    if row.section_name != "OpenPositions" or row.row_tag != "OpenPosition":
        return None
    level = (row.attrs.get("levelOfDetail") or "SUMMARY").strip().upper()
    conid = clean_text(row.attrs.get("conid"))
    category = clean_text(row.attrs.get("assetCategory")) or "STK"
    # Only stock positions: the ledger holds no other asset category (SPEC D-12).
    if level != "SUMMARY" or conid is None or category != "STK":
        return None
    try:
        day = parse_date(row.attrs.get("reportDate")) or row.report_date_local
        position = parse_decimal(row.attrs.get("position"), scale=QUANTITY)
        mark = parse_decimal(row.attrs.get("markPrice"), scale=MONEY)
    except FieldError:
        return None
    if day is None or position is None:
        return None
    return ReportedPosition(
        row.account_id,
        conid,
        day,
        position,
        mark,
        cost_basis_money=_lenient_decimal(row.attrs.get("costBasisMoney"), MONEY),
        fx_rate_to_base=_lenient_decimal(row.attrs.get("fxRateToBase"), FX_RATE),
    )


def _lenient_decimal(value: str | None, scale: DecimalScale) -> Decimal | None:
    # Out of range for its column counts as unreadable: the ledger stores these.
    try:
        return parse_decimal(value, scale=scale)
    except FieldError:
        return None
