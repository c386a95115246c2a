"""IBKR's own figures, read from the raw rows reconciliation compares with (SPEC §11).

* `FIFOPerformanceSummaryInBase` rows (tag ``FIFOPerformanceSummaryUnderlying``):
  `totalRealizedPnl` over the statement's period and `totalUnrealizedPnl` at its
  end, in base currency;
* `MTMPerformanceSummaryInBase` rows (``MTMPerformanceSummaryUnderlying``):
  `commissions` over the period, in base;
* `CashTransactions` rows of type Withholding Tax naming a conid: `amount` times
  `fxRateToBase` on the row's `reportDate`.

Only stock rows count: the ledger holds no other asset category (SPEC D-12), so a
figure for an option would be a difference by construction, not a finding. Rows
are read leniently: an unreadable figure is no comparison, never a wrong one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.canonical import SourceRow
from flexledger.domain.events import CashAction
from flexledger.domain.money import FX_RATE, MONEY, DecimalScale
from flexledger.domain.tolerances import Metric
from flexledger.mapping.cashflows import cash_action_of
from flexledger.mapping.values import FieldError, clean_text, parse_date, parse_decimal

FIFO_SECTION = "FIFOPerformanceSummaryInBase"
MTM_SECTION = "MTMPerformanceSummaryInBase"
CASH_SECTION = "CashTransactions"
SECTIONS = (FIFO_SECTION, MTM_SECTION, CASH_SECTION)
_WITHHOLDING = frozenset({CashAction.WITHHOLDING_TAX, CashAction.WITHHOLDING_871M})

# (row tag, attribute, metric, whether the figure covers the statement's period).
_PERFORMANCE_FIELDS: dict[str, tuple[tuple[str, Metric, bool], ...]] = {
    "FIFOPerformanceSummaryUnderlying": (
        ("totalRealizedPnl", Metric.REALIZED_PNL, True),
        ("totalUnrealizedPnl", Metric.UNREALIZED_PNL, False),
    ),
    "MTMPerformanceSummaryUnderlying": (("commissions", Metric.FEES, True),),
}


@dataclass(frozen=True, slots=True)
class BrokerFigure:
    """One figure IBKR reports for one stock.

    Attributes:
        conid: the stock's conid.
        metric: what the figure is.
        day: the date it is reported for (the statement's `toDate` for summaries).
        value: the figure in base currency.
        over_period: True when it sums the statement's period (realized, fees),
            False when it is a state at `day` (unrealized) or one day's flow.
        source: ``Tag.attribute`` it was read from.
        raw_record_id: the raw row it was read from (the first, for a sum).
        identity: what makes two rows the same figure (overlapping statements
            repeat rows): later stored rows replace earlier ones.
    """

    conid: str
    metric: Metric
    day: dt.date
    value: Decimal
    over_period: bool
    source: str
    raw_record_id: uuid.UUID
    identity: tuple[str, ...]


def broker_figures(rows: Iterable[SourceRow]) -> list[BrokerFigure]:
    """Every readable stock figure of `rows`, one per identity (last stored wins).

    Withholding rows are summed per stock and day: our side is the day's net, and
    a reversal (a positive row beside the charge it undoes) nets with it.
    """
    found: dict[tuple[str, ...], BrokerFigure] = {}
    for row in rows:
        for figure in _figures_of(row):
            found[figure.identity] = figure
    figures = [f for f in found.values() if f.metric is not Metric.WITHHOLDING_TAX]
    daily: dict[tuple[str, dt.date], list[BrokerFigure]] = {}
    for figure in found.values():
        if figure.metric is Metric.WITHHOLDING_TAX:
            daily.setdefault((figure.conid, figure.day), []).append(figure)
    for (conid, day), parts in daily.items():
        figures.append(
            dataclasses.replace(
                parts[0],
                value=sum((p.value for p in parts), Decimal(0)),
                identity=("withholding", conid, day.isoformat()),
                source=parts[0].source
                if len(parts) == 1
                else f"sum of {len(parts)} CashTransaction.amount",
            )
        )
    return figures


def _figures_of(row: SourceRow) -> list[BrokerFigure]:
    if row.section_name == CASH_SECTION:
        figure = _withholding(row)
        return [] if figure is None else [figure]
    fields = _PERFORMANCE_FIELDS.get(row.row_tag)
    conid = clean_text(row.attrs.get("conid"))
    category = clean_text(row.attrs.get("assetCategory"))
    if fields is None or conid is None or category != "STK":
        return []
    day = _date(row.attrs.get("reportDate")) or row.report_date_local
    if day is None:
        return []
    figures = []
    for attribute, metric, over_period in fields:
        value = _decimal(row.attrs.get(attribute))
        if value is not None:
            figures.append(
                BrokerFigure(
                    conid=conid,
                    metric=metric,
                    day=day,
                    value=value,
                    over_period=over_period,
                    source=f"{row.row_tag}.{attribute}",
                    raw_record_id=row.raw_record_id,
                    identity=(metric.value, conid, day.isoformat()),
                )
            )
    return figures


def _withholding(row: SourceRow) -> BrokerFigure | None:
    attrs = row.attrs
    level = (attrs.get("levelOfDetail") or "DETAIL").strip().upper()
    conid = clean_text(attrs.get("conid"))
    label = clean_text(attrs.get("type"))
    if (
        row.row_tag != "CashTransaction"
        or level == "SUMMARY"
        or conid is None
        or label is None
        or cash_action_of(label) not in _WITHHOLDING
    ):
        return None
    day = _date(attrs.get("reportDate"))
    amount = _decimal(attrs.get("amount"))
    rate = _decimal(attrs.get("fxRateToBase"), FX_RATE)
    if day is None or amount is None:
        return None
    value = amount * rate if rate is not None and rate > 0 else amount
    transaction = clean_text(attrs.get("transactionID")) or row.source_row_ref
    return BrokerFigure(
        conid=conid,
        metric=Metric.WITHHOLDING_TAX,
        day=day,
        value=value,
        over_period=False,
        source="CashTransaction.amount",
        raw_record_id=row.raw_record_id,
        identity=("withholding", transaction, clean_text(attrs.get("currency")) or ""),
    )


def _decimal(value: str | None, scale: DecimalScale = MONEY) -> Decimal | None:
    # A figure too large for the column it is compared in is no comparison.
    try:
        return parse_decimal(value, scale=scale)
    except FieldError:
        return None


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_date(value)
    except FieldError:
        return None
