"""Fuzz properties over the statement reader and the mappers (T06, Hypothesis).

Shared by the bounded CI run (tests/hostile/test_fuzz.py) and the long runs of
benchmarks/fuzz.py. Each property states only what must always hold:

* `check_reader`: any bytes end in a `FlexLedgerError` or in records that every
  mapping-layer reader maps to an outcome;
* `check_row`: any attributes on any routed row give a `RowResult`, never an
  exception.

Inputs are built from the public fixtures and a dictionary of Flex tag and
attribute names and of values that broke parsers before, so mutations land where
the code branches.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from hypothesis import strategies as st

from flexledger.adapter.statement_reader import read_statement
from flexledger.domain.canonical import SourceRow
from flexledger.domain.errors import FlexLedgerError
from flexledger.mapping.registry import Outcome, RowResult
from tests.fixtures.flex_files import ALL_FIXTURES
from tests.hostile.corpus import (
    LARGE_FIXTURE_BYTES,
    ODD_DATES,
    ODD_INSTANTS,
    ODD_VALUES,
    fixture_bytes,
)
from tests.hostile.harness import CONTEXT, REGISTRY, map_everything, source_rows

# Small fixtures only: a mutation of a 900 KB file costs a second per example.
SEEDS = tuple(
    path for path in ALL_FIXTURES if len(fixture_bytes(path)) < LARGE_FIXTURE_BYTES
)

TOKENS = (
    b"<",
    b">",
    b"/>",
    b'"',
    b"'",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"<!DOCTYPE x>",
    b'<!ENTITY e "x">',
    b"<![CDATA[",
    b"]]>",
    b"<?xml?>",
    b"<!--",
    b"-->",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"<FlexStatement>",
    b"</FlexStatement>",
    b"<FlexStatements>",
    b"<Trades>",
    b"</Trades>",
    b"<Trade ",
    b'<Trade assetCategory="STK" quantity="1e999"/>',
    b'<CashTransaction amount="NaN" fxRateToBase="1e30"/>',
    b' conid="1"',
    b' dateTime="20240230;250000"',
    b' reportDate="20240230"',
    b' quantity="-0"',
    b' tradePrice="99999999999999999999"',
    b' buySell="SELL (Ca.)"',
)


@st.composite
def mutated_statements(draw: st.DrawFn) -> bytes:
    """A public fixture with a few byte-level mutations from the dictionary."""
    data = bytearray(fixture_bytes(draw(st.sampled_from(SEEDS))))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(("flip", "insert", "delete", "duplicate", "cut")))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif kind == "cut":
            del data[at:]
    return bytes(data)


def _check_typed(error: FlexLedgerError) -> None:
    assert error.code
    assert error.message


def check_reader(data: bytes) -> None:
    """Typed error, or records that all map; anything else propagates."""
    try:
        records, info = read_statement(data)
    except FlexLedgerError as exc:
        _check_typed(exc)
        return
    result = map_everything(source_rows(records, info))
    assert result.rows_read == len(records)


# ---------------------------------------------------------------- rows

ROW_TAGS: dict[str, tuple[str, ...]] = {
    "Trades": ("Trade", "Lot", "Order", "SymbolSummary", "WashSale", "Other"),
    "CashTransactions": ("CashTransaction", "Other"),
    "ConversionRates": ("ConversionRate", "Other"),
    "CorporateActions": ("CorporateAction", "Other"),
    "OpenPositions": ("OpenPosition", "Lot"),
    "SecuritiesInfo": ("SecurityInfo",),
    "AccountInformation": ("section",),
    "FIFOPerformanceSummaryInBase": ("FIFOPerformanceSummaryUnderlying",),
    "MTMPerformanceSummaryInBase": ("MTMPerformanceSummaryUnderlying",),
}
ATTRIBUTES = (
    "assetCategory",
    "levelOfDetail",
    "ibExecID",
    "transactionID",
    "actionID",
    "conid",
    "symbol",
    "isin",
    "securityID",
    "securityIDType",
    "currency",
    "reportDate",
    "dateTime",
    "tradeDate",
    "tradeTime",
    "buySell",
    "transactionType",
    "quantity",
    "tradePrice",
    "cost",
    "ibCommission",
    "taxes",
    "fifoPnlRealized",
    "netCash",
    "netCashInBase",
    "fxRateToBase",
    "closePrice",
    "amount",
    "type",
    "description",
    "rate",
    "fromCurrency",
    "toCurrency",
    "proceeds",
    "position",
    "markPrice",
    "costBasisMoney",
    "totalRealizedPnl",
    "totalUnrealizedPnl",
    "commissions",
)
_PLAUSIBLE = {
    "assetCategory": ("STK", "OPT", "CASH", ""),
    "levelOfDetail": ("EXECUTION", "DETAIL", "SUMMARY", "LOT", "x"),
    "buySell": ("BUY", "SELL", "buy", "SELL (Ca.)", "HOLD", ""),
    "type": ("Dividends", "Withholding Tax", "FS", "IC", "RS", "SD", "TC", "x"),
    "securityIDType": ("ISIN", "CUSIP"),
    "description": ("SPLIT 4 FOR 1", "1 FOR 0", "99999999999999999999 FOR 1"),
    "currency": ("USD", "EUR", ""),
}
VALUES = st.one_of(
    st.sampled_from(tuple(ODD_VALUES.values())),
    st.sampled_from(tuple(ODD_DATES.values())),
    st.sampled_from(tuple(ODD_INSTANTS.values())),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.dates().map(lambda day: day.strftime("%Y%m%d")),
    st.datetimes().map(lambda at: at.strftime("%Y%m%d;%H%M%S")),
    st.text(max_size=24),
)


@st.composite
def rows(draw: st.DrawFn) -> SourceRow:
    """A row of a routed section with attributes drawn from the dictionary."""
    section = draw(st.sampled_from(tuple(ROW_TAGS)))
    tag = draw(st.sampled_from(ROW_TAGS[section]))
    names = draw(st.sets(st.sampled_from(ATTRIBUTES), max_size=len(ATTRIBUTES)))
    attrs = {}
    for name in sorted(names):
        plausible = _PLAUSIBLE.get(name)
        values = VALUES if plausible is None else st.sampled_from(plausible) | VALUES
        attrs[name] = draw(values)
    if draw(st.booleans()):
        attrs["assetCategory"] = "STK"
    return SourceRow(
        raw_record_id=uuid.UUID(int=draw(st.integers(0, 2**32))),
        ingestion_run_id=uuid.UUID(int=1),
        artifact_created_at_utc=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        account_id="U1",
        section_name=section,
        row_tag=tag,
        source_row_ref=f"{section}:{tag}:idx=1",
        report_date_local=draw(st.none() | st.dates()),
        attrs=attrs,
    )


def check_row(row: SourceRow) -> None:
    """The row's mapper gives a result; the other readers take the row too."""
    mapper = REGISTRY.mapper_for(row)
    if mapper is not None:
        result = mapper.map_row(row, CONTEXT)
        assert isinstance(result, RowResult)
        assert result.outcome in set(Outcome)
    map_everything([row])


PROPERTIES: dict[str, tuple[st.SearchStrategy[object], Callable[[object], None]]] = {
    "reader": (mutated_statements(), check_reader),  # type: ignore[dict-item]
    "rows": (rows(), check_row),  # type: ignore[dict-item]
}
