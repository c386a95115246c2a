"""The account and base currency this ledger holds (SPEC §0 P3)."""

from __future__ import annotations

from sqlalchemy import select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import AccountRow
from flexledger.domain.accounts import Account


class AccountRepository:
    """Reads and fixes the ledger's account."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def find(self) -> Account | None:
        """The account, or None before the first import."""
        row = self._session.execute(
            select(AccountRow).order_by(AccountRow.created_at_utc).limit(1)
        ).scalar_one_or_none()
        return Account(row.account_id, row.base_currency) if row is not None else None

    def add(self, account: Account) -> None:
        """Fix the account and base currency (first import only)."""
        self._session.add(
            AccountRow(
                account_id=account.account_id, base_currency=account.base_currency
            )
        )
        self._session.flush()
