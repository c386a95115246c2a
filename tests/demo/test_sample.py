"""The sample account: deterministic bytes, readable by our reader, shaped like IBKR."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter
from decimal import Decimal

import pytest

from flexledger.adapter.query_lint import QueryLinter, Severity
from flexledger.adapter.statement_reader import StatementReader
from flexledger.demo.flex_writer import statement_xml
from flexledger.demo.sample import (
    ACCOUNT_ID,
    MONTHS,
    SampleAccount,
    cusip_for,
    isin_for,
    simulate,
)
from flexledger.domain.raw import RawRecord

END = dt.date(2025, 11, 20)


@pytest.fixture(scope="module")
def account() -> SampleAccount:
    return simulate(7, END)


def _records(data: bytes) -> tuple[StatementReader, list[RawRecord]]:
    reader = StatementReader(io.BytesIO(data))
    return reader, list(reader.records())


def test_same_seed_and_end_give_the_same_bytes(account: SampleAccount) -> None:
    again = simulate(7, END)
    assert [statement_xml(s) for s in again.statements] == [
        statement_xml(s) for s in account.statements
    ]
    other = simulate(8, END)
    assert statement_xml(other.statements[0]) != statement_xml(account.statements[0])


def test_thirty_months_ending_on_the_last_business_day(account: SampleAccount) -> None:
    statements = account.statements
    assert len(statements) == MONTHS
    assert statements[-1].to_date == END
    assert statements[-1].period == "MonthToDate"
    assert (END - statements[0].from_date).days > 2 * 365
    for before, after in itertools.pairwise(statements):
        assert before.to_date < after.from_date


def test_every_statement_reads_cleanly_and_has_what_the_ledger_needs(
    account: SampleAccount,
) -> None:
    for statement in account.statements:
        reader, records = _records(statement_xml(statement))
        info = reader.info
        assert info.account_ids == (ACCOUNT_ID,)
        assert info.query_type == "AF"
        linter = QueryLinter()
        for record in records:
            linter.observe(record)
        findings = linter.findings(info, reconciliation_enabled=True)
        # Closed Lots are absent only in months without a closing trade.
        assert {f.severity for f in findings} <= {Severity.INFO}
        assert {f.code for f in findings} <= {"QUERY_CLOSED_LOTS_MISSING"}


def test_rows_cover_every_event_kind(account: SampleAccount) -> None:
    tags: Counter[tuple[str, str]] = Counter()
    cash_types: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    currencies: set[str] = set()
    codes: Counter[str] = Counter()
    for statement in account.statements:
        for section, rows in statement.sections:
            for tag, attrs in rows:
                tags[(section, tag)] += 1
                if tag == "CashTransaction":
                    cash_types[attrs["type"]] += 1
                if tag == "Trade":
                    categories[attrs["assetCategory"]] += 1
                    currencies.add(attrs["currency"])
                if tag == "CorporateAction":
                    codes[attrs["type"]] += 1
    assert currencies >= {"USD", "EUR", "GBP"}
    assert categories["CASH"] >= 3
    assert categories["STK"] >= 25
    assert tags[("Trades", "Lot")] >= account.counts["closing_fills"]
    assert set(cash_types) >= {
        "Dividends",
        "Withholding Tax",
        "Other Fees",
        "Broker Interest Received",
        "Broker Interest Paid",
        "Deposits/Withdrawals",
    }
    assert codes == {"FS": 1, "TC": 2}
    assert tags[("ConversionRates", "ConversionRate")] > 2 * 2 * 365
    assert account.counts["dividend_reversals"] == 1


def test_closing_fills_satisfy_ibkrs_identity(account: SampleAccount) -> None:
    # On real rows fifoPnlRealized = netCash + cost (FLEX_FIELDS §4).
    closing = 0
    for statement in account.statements:
        for section, rows in statement.sections:
            for tag, attrs in rows:
                if section != "Trades" or tag != "Trade":
                    continue
                if attrs["assetCategory"] != "STK" or attrs["fifoPnlRealized"] == "0":
                    continue
                closing += 1
                assert Decimal(attrs["fifoPnlRealized"]) == Decimal(
                    attrs["netCash"]
                ) + Decimal(attrs["cost"])
    assert closing == account.counts["closing_fills"] >= 10


def test_one_short_position_at_the_end(account: SampleAccount) -> None:
    last = dict(account.statements[-1].sections)["OpenPositions"]
    sides = Counter(attrs["side"] for _, attrs in last)
    assert sides["Short"] == 1
    assert sides["Long"] >= 8


def test_identifiers_carry_valid_check_digits() -> None:
    assert isin_for("US", "037833100") == "US0378331005"  # a published ISIN
    assert cusip_for("03783310") == "037833100"
