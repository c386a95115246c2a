"""Response shapes of the P&L reports (decimals as strings, see `DecimalOut`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

from flexledger.analytics.pnl import InstrumentPnl, LabelPnl
from flexledger.web.api.schemas import DecimalOut


class InstrumentPnlOut(BaseModel):
    """One instrument's P&L over the range, in base currency (`currency`).

    `total_pnl` is realized + unrealized (broker view); `economic_pnl` adds
    dividends, withholding and other fees.
    """

    report_date_local: dt.date
    instrument_id: uuid.UUID
    conid: str
    symbol: str
    currency: str
    position_qty: DecimalOut
    cost_basis: DecimalOut | None
    realized_pnl: DecimalOut
    unrealized_pnl: DecimalOut
    total_pnl: DecimalOut
    fees: DecimalOut
    withholding_tax: DecimalOut
    dividends: DecimalOut
    other_fees: DecimalOut
    economic_pnl: DecimalOut
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: list[str]

    @classmethod
    def of(cls, row: InstrumentPnl) -> InstrumentPnlOut:
        """The API shape of a by-instrument row."""
        return cls(
            report_date_local=row.report_date_local,
            instrument_id=row.instrument_id,
            conid=row.conid,
            symbol=row.symbol,
            currency=row.currency,
            position_qty=row.position_qty,
            cost_basis=row.cost_basis,
            realized_pnl=row.realized_pnl,
            unrealized_pnl=row.unrealized_pnl,
            total_pnl=row.total_pnl,
            fees=row.fees,
            withholding_tax=row.withholding_tax,
            dividends=row.dividends,
            other_fees=row.other_fees,
            economic_pnl=row.economic_pnl,
            provisional=row.provisional,
            unresolved_cases=row.unresolved_cases,
            diagnostic_codes=list(row.diagnostic_codes),
        )


class LabelPnlOut(BaseModel):
    """A label's P&L: the sum of its member instruments (`label_id` null: none)."""

    report_date_local: dt.date
    label_id: uuid.UUID | None
    label_name: str | None
    instrument_count: int
    instrument_ids: list[uuid.UUID]
    currency: str
    realized_pnl: DecimalOut
    unrealized_pnl: DecimalOut
    total_pnl: DecimalOut
    fees: DecimalOut
    withholding_tax: DecimalOut
    dividends: DecimalOut
    other_fees: DecimalOut
    economic_pnl: DecimalOut
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: list[str]

    @classmethod
    def of(cls, row: LabelPnl) -> LabelPnlOut:
        """The API shape of a by-label row."""
        return cls(
            report_date_local=row.report_date_local,
            label_id=row.label_id,
            label_name=row.label_name,
            instrument_count=row.instrument_count,
            instrument_ids=list(row.instrument_ids),
            currency=row.currency,
            realized_pnl=row.realized_pnl,
            unrealized_pnl=row.unrealized_pnl,
            total_pnl=row.total_pnl,
            fees=row.fees,
            withholding_tax=row.withholding_tax,
            dividends=row.dividends,
            other_fees=row.other_fees,
            economic_pnl=row.economic_pnl,
            provisional=row.provisional,
            unresolved_cases=row.unresolved_cases,
            diagnostic_codes=list(row.diagnostic_codes),
        )


class DiffOut(BaseModel):
    """One compared figure: IBKR's (`broker_value`) beside ours (`economic_value`).

    `economic_value` is ours in the request's `mode` (null: the ledger has no
    figure); `within_tolerance` is the SPEC §11 matrix's verdict on both sides
    rounded, `reason_code` why a row is out of tolerance (or agrees only through
    IBKR's basis), `source` the check or broker attribute compared.
    """

    model_config = ConfigDict(from_attributes=True)

    report_date_local: dt.date
    instrument_id: uuid.UUID
    conid: str
    symbol: str
    metric: str
    currency: str
    broker_value: DecimalOut | None
    economic_value: DecimalOut | None
    abs_diff: DecimalOut
    rel_diff: DecimalOut | None
    tolerance_abs: DecimalOut
    tolerance_rel: DecimalOut
    within_tolerance: bool
    reason_code: str | None
    formula_context: str | None
    source: str
    source_event_id: uuid.UUID | None
    source_raw_record_id: uuid.UUID | None
    provisional: bool
    unresolved_cases: int
