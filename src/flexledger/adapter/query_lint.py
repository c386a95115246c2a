"""What a user's Flex query is missing or has set wrongly, read off a statement.

Each finding names the Client Portal setting to change. `flexledger check FILE`
prints them without importing anything, and every run records them in its
preflight diagnostics, so a misconfigured query is explained where it is noticed.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field

from flexledger.domain.raw import PayloadInfo, RawRecord
from flexledger.domain.sections import HARD_REQUIRED, RECONCILIATION_REQUIRED

_QUERY_SETTINGS = (
    "Client Portal → Performance & Reports → Flex Queries → edit the query"
)
_SECTION_HINTS = {
    "Trades": "Sections → Trades (options: Executions, Closed Lots)",
    "OpenPositions": "Sections → Open Positions (options: Summary)",
    "CashTransactions": "Sections → Cash Transactions (all types, Detail)",
    "CorporateActions": "Sections → Corporate Actions",
    "ConversionRates": "Sections → Financial Instrument Information → Conversion Rates",
    "SecuritiesInfo": "Sections → Financial Instrument Information",
    "AccountInformation": "Sections → Account Information",
    "MTMPerformanceSummaryInBase": "Sections → MTM Performance Summary in Base",
    "FIFOPerformanceSummaryInBase": "Sections → FIFO Performance Summary in Base",
}
_DEFAULT_DATE_TIME = re.compile(r"^\d{8};\d{6}$")
_AMBIGUOUS_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}")


class Severity(enum.StrEnum):
    """How much a finding matters to the ledger."""

    ERROR = "error"  # the ledger cannot use the statement as it is
    WARNING = "warning"  # figures will be missing or provisional
    INFO = "info"  # worth knowing; nothing breaks


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to change in the Flex query.

    Attributes:
        code: stable identifier, e.g. ``QUERY_SECTION_MISSING``.
        severity: error, warning or info.
        message: what is wrong, in words.
        setting: where in Client Portal to change it.
    """

    code: str
    severity: Severity
    message: str
    setting: str


_DATE_TIME_SAMPLES = 20


