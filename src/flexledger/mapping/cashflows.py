"""CashTransactions rows → cashflow events (FLEX_FIELDS.md §5).

IBKR's `type` labels are normalized to a `cash_action` code, so a respelled label
keeps the natural key stable; the label itself stays in the raw row. Withholding
and fees are rows of their own, signed as IBKR wrote them: a withholding reversal
is positive, its re-charge negative, and both stay as they are.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from flexledger.domain.canonical import (
    Cashflow,
    Provenance,
    SourceRow,
    event_id_for,
    instrument_id_for,
)
from flexledger.domain.diagnostics import Diagnostic, DiagnosticCode, Severity
from flexledger.domain.events import CashAction, EventKind
from flexledger.domain.money import (
    FX_RATE,
    MONEY,
    DecimalOutOfRangeError,
    money_or_none,
    to_scale,
)
from flexledger.mapping.fields import FieldReader
from flexledger.mapping.instruments import facts_from_row
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
    unmapped,
)

_LABELS: dict[str, CashAction] = {
    "dividends": CashAction.DIVIDEND,
    "dividend": CashAction.DIVIDEND,
    "payment in lieu of dividends": CashAction.PAYMENT_IN_LIEU,
    "payment in lieu of dividend": CashAction.PAYMENT_IN_LIEU,
    "withholding tax": CashAction.WITHHOLDING_TAX,
    "871(m) withholding": CashAction.WITHHOLDING_871M,
    "other fees": CashAction.OTHER_FEES,
    "broker fees": CashAction.BROKER_FEES,
    "advisor fees": CashAction.ADVISOR_FEES,
    "commission adjustments": CashAction.COMMISSION_ADJUSTMENT,
    "broker interest paid": CashAction.BROKER_INTEREST_PAID,
    "broker interest received": CashAction.BROKER_INTEREST_RECEIVED,
    "bond interest paid": CashAction.BOND_INTEREST_PAID,
    "bond interest received": CashAction.BOND_INTEREST_RECEIVED,
    "bond interest": CashAction.BOND_INTEREST_RECEIVED,
    "deposits/withdrawals": CashAction.DEPOSIT_WITHDRAWAL,
    "deposits & withdrawals": CashAction.DEPOSIT_WITHDRAWAL,
    "deposits and withdrawals": CashAction.DEPOSIT_WITHDRAWAL,
    "price adjustments": CashAction.PRICE_ADJUSTMENT,
}
# Upper-case codes some Flex versions write instead of labels.
_CODES = {action.value: action for action in CashAction}
_WITHHOLDING = frozenset({CashAction.WITHHOLDING_TAX, CashAction.WITHHOLDING_871M})
_FEES = frozenset(
    {CashAction.OTHER_FEES, CashAction.BROKER_FEES, CashAction.ADVISOR_FEES}
)
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1024)  # a statement has a handful of labels
def cash_action_of(label: str) -> CashAction:
    """The normalized code of a `CashTransaction.type` label (OTHER if unknown)."""
    folded = _SPACES.sub(" ", label.strip()).casefold()
    return _LABELS.get(folded) or _CODES.get(label.strip().upper()) or CashAction.OTHER


class CashTransactionMapper:
    """Every `CashTransactions` row, whatever its asset category."""

    handles: tuple[RouteKey, ...] = (("CashTransactions", None),)

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """A cashflow for a DETAIL row; SUMMARY rows stay raw."""
        if row.row_tag != "CashTransaction":
            return unmapped(
                row, f"CashTransactions row <{row.row_tag}> is not a cash row"
            )
        level = (row.attrs.get("levelOfDetail") or "DETAIL").strip().upper()
        if level == "SUMMARY":
            return unmapped(row, "summary cash rows repeat the detail rows")
        fields = FieldReader(row, "CashTransaction")
        transaction_id = fields.text("transactionID", required=True)
        label = fields.text("type", required=True)
        amount = fields.decimal("amount", required=True)
        currency = fields.text("currency", required=True)
        report_date = fields.date("reportDate", required=True)
        rate = fields.decimal("fxRateToBase", scale=FX_RATE)
        effective = fields.instant("dateTime", context.source_timezone)
        amount_in_base = None
        if amount is not None and currency is not None:
            amount_in_base = _in_base(
                fields, amount, currency, rate, context.base_currency
            )
        if (
            not fields.ok
            or transaction_id is None
            or label is None
            or amount is None
            or currency is None
            or report_date is None
        ):
            return fields.contract_violation()
        action = cash_action_of(label)
        conid = fields.text("conid")
        stored = to_scale(amount, MONEY)
        source = Provenance.of(row)
        key = (row.account_id, transaction_id, action.value, currency)
        flow = Cashflow(
            event_id=event_id_for(EventKind.CASHFLOW, key),
            account_id=row.account_id,
            instrument_id=instrument_id_for(row.account_id, conid) if conid else None,
            transaction_id=transaction_id,
            cash_action=action.value,
            report_date_local=report_date,
            effective_at_utc=effective,
            amount=stored,
            amount_in_base=amount_in_base,
            currency=currency,
            functional_currency=context.base_currency,
            withholding_tax=stored if action in _WITHHOLDING else None,
            fees=stored if action in _FEES else None,
            is_correction=False,
            action_id=fields.text("actionID"),
            source=source,
        )
        result = RowResult(Outcome.MAPPED, events=[flow])
        # A cash row's description is the payment's text ("… CASH DIVIDEND USD 0.24
        # PER SHARE"), not the security's name.
        facts = facts_from_row(
            row, with_description=False, report_date=report_date, source=source
        )
        if facts is not None:
            result.instruments.append(facts)
        if action is CashAction.OTHER:
            result.diagnostics.append(
                Diagnostic(
                    code=DiagnosticCode.CASH_OTHER,
                    severity=Severity.INFO,
                    message=(
                        f"cash type {label!r} has no cash action of its own: kept as "
                        "OTHER, outside P&L"
                    ),
                    section_name=row.section_name,
                    source_row_ref=row.source_row_ref,
                    raw_record_id=str(row.raw_record_id),
                    field="type",
                )
            )
        return result


def _in_base(
    fields: FieldReader,
    amount: Decimal,
    currency: str,
    rate: Decimal | None,
    base_currency: str,
) -> Decimal | None:
    """The amount in base: by the row's rate, or itself when already in base.

    Both factors fit their columns, but their product need not fit the money
    column; that breaks the row's contract like an unreadable field.
    """
    if rate is not None and rate > 0:
        try:
            return money_or_none(amount * rate)
        except DecimalOutOfRangeError:
            fields.require(
                "fxRateToBase", "times amount is out of range for numeric(24,8)"
            )
            return None
    if currency == base_currency:
        return to_scale(amount, MONEY)
    return None
