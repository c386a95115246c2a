"""Synthetic Flex statements of realistic shape, for benchmarks (no real data).

Trade rows carry the full 85-attribute set seen in real statements, with varied
values; the other sections have the sizes a multi-year account would have.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

ACCOUNT = "U7654321"
_SYMBOLS = [f"SYM{n:03d}" for n in range(200)]

_TRADE = (
    '<Trade accountId="{account}" acctAlias="" model="" currency="USD" fxRateToBase="1" '
    'assetCategory="STK" subCategory="COMMON" symbol="{symbol}" description="{symbol} INC" '
    'conid="{conid}" securityID="US{conid:09d}" securityIDType="ISIN" cusip="{conid:09d}" '
    'isin="US{conid:09d}0" figi="BBG{conid:09d}" listingExchange="NASDAQ" underlyingConid="" '
    'underlyingSymbol="" underlyingSecurityID="" underlyingListingExchange="" issuer="" '
    'issuerCountryCode="US" tradeID="{trade_id}" multiplier="1" relatedTradeID="" strike="" '
    'reportDate="{date}" expiry="" dateTime="{date};{time}" putCall="" tradeDate="{date}" '
    'principalAdjustFactor="" settleDateTarget="{date}" transactionType="ExchTrade" '
    'exchange="ISLAND" quantity="{quantity}" tradePrice="{price}" tradeMoney="{money}" '
    'proceeds="{proceeds}" taxes="0" ibCommission="-1.0035" ibCommissionCurrency="USD" '
    'netCash="{net}" closePrice="{price}" openCloseIndicator="{oc}" notes="" cost="{cost}" '
    'fifoPnlRealized="{pnl}" mtmPnl="{mtm}" origTradePrice="0" origTradeDate="" '
    'origTradeID="" origOrderID="0" origTransactionID="0" buySell="{side}" clearingFirmID="" '
    'ibOrderID="{order_id}" transactionID="{txn}" ibExecID="0000{txn:x}.{trade_id:x}.01.01" '
    'relatedTransactionID="" rtn="" brokerageOrderID="" orderReference="" '
    'volatilityOrderLink="" exchOrderId="N/A" extExecID="{order_id}X" '
    'orderTime="{date};{time}" openDateTime="" holdingPeriodDateTime="" whenRealized="" '
    'whenReopened="" levelOfDetail="EXECUTION" changeInPrice="0" changeInQuantity="0" '
    'orderType="LMT" traderID="" isAPIOrder="N" accruedInt="0" initialInvestment="" '
    'positionActionID="" serialNumber="" deliveryType="" commodityType="" fineness="0.0" '
    'weight="0.0" />\n'
)


def write_statement(path: Path, trades: int, *, seed: int = 7) -> Path:
    """Write a one-account Activity Flex statement with `trades` Trade rows."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    start = dt.date(2020, 1, 2)
    with path.open("w", encoding="utf-8") as out:
        out.write('<FlexQueryResponse queryName="benchmark" type="AF">\n')
        out.write('<FlexStatements count="1">\n')
        out.write(
            f'<FlexStatement accountId="{ACCOUNT}" fromDate="20200102" toDate="20251231" '
            'period="Custom" whenGenerated="20260102;050000">\n'
        )
        out.write(
            f'<AccountInformation accountId="{ACCOUNT}" currency="USD" name="Bench" />\n'
        )
        out.write("<SecuritiesInfo>\n")
        for index, symbol in enumerate(_SYMBOLS):
            out.write(
                f'<SecurityInfo assetCategory="STK" symbol="{symbol}" conid="{100000 + index}" '
                f'isin="US{100000 + index:09d}0" currency="USD" multiplier="1" />\n'
            )
        out.write("</SecuritiesInfo>\n<Trades>\n")
        for number in range(trades):
            index = rng.randrange(len(_SYMBOLS))
            quantity = rng.randint(1, 500) * (1 if rng.random() < 0.55 else -1)
            price = round(rng.uniform(5, 900), 4)
            money = round(quantity * price, 4)
            day = start + dt.timedelta(days=number * 2000 // max(trades, 1))
            out.write(
                _TRADE.format(
                    account=ACCOUNT,
                    symbol=_SYMBOLS[index],
                    conid=100000 + index,
                    trade_id=500000000 + number,
                    date=day.strftime("%Y%m%d"),
                    time=f"{9 + number % 7:02d}{number % 60:02d}{number % 59:02d}",
                    quantity=quantity,
                    price=price,
                    money=money,
                    proceeds=-money,
                    net=round(-money - 1.0035, 4),
                    oc="O" if quantity > 0 else "C",
                    cost=round(abs(money) + 1.0035, 4),
                    pnl=0 if quantity > 0 else round(rng.uniform(-500, 500), 4),
                    mtm=round(rng.uniform(-50, 50), 4),
                    side="BUY" if quantity > 0 else "SELL",
                    order_id=700000000 + number,
                    txn=900000000 + number,
                )
            )
        out.write("</Trades>\n<CashTransactions>\n")
        for number in range(max(trades // 10, 1)):
            out.write(
                f'<CashTransaction accountId="{ACCOUNT}" currency="USD" assetCategory="STK" '
                f'symbol="{_SYMBOLS[number % 200]}" conid="{100000 + number % 200}" '
                f'type="Dividends" amount="{round(rng.uniform(1, 90), 2)}" '
                f'reportDate="20240315" dateTime="20240315;202000" '
                f'transactionID="{800000000 + number}" levelOfDetail="DETAIL" />\n'
            )
        out.write("</CashTransactions>\n<ConversionRates>\n")
        for days in range(365 * 5):
            for currency in ("EUR", "GBP", "CHF"):
                day = (start + dt.timedelta(days=days)).strftime("%Y%m%d")
                out.write(
                    f'<ConversionRate reportDate="{day}" fromCurrency="{currency}" '
                    f'toCurrency="USD" rate="{round(rng.uniform(0.8, 1.4), 6)}" />\n'
                )
        out.write("</ConversionRates>\n<OpenPositions>\n")
        for index, symbol in enumerate(_SYMBOLS):
            out.write(
                f'<OpenPosition accountId="{ACCOUNT}" symbol="{symbol}" conid="{100000 + index}" '
                f'position="{rng.randint(1, 900)}" markPrice="{round(rng.uniform(5, 900), 4)}" '
                'reportDate="20251231" levelOfDetail="SUMMARY" />\n'
            )
        out.write("</OpenPositions>\n<CorporateActions>\n")
        for number in range(20):
            out.write(
                f'<CorporateAction accountId="{ACCOUNT}" symbol="{_SYMBOLS[number]}" '
                f'conid="{100000 + number}" type="FS" actionID="{1000 + number}" '
                f'transactionID="{600000000 + number}" quantity="100" reportDate="20230601" '
                'description="SPLIT 2 FOR 1" levelOfDetail="DETAIL" />\n'
            )
        out.write("</CorporateActions>\n</FlexStatement>\n</FlexStatements>\n")
        out.write("</FlexQueryResponse>\n")
    return path
