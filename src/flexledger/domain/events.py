"""Vocabulary of canonical events: the codes stored in the event tables.

Values equal the strings stored in the database (ARCHITECTURE §3); broker codes keep
IBKR's spelling.
"""

from __future__ import annotations

import enum


class Side(enum.StrEnum):
    """Direction of a trade fill (`buySell` without the ` (Ca.)` suffix)."""

    BUY = "BUY"
    SELL = "SELL"


class CashAction(enum.StrEnum):
    """Normalized `CashTransaction.type` (FLEX_FIELDS.md §5).

    Normalizing keeps natural keys stable when IBKR changes a label's spelling; the
    original text stays in the raw record.
    """

    DIVIDEND = "DIVIDEND"
    PAYMENT_IN_LIEU = "PAYMENT_IN_LIEU"
    WITHHOLDING_TAX = "WITHHOLDING_TAX"
    WITHHOLDING_871M = "WITHHOLDING_871M"
    OTHER_FEES = "OTHER_FEES"
    BROKER_FEES = "BROKER_FEES"
    ADVISOR_FEES = "ADVISOR_FEES"
    COMMISSION_ADJUSTMENT = "COMMISSION_ADJUSTMENT"
    BROKER_INTEREST_PAID = "BROKER_INTEREST_PAID"
    BROKER_INTEREST_RECEIVED = "BROKER_INTEREST_RECEIVED"
    BOND_INTEREST_PAID = "BOND_INTEREST_PAID"
    BOND_INTEREST_RECEIVED = "BOND_INTEREST_RECEIVED"
    DEPOSIT_WITHDRAWAL = "DEPOSIT_WITHDRAWAL"
    PRICE_ADJUSTMENT = "PRICE_ADJUSTMENT"
    OTHER = "OTHER"


class FxSource(enum.StrEnum):
    """Where an execution or valuation FX rate came from (SPEC §8)."""

    TRADE_FX_RATE_TO_BASE = "trade_fx_rate_to_base"
    DERIVED_NET_CASH_RATIO = "derived_net_cash_ratio"
    CONVERSION_RATES = "conversion_rates"
    IDENTITY_BASE = "identity_base"
    MISSING = "missing"


class ValuationSource(enum.StrEnum):
    """Where an end-of-day mark came from (SPEC §8)."""

    OPENPOSITIONS_MARK = "openpositions_mark"
    TRADES_CLOSE_PRICE = "trades_close_price"
    TRADES_LAST_PRICE = "trades_last_price"
    MISSING = "missing"


class EventKind(enum.StrEnum):
    """The canonical event tables, for references that span them (event notes)."""

    TRADE_FILL = "trade_fill"
    CASHFLOW = "cashflow"
    FX = "fx"
    CORP_ACTION = "corp_action"