@dataclass
class QueryLinter:
    """Observes records as they stream, then judges the whole statement."""

    _date_time_samples: Counter[str] = field(default_factory=Counter)
    _trade_levels: Counter[str] = field(default_factory=Counter)
    _position_levels: Counter[str] = field(default_factory=Counter)
    _lot_rows: int = 0
    _date_times_sampled: int = 0

    def observe(self, record: RawRecord) -> None:
        """Look at one record (cheap: a few dict lookups)."""
        attrs = record.attrs
        if record.section_name == "Trades":
            if record.row_tag == "Trade":
                self._trade_levels[attrs.get("levelOfDetail") or "EXECUTION"] += 1
                # One query setting formats every stamp: a few tell the shape.
                if self._date_times_sampled < _DATE_TIME_SAMPLES:
                    stamp = attrs.get("dateTime")
                    if stamp:
                        self._date_times_sampled += 1
                        self._date_time_samples[_shape(stamp)] += 1
            elif record.row_tag == "Lot":
                self._lot_rows += 1
        elif (
            record.section_name == "OpenPositions" and record.row_tag == "OpenPosition"
        ):
            self._position_levels[attrs.get("levelOfDetail") or "SUMMARY"] += 1

    def findings(
        self, info: PayloadInfo, *, reconciliation_enabled: bool = False
    ) -> list[Finding]:
        """Every finding for the statement, errors first."""
        found = [
            *self._type_findings(info),
            *self._section_findings(info, reconciliation=reconciliation_enabled),
            *self._detail_findings(),
            *self._period_findings(info),
        ]
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        return sorted(found, key=lambda finding: order[finding.severity])

    def _type_findings(self, info: PayloadInfo) -> list[Finding]:
        found = []
        if info.query_type not in (None, "AF"):
            found.append(
                Finding(
                    "QUERY_TYPE_NOT_ACTIVITY",
                    Severity.ERROR,
                    f"The query is of type {info.query_type}; the ledger needs an "
                    "Activity Flex Query (AF).",
                    "Client Portal → Flex Queries → create an Activity Flex Query",
                )
            )
        if len(info.account_ids) > 1:
            found.append(
                Finding(
                    "QUERY_MULTIPLE_ACCOUNTS",
                    Severity.INFO,
                    "The statement covers several accounts "
                    f"({', '.join(info.account_ids)}); one ledger holds one of them.",
                    "Set ACCOUNT_ID, or limit the query's accounts in its General "
                    "Configuration",
                )
            )
        if info.declared_count is not None and info.declared_count != len(
            info.statements
        ):
            found.append(
                Finding(
                    "QUERY_COUNT_MISMATCH",
                    Severity.WARNING,
                    f"FlexStatements says count={info.declared_count} but holds "
                    f"{len(info.statements)} statements.",
                    "Download the statement again; if it persists, tell IBKR",
                )
            )
        return found

    def _section_findings(
        self, info: PayloadInfo, *, reconciliation: bool
    ) -> list[Finding]:
        present: set[str] = set()
        for statement in info.statements:
            present |= set(statement.sections)
        found = [
            Finding(
                "QUERY_SECTION_MISSING",
                Severity.ERROR,
                f"The {name} section is missing.",
                f"{_QUERY_SETTINGS} → {_SECTION_HINTS[name]}",
            )
            for name in HARD_REQUIRED
            if name not in present
        ]
        found += [
            Finding(
                "QUERYRECONCILIATION_REQUIRED_SECTION_MISSING",
                Severity.ERROR if reconciliation else Severity.WARNING,
                f"The {name} section is missing; reconciliation against IBKR's own "
                "totals is not possible without it.",
                f"{_QUERY_SETTINGS} → {_SECTION_HINTS[name]}",
            )
            for name in RECONCILIATION_REQUIRED
            if name not in present
        ]
        return found

    def _detail_findings(self) -> list[Finding]:
        found = []
        if self._trade_levels and "EXECUTION" not in self._trade_levels:
            found.append(
                Finding(
                    "QUERY_TRADES_NOT_EXECUTIONS",
                    Severity.ERROR,
                    "Trades has no execution rows (only "
                    f"{', '.join(sorted(self._trade_levels))}); the ledger books "
                    "fills.",
                    f"{_QUERY_SETTINGS} → Trades → Options → tick Executions",
                )
            )
        if self._trade_levels and not self._lot_rows:
            found.append(
                Finding(
                    "QUERY_CLOSED_LOTS_MISSING",
                    Severity.INFO,
                    "Trades has no Closed Lots, so IBKR's per-lot figures cannot be "
                    "compared with ours.",
                    f"{_QUERY_SETTINGS} → Trades → Options → tick Closed Lots",
                )
            )
        if self._position_levels and "SUMMARY" not in self._position_levels:
            found.append(
                Finding(
                    "QUERY_POSITIONS_NOT_SUMMARY",
                    Severity.WARNING,
                    "Open Positions has no summary rows, which valuation uses.",
                    f"{_QUERY_SETTINGS} → Open Positions → Options → tick Summary",
                )
            )
        shapes = set(self._date_time_samples)
        if any(shape == "ambiguous" for shape in shapes):
            found.append(
                Finding(
                    "QUERY_DATE_FORMAT_AMBIGUOUS",
                    Severity.ERROR,
                    "Dates are written day/month or month/day, which cannot be read "
                    "safely.",
                    f"{_QUERY_SETTINGS} → General Configuration → Date Format yyyyMMdd",
                )
            )
        elif shapes and shapes != {"default"}:
            found.append(
                Finding(
                    "QUERY_DATE_TIME_FORMAT",
                    Severity.INFO,
                    "Date/time values are not in IBKR's default yyyyMMdd;HHmmss form; "
                    "they are read, but the default is the best-tested.",
                    f"{_QUERY_SETTINGS} → General Configuration → Date Format "
                    "yyyyMMdd, Time Format HHmmss, Date/Time Separator ;",
                )
            )
        return found

    def _period_findings(self, info: PayloadInfo) -> list[Finding]:
        if len(info.statements) != 1:
            return []
        statement = info.statements[0]
        if statement.from_date and statement.from_date == statement.to_date:
            return [
                Finding(
                    "QUERY_PERIOD_ONE_DAY",
                    Severity.INFO,
                    "The statement covers one day only. flexledger sends explicit "
                    "dates when it fetches; for a downloaded file, pick a longer "
                    "period so nothing in between is missed.",
                    f"{_QUERY_SETTINGS} → Period",
                )
            ]
        return []


def _shape(stamp: str) -> str:
    if _DEFAULT_DATE_TIME.match(stamp):
        return "default"
    if _AMBIGUOUS_DATE.match(stamp):
        return "ambiguous"
    return "other"
