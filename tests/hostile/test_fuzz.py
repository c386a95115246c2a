"""The bounded fuzz run of every CI build (T06): derandomized, fixed example counts.

benchmarks/fuzz.py runs the same properties with random seeds and many more
examples. Crashers it finds are fixed and kept: the row-level ones below, the
byte-level ones in `corpus.REGRESSIONS`.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings

from flexledger.domain.canonical import SourceRow
from flexledger.mapping.reference import reported_position
from flexledger.mapping.registry import Outcome
from tests.hostile.harness import CONTEXT, REGISTRY
from tests.hostile.properties import check_reader, check_row, mutated_statements, rows

READER_EXAMPLES = 300
ROW_EXAMPLES = 1500
_CI = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(_CI, max_examples=READER_EXAMPLES)
@given(mutated_statements())
def test_mutated_statements_read_typed_or_map(data: bytes) -> None:
    check_reader(data)


@settings(_CI, max_examples=ROW_EXAMPLES)
@given(rows())
def test_any_attributes_map_to_an_outcome(row: SourceRow) -> None:
    check_row(row)


def _row(section: str, tag: str, **attrs: str) -> SourceRow:
    return SourceRow(
        raw_record_id=uuid.UUID(int=7),
        ingestion_run_id=uuid.UUID(int=1),
        artifact_created_at_utc=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        account_id="U1",
        section_name=section,
        row_tag=tag,
        source_row_ref=f"{section}:{tag}:idx=1",
        report_date_local=None,
        attrs=attrs,
    )


_TRADE = {
    "assetCategory": "STK",
    "ibExecID": "E1",
    "conid": "1",
    "currency": "USD",
    "reportDate": "20240102",
    "quantity": "10",
    "tradePrice": "1.5",
    "buySell": "BUY",
    "dateTime": "20240102;101010",
}
_CASH = {
    "transactionID": "T1",
    "type": "Dividends",
    "amount": "5",
    "currency": "EUR",
    "reportDate": "20240102",
}

# Crashers found by the fuzz run and the corpus, each a regression case now.
REGRESSION_ROWS = [
    # DecimalOutOfRangeError from to_scale: values that cannot fit numeric(24,8).
    pytest.param(
        _row("Trades", "Trade", **{**_TRADE, "quantity": "1e999"}),
        id="trade-quantity-1e999",
    ),
    pytest.param(
        _row("Trades", "Trade", **{**_TRADE, "tradePrice": "9" * 5000}),
        id="trade-price-5000-digits",
    ),
    pytest.param(
        _row("Trades", "Trade", **{**_TRADE, "netCash": "12345678901234567.5"}),
        id="trade-netcash-17-digits",
    ),
    pytest.param(
        _row("Trades", "Trade", **{**_TRADE, "fxRateToBase": "123456789012345"}),
        id="trade-rate-over-fx-column",
    ),
    pytest.param(
        _row("CashTransactions", "CashTransaction", **{**_CASH, "amount": "1e20"}),
        id="cash-amount-1e20",
    ),
    # decimal.Overflow: amount times fxRateToBase beyond the context's exponent range.
    pytest.param(
        _row(
            "CashTransactions",
            "CashTransaction",
            **{**_CASH, "amount": "1e999999", "fxRateToBase": "1e999999"},
        ),
        id="cash-product-overflow",
    ),
    # Both factors fit, their product does not fit the money column.
    pytest.param(
        _row(
            "CashTransactions",
            "CashTransaction",
            **{**_CASH, "amount": "9999999999999999", "fxRateToBase": "9999"},
        ),
        id="cash-product-out-of-range",
    ),
    pytest.param(
        _row(
            "ConversionRates",
            "ConversionRate",
            reportDate="20240102",
            fromCurrency="EUR",
            toCurrency="USD",
            rate="1e15",
        ),
        id="fx-rate-1e15",
    ),
    pytest.param(
        _row(
            "CorporateActions",
            "CorporateAction",
            type="FS",
            conid="1",
            reportDate="20240102",
            actionID="A",
            quantity="1e999",
        ),
        id="corporate-action-quantity-1e999",
    ),
    pytest.param(
        _row(
            "OpenPositions",
            "OpenPosition",
            assetCategory="STK",
            conid="1",
            reportDate="20240102",
            position="1e999999",
            markPrice="1e999",
        ),
        id="open-position-1e999999",
    ),
]


@pytest.mark.parametrize("row", REGRESSION_ROWS)
def test_a_former_crasher_is_a_contract_diagnostic_now(row: SourceRow) -> None:
    check_row(row)
    if row.section_name == "OpenPositions":
        # Read leniently: a position too large for its column is no position.
        assert reported_position(row) is None
        return
    mapper = REGISTRY.mapper_for(row)
    assert mapper is not None
    result = mapper.map_row(row, CONTEXT)
    assert result.outcome is Outcome.CONTRACT
    assert any("out of range" in d.message for d in result.diagnostics)
