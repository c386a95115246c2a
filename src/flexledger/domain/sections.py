"""The required Flex section matrix (SPEC §6)."""

from __future__ import annotations

HARD_REQUIRED = (
    "Trades",
    "OpenPositions",
    "CashTransactions",
    "CorporateActions",
    "ConversionRates",
    "SecuritiesInfo",
    "AccountInformation",
)
RECONCILIATION_REQUIRED = (
    "MTMPerformanceSummaryInBase",
    "FIFOPerformanceSummaryInBase",
)
