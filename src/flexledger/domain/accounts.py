"""The ledger's account (SPEC §0 P3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Account:
    """The ledger's account, fixed on first import.

    Attributes:
        account_id: the IBKR account id.
        base_currency: the currency every base figure is in.
    """

    account_id: str
    base_currency: str
