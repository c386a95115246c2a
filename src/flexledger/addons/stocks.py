"""The MVP itself as an add-on: stock trades, cash, FX rates, corporate actions."""

from __future__ import annotations

from flexledger import __version__
from flexledger.addons import Addon
from flexledger.mapping.cashflows import CashTransactionMapper
from flexledger.mapping.corporate_actions import CorporateActionMapper
from flexledger.mapping.fx import ConversionRateMapper
from flexledger.mapping.reference import ReferenceSectionMapper
from flexledger.mapping.trades import StockTradeMapper

ADDON = Addon(
    name="stocks",
    version=__version__,
    mappers=(
        StockTradeMapper(),
        CashTransactionMapper(),
        ConversionRateMapper(),
        CorporateActionMapper(),
        ReferenceSectionMapper(),
    ),
)
