"""The Flex sections and attributes flexledger knows, for the schema-drift report.

Taken from the field catalog (spec FLEX_FIELDS.md §3-§11): every section named
there, and for the sections the mapping reads, the attributes it documents. A
section or attribute outside this catalog is "unknown": IBKR added it, or the query
selects something the catalog never described. Unknown is not an error; the raw
row keeps it either way (SPEC R1).
"""

from __future__ import annotations

from collections.abc import Mapping

from flexledger.domain.sections import HARD_REQUIRED, RECONCILIATION_REQUIRED

# FLEX_FIELDS §11: ingested raw-only now, mapped later.
_RAW_ONLY_SECTIONS = (
    "InterestAccruals",
    "ChangeInDividendAccruals",
    "OpenDividendAccruals",
    "ChangeInNAV",
    "StmtFunds",
    "UnbundledCommissionDetails",
    "CashReport",
    "EquitySummaryInBase",
    "FxTransactions",
    "Transfers",
    "PriorPeriodPositions",
    "SalesTaxes",
    "ChangeInPositionValues",
    "OptionEAE",
    "StockGrantActivities",
    "TradeConfirms",
)
KNOWN_SECTIONS: frozenset[str] = frozenset(
    (*HARD_REQUIRED, *RECONCILIATION_REQUIRED, *_RAW_ONLY_SECTIONS)
)

# Container attributes that Flex repeats on every row of every section.
_COMMON = (
    "accountId",
    "acctAlias",
    "model",
    "currency",
    "fxRateToBase",
    "assetCategory",
    "subCategory",
    "symbol",
    "description",
    "conid",
    "securityID",
    "securityIDType",
    "cusip",
    "isin",
    "figi",
    "listingExchange",
    "underlyingConid",
    "underlyingSymbol",
    "underlyingSecurityID",
    "underlyingListingExchange",
    "issuer",
    "issuerCountryCode",
    "multiplier",
    "strike",
    "expiry",
    "putCall",
    "principalAdjustFactor",
    "reportDate",
    "levelOfDetail",
    "dateTime",
    "transactionID",
    # FLEX_FIELDS §1: metal-delivery fields, fine to include or exclude.
    "serialNumber",
    "deliveryType",
    "commodityType",
    "fineness",
    "weight",
)

_BY_SECTION: dict[str, tuple[str, ...]] = {
    "Trades": (
        "brokerageOrderID",
        "buySell",
        "capitalGainsPnl",
        "closePrice",
        "cost",
        "fifoPnlRealized",
        "fxPnl",
        "holdingPeriodDateTime",
        "ibCommission",
        "ibCommissionCurrency",
        "ibExecID",
        "ibOrderID",
        "localSymbol",
        "mtmPnl",
        "netCash",
        "netCashInBase",
        "notes",
        "openCloseIndicator",
        "openDateTime",
        "orderTime",
        "origTradeDate",
        "origTradeID",
        "origTradePrice",
        "origTransactionID",
        "proceeds",
        "quantity",
        "relatedTransactionID",
        "settleDateTarget",
        "taxes",
        "tradeDate",
        "tradeID",
        "tradeMoney",
        "tradePrice",
        "tradeTime",
        "transactionType",
        "whenRealized",
        "whenReopened",
    ),
    "CashTransactions": (
        "actionID",
        "amount",
        "availableForTradingDate",
        "clientReference",
        "code",
        "exDate",
        "settleDate",
        "tradeID",
        "type",
    ),
    "ConversionRates": ("fromCurrency", "rate", "toCurrency"),
    "CorporateActions": (
        "actionDescription",
        "actionID",
        "amount",
        "capitalGainsPnl",
        "costBasis",
        "fifoPnlRealized",
        "fxPnl",
        "mtmPnl",
        "proceeds",
        "quantity",
        "type",
        "value",
    ),
    "OpenPositions": (
        "code",
        "costBasisMoney",
        "costBasisPrice",
        "fifoPnlUnrealized",
        "holdingPeriodDateTime",
        "markPrice",
        "openPrice",
        "percentOfNAV",
        "position",
        "positionValue",
        "side",
    ),
    "SecuritiesInfo": ("issueDate", "maturity", "type"),
    "AccountInformation": (
        "accountType",
        "customerType",
        "dateClosed",
        "dateFunded",
        "dateOpened",
        "ibEntity",
        "lastTradedDate",
        "masterName",
        "name",
        "primaryEmail",
    ),
    "FIFOPerformanceSummaryInBase": (
        "costAdj",
        "realizedLTLoss",
        "realizedLTProfit",
        "realizedSTLoss",
        "realizedSTProfit",
        "totalFifoPnl",
        "totalRealizedPnl",
        "totalUnrealizedPnl",
        "transferredPnl",
        "unrealizedLTLoss",
        "unrealizedLTProfit",
        "unrealizedLoss",
        "unrealizedProfit",
        "unrealizedSTLoss",
        "unrealizedSTProfit",
    ),
    "MTMPerformanceSummaryInBase": (
        "closePrice",
        "closeQuantity",
        "commissions",
        "corpActionMtm",
        "dividends",
        "other",
        "otherWithAccruals",
        "prevClosePrice",
        "prevCloseQuantity",
        "priorOpenMtm",
        "total",
        "totalWithAccruals",
        "transactionMtm",
    ),
}
KNOWN_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    section: frozenset((*_COMMON, *names)) for section, names in _BY_SECTION.items()
}


def is_known_section(section: str) -> bool:
    """Whether the catalog names the section."""
    return section in KNOWN_SECTIONS


def is_known_attribute(section: str, attribute: str) -> bool | None:
    """Whether the catalog documents the attribute (None: no catalog for it)."""
    known = KNOWN_ATTRIBUTES.get(section)
    if known is None:
        return None
    return attribute in known
