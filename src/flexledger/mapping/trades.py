"""Trades rows: stock executions become fills; everything else stays raw, counted.

Only `Trade` rows at EXECUTION level are fills (SPEC §7.1); `Lot` rows look the same
but are closed-lot detail of the opening fill, kept as broker evidence for
reconciliation; Order, SymbolSummary, AssetSummary and WashSale rows repeat what the
executions say and carry `MULTI` dates. Cancellations (`BUY (Ca.)`, `TradeCancel`…)
are fills with their own `ibExecID` and the opposite sign, so the original and its
cancellation net to zero and a rebook stands alone.
"""

from __future__ import annotations

import datetime as dt

from flexledger.domain.canonical import (
    Provenance,
    SourceRow,
    TradeFill,
    event_id_for,
    instrument_id_for,
)
from flexledger.domain.events import EventKind
from flexledger.domain.money import FX_RATE
from flexledger.mapping.fields import FieldReader
from flexledger.mapping.instruments import facts_from_row
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
    unmapped,
)
from flexledger.mapping.values import (
    FieldError,
    is_cancellation_side,
    is_date_only,
    normalize_side,
    parse_instant,
)

_SUMMARY_TAGS = frozenset({"Order", "SymbolSummary", "AssetSummary", "WashSale"})
_EXECUTION = "EXECUTION"


class StockTradeMapper:
    """`Trades` rows of stocks (assetCategory STK; ETFs and ADRs are STK too)."""

    handles: tuple[RouteKey, ...] = (("Trades", "STK"),)

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """A fill for an execution; evidence for a lot; the rest kept raw."""
        tag = row.row_tag
        if tag == "Lot":
            return RowResult(Outcome.REFERENCE)  # closed-lot evidence, never a fill
        if tag in _SUMMARY_TAGS:
            return unmapped(row, f"{tag} rows summarise executions; never a fill")
        if tag != "Trade":
            return unmapped(row, f"Trades row <{tag}> is not an execution")
        level = (row.attrs.get("levelOfDetail") or _EXECUTION).strip().upper()
        if level != _EXECUTION:
            return unmapped(row, f"Trade row at levelOfDetail={level}; only executions")
        return _map_execution(row, context)


def _map_execution(row: SourceRow, context: MappingContext) -> RowResult:
    fields = FieldReader(row, "Trade")
    ib_exec_id = fields.text("ibExecID", required=True)
    conid = fields.text("conid", required=True)
    currency = fields.text("currency", required=True)
    report_date = fields.date("reportDate", required=True)
    quantity = fields.scaled("quantity", required=True)
    price = fields.scaled("tradePrice", required=True)
    side = _side(fields, row)
    timestamp = _timestamp(fields, row, context)
    # Read before the check below, so an unreadable optional amount fails the row.
    cost = fields.scaled("cost")
    commission = fields.scaled("ibCommission")
    fees = fields.scaled("taxes")
    realized_pnl = fields.scaled("fifoPnlRealized")
    net_cash = fields.scaled("netCash")
    net_cash_in_base = fields.scaled("netCashInBase")
    fx_rate_to_base = fields.scaled("fxRateToBase", scale=FX_RATE)
    close_price = fields.scaled("closePrice")
    if (
        not fields.ok
        or ib_exec_id is None
        or conid is None
        or currency is None
        or report_date is None
        or quantity is None
        or price is None
        or side is None
        or timestamp is None
    ):
        return fields.contract_violation()
    key = (row.account_id, ib_exec_id)
    source = Provenance.of(row)
    fill = TradeFill(
        event_id=event_id_for(EventKind.TRADE_FILL, key),
        account_id=row.account_id,
        instrument_id=instrument_id_for(row.account_id, conid),
        ib_exec_id=ib_exec_id,
        transaction_id=fields.text("transactionID"),
        trade_timestamp_utc=timestamp,
        report_date_local=report_date,
        side=side,
        quantity=quantity,
        price=price,
        cost=cost,
        commission=commission,
        fees=fees,
        realized_pnl=realized_pnl,
        net_cash=net_cash,
        net_cash_in_base=net_cash_in_base,
        fx_rate_to_base=fx_rate_to_base,
        currency=currency,
        functional_currency=context.base_currency,
        commission_currency=fields.text("ibCommissionCurrency"),
        is_cancellation=_is_cancellation(row),
        close_price=close_price,
        source=source,
    )
    facts = facts_from_row(row, report_date=report_date, source=source)
    return RowResult(
        Outcome.MAPPED, events=[fill], instruments=[facts] if facts else []
    )


_CANCEL_TYPES = frozenset({"TRADECANCEL", "FRACSHARECANCEL"})


def _is_cancellation(row: SourceRow) -> bool:
    kind = (row.attrs.get("transactionType") or "").strip().upper()
    return kind in _CANCEL_TYPES or is_cancellation_side(row.attrs.get("buySell"))


def _side(fields: FieldReader, row: SourceRow) -> str | None:
    try:
        side = normalize_side(row.attrs.get("buySell"))
    except FieldError as exc:
        fields.require("buySell", exc.reason)
        return None
    if side is None:
        fields.require("buySell", "is missing or empty")
    return side


def _timestamp(
    fields: FieldReader, row: SourceRow, context: MappingContext
) -> dt.datetime | None:
    """`dateTime`, else `tradeDate` + `tradeTime`; never a bare date at midnight."""
    stamp = fields.instant("dateTime", context.source_timezone)
    if stamp is not None or not fields.ok:
        return stamp
    trade_date = (row.attrs.get("tradeDate") or "").strip()
    trade_time = (row.attrs.get("tradeTime") or "").strip()
    if trade_date and trade_time:
        combined = f"{trade_date};{trade_time}"
        try:
            stamp = parse_instant(combined, context.source_timezone)
        except FieldError as exc:
            fields.require("tradeTime", exc.reason, hint=exc.hint)
            return None
    if stamp is None:
        reason = (
            "holds a date without a time"
            if is_date_only(row.attrs.get("dateTime"))
            else "is missing or empty"
        )
        fields.require(
            "dateTime",
            reason,
            hint="In the Flex Query, set a time format (HH:mm:ss TimeZone).",
        )
    return stamp
