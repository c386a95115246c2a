"""Spot checks of the real public Flex statements, read by hand from their XML.

The golden files say the mapping did not change; these tests say it is right. Every
expected value below was read from the statement itself (the row is named in a
comment: its transactionID, ibExecID or position), never copied from a golden file,
so a mapping that misreads IBKR's data fails here even when its goldens agree.

Times in these files carry no zone: they are US/Eastern wall time (SPEC §0 P7), so
each expected UTC instant names the offset that applied on that day.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import pytest

from flexledger.domain.canonical import Cashflow, FxRate, TradeFill, instrument_id_for
from flexledger.domain.diagnostics import Diagnostic, DiagnosticCode
from flexledger.mapping.pipeline import MappingResult
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.registry import installed_registry
from tests.mapping.golden import map_file

Mapped = tuple[MappingResult, dict[str, Any]]

PP = "portfolio-performance__portfolio__testIBFlexStatementFile"
FILE01 = f"{PP}01.xml"
FILE02 = f"{PP}02.xml"
FILE12 = f"{PP}12.xml"
FILE17 = f"{PP}17.xml"
FILE18 = f"{PP}18.xml"
FILE25 = f"{PP}25.xml"
CQ_DAILY = "cquillen__ibkr-conduit__cash-transactions.xml"
CQ_CONSOLIDATED = "cquillen__ibkr-conduit__cash-transactions-consolidated.xml"

UNMAPPED = DiagnosticCode.UNMAPPED
CONTRACT = DiagnosticCode.CONTRACT


@functools.cache
def _mapped(name: str) -> Mapped:
    return map_file(FLEX_DIR / name, installed_registry())


def _utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def _fill(name: str, ib_exec_id: str) -> TradeFill:
    result, _ = _mapped(name)
    found = [
        e
        for e in result.events
        if isinstance(e, TradeFill) and e.ib_exec_id == ib_exec_id
    ]
    assert len(found) == 1, f"{len(found)} fills with ibExecID {ib_exec_id}"
    return found[0]


def _cash(name: str, source_row_ref: str) -> Cashflow:
    result, _ = _mapped(name)
    found = [
        e
        for e in result.events
        if isinstance(e, Cashflow) and e.source.source_row_ref == source_row_ref
    ]
    assert len(found) == 1, f"{len(found)} cashflows from {source_row_ref}"
    return found[0]


def _fx(name: str, transaction_id: str) -> FxRate:
    result, _ = _mapped(name)
    found = [
        e
        for e in result.events
        if isinstance(e, FxRate) and e.transaction_id == transaction_id
    ]
    assert len(found) == 1, f"{len(found)} rates {transaction_id}"
    return found[0]


def _instrument(name: str, conid: str) -> dict[str, Any]:
    _, document = _mapped(name)
    found = [i for i in document["instruments"] if i["conid"] == conid]
    assert len(found) == 1, f"{len(found)} instruments with conid {conid}"
    instrument: dict[str, Any] = found[0]
    return instrument


def _diagnostics(name: str, source_row_ref: str) -> list[Diagnostic]:
    result, _ = _mapped(name)
    return [d for d in result.diagnostics if d.source_row_ref == source_row_ref]


def _codes(name: str, source_row_ref: str) -> set[DiagnosticCode]:
    return {d.code for d in _diagnostics(name, source_row_ref)}


def _contract_fields(name: str, source_row_ref: str) -> set[str | None]:
    return {d.field for d in _diagnostics(name, source_row_ref) if d.code is CONTRACT}


def _events_of(name: str, kind: type[Any]) -> list[Any]:
    result, _ = _mapped(name)
    return [e for e in result.events if isinstance(e, kind)]


# ------------------------------------------------------------------ File01 (CHF base)


def test_file01_gcm_buy_in_summer_time() -> None:
    # <Trade> transactionID=3452745495, ibExecID 0000d514.5159662d.01.01:
    # tradeDate 20130401 tradeTime 093406 (EDT, UTC-4), no dateTime attribute.
    fill = _fill(FILE01, "0000d514.5159662d.01.01")
    assert fill.transaction_id == "3452745495"
    assert fill.instrument_id == instrument_id_for("U123456", "80845553")
    assert fill.side == "BUY"
    assert fill.quantity == Decimal("5000")
    assert fill.price == Decimal("0.27")
    assert fill.commission == Decimal("-6.75")
    assert fill.commission_currency == "CAD"
    assert fill.fees == Decimal("0")
    assert fill.cost == Decimal("1356.75")
    assert fill.net_cash == Decimal("-1356.75")
    assert fill.realized_pnl == Decimal("0")
    assert fill.fx_rate_to_base == Decimal("0.93099")
    assert fill.currency == "CAD"
    assert fill.report_date_local == dt.date(2013, 4, 1)
    assert fill.trade_timestamp_utc == _utc(2013, 4, 1, 13, 34, 6)


def test_file01_uuu_buy_in_winter_time() -> None:
    # <Trade> transactionID=3277427053, ibExecID 0000d514.50e42ded.01.01:
    # tradeDate 20130102 tradeTime 151236 (EST, UTC-5).
    fill = _fill(FILE01, "0000d514.50e42ded.01.01")
    assert fill.transaction_id == "3277427053"
    assert fill.quantity == Decimal("100")
    assert fill.price == Decimal("2.31")
    assert fill.commission == Decimal("-1")
    assert fill.cost == Decimal("232")
    assert fill.net_cash == Decimal("-232")
    assert fill.fx_rate_to_base == Decimal("0.93194")
    assert fill.report_date_local == dt.date(2013, 1, 2)
    assert fill.trade_timestamp_utc == _utc(2013, 1, 2, 20, 12, 36)


def test_file01_instruments_come_from_the_trade_rows() -> None:
    gcm = _instrument(FILE01, "80845553")  # <Trade> GCM, GRAN COLOMBIA GOLD CORP
    assert (gcm["symbol"], gcm["isin"], gcm["currency"]) == (
        "GCM",
        "CA38501D2041",
        "CAD",
    )
    assert gcm["asset_category"] == "STK"
    uuu = _instrument(FILE01, "44924734")  # <Trade> UUU, URANIUM ONE INC.
    assert (uuu["symbol"], uuu["isin"]) == ("UUU", "CA91701P1053")


def test_file01_option_and_fx_rows_are_kept_raw() -> None:
    # <Trade assetCategory="OPT"> FB 21SEP18 200.0 C, transactionID=9004794431.
    assert _codes(FILE01, "Trades:Trade:transactionID=9004794431") == {UNMAPPED}
    assert not [
        e
        for e in _events_of(FILE01, TradeFill)
        if e.ib_exec_id == "00014980.5af58682.01.01"
    ]
    # 15 <FxTransaction assetCategory="CASH"> rows.
    for index in range(1, 16):
        ref = f"FxTransactions:FxTransaction:idx={index}"
        assert _codes(FILE01, ref) == {UNMAPPED}
    assert len(_events_of(FILE01, TradeFill)) == 13  # the 13 STK executions


def test_file01_unkeyable_legacy_rows_are_contract_violations() -> None:
    # This old export has no `type`/`actionID`/`transactionID` on its 5 corporate
    # action legs and no `transactionID`/`reportDate` on its 7 cash rows.
    for index in range(1, 6):
        ref = f"CorporateActions:CorporateAction:idx={index}"
        assert _contract_fields(FILE01, ref) == {"type", "actionID"}
    for index in range(1, 8):
        ref = f"CashTransactions:CashTransaction:idx={index}"
        assert _contract_fields(FILE01, ref) == {"transactionID", "reportDate"}
    assert not _events_of(FILE01, Cashflow)
    result, _ = _mapped(FILE01)
    assert dict(result.outcomes) == {"mapped": 13, "unmapped": 16, "contract": 12}


# ------------------------------------------------------------------ File02 (EUR base)


def test_file02_bmw_buy_just_after_the_autumn_clock_change() -> None:
    # <Trade> transactionID=3937447227, ibExecID 000127a7.5279ddbf.01.01:
    # 20131106 033513 — New York left summer time on 3 Nov 2013, so EST (UTC-5).
    fill = _fill(FILE02, "000127a7.5279ddbf.01.01")
    assert fill.transaction_id == "3937447227"
    assert fill.instrument_id == instrument_id_for("U1234567", "14094")
    assert fill.quantity == Decimal("141")
    assert fill.price == Decimal("81.97")
    assert fill.commission == Decimal("-16.180878")
    assert fill.cost == Decimal("11573.950878")
    assert fill.net_cash == Decimal("-11573.950878")
    assert fill.fx_rate_to_base == Decimal("1")
    assert (fill.currency, fill.functional_currency) == ("EUR", "EUR")
    assert fill.report_date_local == dt.date(2013, 11, 6)
    assert fill.trade_timestamp_utc == _utc(2013, 11, 6, 8, 35, 13)


def test_file02_deutsche_bank_buy_in_summer_time() -> None:
    # <Trade> transactionID=6698911710: 20160805 043409 (EDT, UTC-4).
    fill = _fill(FILE02, "000127a7.57a41ff4.01.01")
    assert fill.quantity == Decimal("10")
    assert fill.price == Decimal("11.5")
    assert fill.commission == Decimal("-5.8")
    assert fill.net_cash == Decimal("-120.8")
    assert fill.trade_timestamp_utc == _utc(2016, 8, 5, 8, 34, 9)
    bmw = _instrument(FILE02, "14094")
    assert (bmw["symbol"], bmw["isin"]) == ("BMWd", "DE0005190003")
    helma = _instrument(FILE02, "43669257")  # <Trade> H5E, listingExchange IBIS
    assert (helma["symbol"], helma["isin"]) == ("H5E", "DE000A0EQ578")


def test_file02_rows_without_ids_and_options_are_not_mapped() -> None:
    # ORCL assignment (BookTrade, notes "A", tradeID=1908991475) has no ibExecID.
    assert _contract_fields(FILE02, "Trades:Trade:tradeID=1908991475") == {"ibExecID"}
    # ORCL/PAYC options (assetCategory OPT).
    for ref in (
        "Trades:Trade:tradeID=1902533101",
        "Trades:Trade:tradeID=1908991474",
        "Trades:Trade:tradeID=1910911677",
        "Trades:Trade:transactionID=9004815263",
    ):
        assert _codes(FILE02, ref) == {UNMAPPED}
    # ORCL dividend 19 / withholding -2.85 and two fees: no transactionID.
    for index in range(1, 5):
        ref = f"CashTransactions:CashTransaction:idx={index}"
        assert _contract_fields(FILE02, ref) == {"transactionID"}
    assert not _events_of(FILE02, Cashflow)
    assert len(_events_of(FILE02, TradeFill)) == 4


# ------------------------------------------------------------------ File12 (stripped)


def test_file12_stripped_rows_are_contract_violations() -> None:
    # The uploader cut the rows down: Trades lack ibExecID, reportDate, tradePrice;
    # cash rows lack transactionID and reportDate.
    for index in range(1, 5):
        assert _contract_fields(FILE12, f"Trades:Trade:idx={index}") == {
            "ibExecID",
            "reportDate",
            "tradePrice",
        }
    for index in range(1, 15):
        ref = f"CashTransactions:CashTransaction:idx={index}"
        assert _contract_fields(FILE12, ref) == {"transactionID", "reportDate"}
    result, document = _mapped(FILE12)
    assert result.events == []
    assert document["instruments"] == []
    # The empty <CorporateActions> element is kept as a section row, no finding.
    assert _codes(FILE12, "CorporateActions:section:1") == set()
    assert result.outcomes["empty"] == 1


# ------------------------------------------------------------------ File17 (USD base)


def test_file17_market_data_fees() -> None:
    # <CashTransaction> transactionID=457125101, "NASDAQ (UTP TAPE C) LEVEL 1":
    # amount -1.5 USD, dateTime 20230302;170343 (EST, UTC-5), reportDate 20230302.
    fee = _cash(FILE17, "CashTransactions:CashTransaction:transactionID=457125101")
    assert fee.cash_action == "OTHER_FEES"
    assert fee.amount == Decimal("-1.5")
    assert fee.fees == Decimal("-1.5")
    assert fee.withholding_tax is None
    assert fee.amount_in_base == Decimal("-1.5")
    assert (fee.currency, fee.functional_currency) == ("USD", "USD")
    assert fee.instrument_id is None
    assert fee.report_date_local == dt.date(2023, 3, 2)
    assert fee.effective_at_utc == _utc(2023, 3, 2, 22, 3, 43)
    # transactionIDs 457125101, 457125105, 457125110: three fees of -1.5.
    fees = _events_of(FILE17, Cashflow)
    assert sorted(f.transaction_id for f in fees) == [
        "457125101",
        "457125105",
        "457125110",
    ]
    assert sum(f.amount for f in fees) == Decimal("-4.5")


def test_file17_instruments_from_positions_and_securities_info() -> None:
    msft = _instrument(FILE17, "272093")  # <OpenPosition>/<SecurityInfo> MSFT
    assert (msft["symbol"], msft["isin"], msft["cusip"]) == (
        "MSFT",
        "US5949181045",
        "594918104",
    )
    assert msft["asset_category"] == "STK"
    # <OpenPosition assetCategory="OPT"> CLNE 15SEP23 10 C.
    option = _instrument(FILE17, "608947941")
    assert (option["symbol"], option["asset_category"]) == (
        "CLNE  230915C00010000",
        "OPT",
    )


def test_file17_other_sections_are_kept_raw() -> None:
    # <PriorPeriodPosition> rows 12 and 13 are the two options.
    for index in (12, 13):
        ref = f"PriorPeriodPositions:PriorPeriodPosition:idx={index}"
        assert _codes(FILE17, ref) == {UNMAPPED}
    # Austrian VAT on the fees (<SalesTax> -0.3 each) is its own section.
    for transaction_id in ("457155534", "457155535", "457155536"):
        ref = f"SalesTaxes:SalesTax:transactionID={transaction_id}"
        assert _codes(FILE17, ref) == {UNMAPPED}
    result, _ = _mapped(FILE17)
    assert not [d for d in result.diagnostics if d.code is CONTRACT]
    assert not _events_of(FILE17, TradeFill)


# ------------------------------------------------------------------ File18 (EUR base)


def test_file18_exponent_buy() -> None:
    # <Trade> transactionID=1160238864, ibExecID 0000f6f6.628f8571.01.01:
    # dateTime 20220526;144322 (EDT, UTC-4).
    fill = _fill(FILE18, "0000f6f6.628f8571.01.01")
    assert fill.transaction_id == "1160238864"
    assert fill.instrument_id == instrument_id_for("U1234567", "4730398")
    assert fill.quantity == Decimal("22")
    assert fill.price == Decimal("89.87")
    assert fill.commission == Decimal("-1")
    assert fill.commission_currency == "USD"
    assert fill.cost == Decimal("1978.14")
    assert fill.net_cash == Decimal("-1978.14")
    assert fill.fx_rate_to_base == Decimal("0.93199")
    assert fill.report_date_local == dt.date(2022, 5, 26)
    assert fill.trade_timestamp_utc == _utc(2022, 5, 26, 18, 43, 22)
    # <ConversionRate reportDate="20220526" fromCurrency="USD" toCurrency="EUR">.
    rate = _fx(FILE18, "CR:2022-05-26:USD:EUR")
    assert rate.fx_rate == fill.fx_rate_to_base
    assert rate.functional_currency == "EUR"


def test_file18_dividend_and_its_withholding() -> None:
    # <CashTransaction> transactionID=1216874520 (Dividends 5.28 USD) and
    # 1216874521 (Withholding Tax -1.58 USD), both actionID 107711148,
    # dateTime 20220624;202000 (EDT), fxRateToBase 0.94734.
    expo = instrument_id_for("U1234567", "4730398")
    dividend = _cash(
        FILE18, "CashTransactions:CashTransaction:transactionID=1216874520"
    )
    assert dividend.cash_action == "DIVIDEND"
    assert dividend.amount == Decimal("5.28")
    assert dividend.amount_in_base == Decimal("5.28") * Decimal("0.94734")
    assert dividend.withholding_tax is None
    assert dividend.action_id == "107711148"
    assert dividend.instrument_id == expo
    assert dividend.report_date_local == dt.date(2022, 6, 24)
    assert dividend.effective_at_utc == _utc(2022, 6, 25, 0, 20, 0)
    tax = _cash(FILE18, "CashTransactions:CashTransaction:transactionID=1216874521")
    assert tax.cash_action == "WITHHOLDING_TAX"
    assert tax.amount == Decimal("-1.58")
    assert tax.withholding_tax == Decimal("-1.58")
    assert tax.action_id == dividend.action_id
    assert tax.instrument_id == expo
    assert tax.effective_at_utc == dividend.effective_at_utc


def test_file18_deposit_with_a_date_only_time() -> None:
    # <CashTransaction> transactionID=1147954315: Deposits/Withdrawals 20000 EUR,
    # dateTime="20220520" (no time), reportDate 20220520.
    deposit = _cash(FILE18, "CashTransactions:CashTransaction:transactionID=1147954315")
    assert deposit.cash_action == "DEPOSIT_WITHDRAWAL"
    assert deposit.amount == Decimal("20000")
    assert deposit.currency == "EUR"
    assert deposit.effective_at_utc is None
    assert deposit.report_date_local == dt.date(2022, 5, 20)


def test_file18_conversion_rates() -> None:
    # First <ConversionRate>: 20211220 CHF -> EUR 0.96244.
    chf = _fx(FILE18, "CR:2021-12-20:CHF:EUR")
    assert (chf.currency, chf.functional_currency) == ("CHF", "EUR")
    assert chf.fx_rate == Decimal("0.96244")
    assert not chf.provisional
    # <ConversionRate reportDate="20211220" fromCurrency="SAR" rate="-1">: no rate.
    sar = _fx(FILE18, "CR:2021-12-20:SAR:EUR")
    assert sar.fx_rate is None
    assert sar.provisional
    assert len(_events_of(FILE18, FxRate)) == 9390


def test_file18_currency_conversions_are_kept_raw() -> None:
    # <Trade assetCategory="CASH"> EUR.USD rows.
    for transaction_id in ("1160254743", "1165174610", "1223150649", "1391888816"):
        assert _codes(FILE18, f"Trades:Trade:transactionID={transaction_id}") == {
            UNMAPPED
        }
    assert len(_events_of(FILE18, TradeFill)) == 2  # EXPO and IDXX


def test_file18_instrument_description_is_the_security_name() -> None:
    # <Trade> conid 4730398 description="EXPONENT INC"; the later cash rows'
    # description is the transaction text, not the security's name.
    assert _instrument(FILE18, "4730398")["description"] == "EXPONENT INC"


# ------------------------------------------------------------------ File25 (GBP base)


def test_file25_dividends_in_three_currencies() -> None:
    # 1st <CashTransaction>: EUNS 13.51 EUR, fxRateToBase 0.83697,
    # dateTime 20250129;202000 (EST, UTC-5), reportDate 20250129.
    euns = _cash(FILE25, "CashTransactions:CashTransaction:transactionID=REDACTED")
    assert euns.cash_action == "DIVIDEND"
    assert euns.amount == Decimal("13.51")
    assert euns.amount_in_base == Decimal("13.51") * Decimal("0.83697")
    assert (euns.currency, euns.functional_currency) == ("EUR", "GBP")
    assert euns.instrument_id == instrument_id_for("U1234560", "78999745")
    assert euns.report_date_local == dt.date(2025, 1, 29)
    assert euns.effective_at_utc == _utc(2025, 1, 30, 1, 20, 0)
    # 3rd: VWRL 4.46619 USD, fxRateToBase 0.79672, dateTime 20241227;202000 but
    # reportDate 20241230 (the business date is the later one).
    vwrl = _cash(FILE25, "CashTransactions:CashTransaction:transactionID=REDACTED#3")
    assert vwrl.amount == Decimal("4.46619")
    assert vwrl.currency == "USD"
    exact = Decimal("4.46619") * Decimal("0.79672")
    assert vwrl.amount_in_base == exact.quantize(Decimal("1E-8"))
    assert vwrl.report_date_local == dt.date(2024, 12, 30)
    assert vwrl.effective_at_utc == _utc(2024, 12, 28, 1, 20, 0)
    # 4th: 4.46619 GBP (the base currency), no fxRateToBase attribute.
    gbp = _cash(FILE25, "CashTransactions:CashTransaction:transactionID=REDACTED#4")
    assert (gbp.amount, gbp.currency) == (Decimal("4.46619"), "GBP")


def test_file25_rates_match_the_dividend_rows() -> None:
    # <ConversionRate reportDate="20250129" fromCurrency="EUR" toCurrency="GBP">.
    assert _fx(FILE25, "CR:2025-01-29:EUR:GBP").fx_rate == Decimal("0.83697")
    assert _fx(FILE25, "CR:2024-12-30:USD:GBP").fx_rate == Decimal("0.79672")
    assert len(_events_of(FILE25, FxRate)) == 578


def test_file25_anonymised_duplicate_collapses_to_one_event() -> None:
    # Rows 1 and 2 share transactionID "REDACTED", type, currency EUR and amount:
    # one natural key, so one event from two rows, not a correction.
    _, document = _mapped(FILE25)
    flows = [e for e in document["events"] if e["kind"] == "cashflow"]
    assert len(flows) == 3
    (eur,) = [e for e in flows if e["currency"] == "EUR"]
    assert eur["source_rows"] == 2
    assert eur["is_correction"] is False


def test_file25_base_currency_dividend_has_its_amount_in_base() -> None:
    # 4th <CashTransaction>: 4.46619 GBP in a GBP-based account.
    gbp = _cash(FILE25, "CashTransactions:CashTransaction:transactionID=REDACTED#4")
    assert gbp.amount_in_base == Decimal("4.46619")


# ------------------------------------------------------------------ cquillen (USD)


@pytest.mark.parametrize("name", [CQ_DAILY, CQ_CONSOLIDATED])
def test_cquillen_deposit_and_interest(name: str) -> None:
    # <CashTransaction> transactionID=9718549852: Deposits/Withdrawals 1000000 USD,
    # dateTime 20260201;005850 (EST, UTC-5), reportDate 20260202.
    deposit = _cash(name, "CashTransactions:CashTransaction:transactionID=9718549852")
    assert deposit.cash_action == "DEPOSIT_WITHDRAWAL"
    assert deposit.amount == Decimal("1000000")
    assert deposit.amount_in_base == Decimal("1000000")
    assert deposit.effective_at_utc == _utc(2026, 2, 1, 5, 58, 50)
    assert deposit.report_date_local == dt.date(2026, 2, 2)
    # transactionID=9919715109: Broker Interest Received 2331.45, date-only time.
    interest = _cash(name, "CashTransactions:CashTransaction:transactionID=9919715109")
    assert interest.cash_action == "BROKER_INTEREST_RECEIVED"
    assert interest.amount == Decimal("2331.45")
    assert interest.effective_at_utc is None
    assert interest.report_date_local == dt.date(2026, 3, 4)
    # transactionID=10113136218: 2682.45, reportDate 20260406.
    march = _cash(name, "CashTransactions:CashTransaction:transactionID=10113136218")
    assert march.amount == Decimal("2682.45")
    assert march.report_date_local == dt.date(2026, 4, 6)
    result, _ = _mapped(name)
    assert not [d for d in result.diagnostics if d.code is CONTRACT]


def test_cquillen_daily_and_consolidated_give_the_same_events() -> None:
    def columns(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
        return {str(e.event_id): e.content() for e in _events_of(name, Cashflow)}

    assert columns(CQ_DAILY) == columns(CQ_CONSOLIDATED)
    assert len(columns(CQ_DAILY)) == 3


def test_cquillen_daily_breakout_empty_days() -> None:
    # 128 one-day statements, 125 of them with an empty <CashTransactions>; each
    # is a section row, numbered through the payload (`…section:1#2`, `#3`…).
    # A quiet day is no finding: the rows count as empty, with no diagnostic.
    result, _ = _mapped(CQ_DAILY)
    assert result.rows_read == 128
    assert result.diagnostics == []
    assert dict(result.outcomes) == {"mapped": 3, "empty": 125}
    assert result.sections[("CashTransactions", "empty")] == 125
