"""Which statements of a payload belong to this ledger, and in which base currency.

SPEC §0 P3: the account and base currency are fixed on first import — from
`ACCOUNT_ID` or the statement; the base currency from `AccountInformation.currency`,
else `BASE_CURRENCY`, else USD — and a later statement or setting that disagrees is
refused. Nothing is ever converted silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexledger.domain.accounts import Account
from flexledger.domain.errors import (
    AccountMismatchError,
    BaseCurrencyMismatchError,
    ConfigError,
)
from flexledger.domain.raw import PayloadInfo

_CHOOSE_ACCOUNT_HINT = "Set ACCOUNT_ID to the account this ledger should hold."


@dataclass(frozen=True, slots=True)
class AccountDecision:
    """The outcome of matching a payload to the ledger.

    Attributes:
        account: the ledger's account and base currency.
        is_new: True on first import (the account must be stored).
        statement_indexes: statements to import.
        skipped_accounts: other accounts' statements, reported as skipped.
        warnings: readable notes, e.g. a statement without an accountId.
    """

    account: Account
    is_new: bool
    statement_indexes: tuple[int, ...]
    skipped_accounts: tuple[str, ...]
    warnings: tuple[str, ...]


def decide_account(
    info: PayloadInfo,
    *,
    stored: Account | None,
    account_setting: str | None,
    base_currency_setting: str,
    base_currency_is_explicit: bool,
) -> AccountDecision:
    """Match the payload's statements to the ledger.

    Raises:
        ConfigError: `ACCOUNT_ID` disagrees with the account already stored.
        AccountMismatchError: no statement is for the ledger's account, or the file
            holds several accounts and none is chosen.
        BaseCurrencyMismatchError: a statement or setting disagrees on the base.
    """
    if stored and account_setting and stored.account_id != account_setting:
        raise ConfigError(
            f"ACCOUNT_ID={account_setting} but this database holds account "
            f"{stored.account_id}.",
            hint="Unset ACCOUNT_ID, or point DATABASE_URL at that account's database.",
        )
    chosen = account_setting or (stored.account_id if stored else None)
    warnings: list[str] = []
    if chosen is None:
        accounts = info.account_ids
        if len(accounts) > 1:
            raise AccountMismatchError(
                "The file holds statements for several accounts "
                f"({', '.join(accounts)}) and none is chosen.",
                hint=_CHOOSE_ACCOUNT_HINT,
            )
        if not accounts:
            raise AccountMismatchError(
                "The statement names no account (no accountId).",
                hint=_CHOOSE_ACCOUNT_HINT,
            )
        chosen = accounts[0]
    selected: list[int] = []
    skipped: dict[str, None] = {}
    for statement in info.statements:
        if statement.account_id is None:
            warnings.append(
                f"statement {statement.index + 1} names no account; "
                f"attributed to {chosen}"
            )
            selected.append(statement.index)
        elif statement.account_id == chosen:
            selected.append(statement.index)
        else:
            skipped.setdefault(statement.account_id, None)
    if not selected:
        raise AccountMismatchError(
            f"No statement in the file is for account {chosen}; it holds "
            f"{', '.join(info.account_ids) or 'no account'}.",
            hint="Import the statement of the account this ledger holds.",
        )
    if skipped:
        warnings.append(f"skipped statements of other accounts: {', '.join(skipped)}")
    base = _decide_base_currency(
        info,
        selected,
        stored=stored,
        setting=base_currency_setting,
        explicit=base_currency_is_explicit,
    )
    return AccountDecision(
        account=Account(chosen, base),
        is_new=stored is None,
        statement_indexes=tuple(selected),
        skipped_accounts=tuple(skipped),
        warnings=tuple(warnings),
    )


def _decide_base_currency(
    info: PayloadInfo,
    selected: list[int],
    *,
    stored: Account | None,
    setting: str,
    explicit: bool,
) -> str:
    reported = {
        info.statements[index].base_currency
        for index in selected
        if info.statements[index].base_currency
    }
    if len(reported) > 1:
        raise BaseCurrencyMismatchError(
            "The statements disagree on the base currency "
            f"({', '.join(sorted(c for c in reported if c))})."
        )
    statement_currency = next(iter(reported), None)
    base = stored.base_currency if stored else (statement_currency or setting)
    if statement_currency and statement_currency != base:
        raise BaseCurrencyMismatchError(
            f"The statement's base currency is {statement_currency}; "
            f"this ledger's is {base}."
        )
    if explicit and setting != base:
        raise BaseCurrencyMismatchError(
            f"BASE_CURRENCY={setting} but the ledger's base currency is {base}."
        )
    return base
