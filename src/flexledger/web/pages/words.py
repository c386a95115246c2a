"""Human words beside the machine codes the reconciliation and coverage pages show.

Only wording: the codes themselves, and every verdict, come from the jobs layer.
An unknown code (a newer one) is shown bare rather than hidden.
"""

from __future__ import annotations

REASONS = {
    "missing_opening_lot": "An opening lot is missing: the position was opened "
    "before the imported statements, or our figure rests on IBKR's own basis.",
    "commission_treatment": "The difference is the fill's commission: IBKR and "
    "we book charges differently.",
    "fx_source": "A conversion at our FX rate, not IBKR's.",
    "corporate_action_adjustment": "A corporate action adjusted the position or "
    "its basis: an open case is still to resolve.",
    "lot_relief_method": "IBKR relieved other lots than FIFO.",
    "unexplained": "No known cause: worth a look.",
    "valuation_source": "A different end-of-day price (mark) values the position.",
    "economic_view": "Only the economic view's extra items (dividends, "
    "withholding, other fees) explain it.",
    "not_in_ledger": "The ledger has no figure for it: no snapshot on or before "
    "the date.",
}

METRICS = {
    "realized_pnl": "Realized P&L",
    "unrealized_pnl": "Unrealized P&L",
    "fees": "Commissions",
    "withholding_tax": "Withholding tax",
    "position_qty": "Position",
}

EMPTY_REASONS = {
    "always_has_rows": "This section always has rows: it describes the account.",
    "rows_in_every_other_statement": "Every other statement has rows here; IBKR "
    "may have returned it incomplete.",
}


def reason_words(code: str | None) -> str:
    """The sentence for a reason code; empty for none."""
    if not code:
        return ""
    return REASONS.get(code, "")


def metric_words(code: str) -> str:
    """The name of a metric."""
    return METRICS.get(code, code)
