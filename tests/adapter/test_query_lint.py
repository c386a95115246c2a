"""The Flex query linter on small statements: each finding names its setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flexledger.adapter.query_lint import Finding, QueryLinter, Severity
from flexledger.adapter.statement_reader import read_statement
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_files import FLEX_DIR

ALL_SECTIONS = (
    '<AccountInformation accountId="U1" currency="USD"/><OpenPositions/>'
    "<CashTransactions/><CorporateActions/><ConversionRates/><SecuritiesInfo/>"
    "<MTMPerformanceSummaryInBase/><FIFOPerformanceSummaryInBase/>"
)


def _lint(
    sections: str, *, from_date: str = "20260101", to_date: str = "20260131"
) -> list[Finding]:
    body = (
        '<FlexQueryResponse type="AF"><FlexStatements count="1">'
        f'<FlexStatement accountId="U1" fromDate="{from_date}" toDate="{to_date}">'
        f"{sections}</FlexStatement></FlexStatements></FlexQueryResponse>"
    ).encode()
    records, info = read_statement(body)
    linter = QueryLinter()
    for record in records:
        linter.observe(record)
    return linter.findings(info)


def _codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


def test_a_complete_query_has_no_findings() -> None:
    trades = '<Trades><Trade dateTime="20260105;093000" levelOfDetail="EXECUTION"/><Lot/></Trades>'
    assert _lint(trades + ALL_SECTIONS) == []


def test_missing_sections_are_errors_with_their_setting() -> None:
    findings = _lint("<Trades/>")
    missing = [f for f in findings if f.code == "QUERY_SECTION_MISSING"]
    assert len(missing) == 6
    assert all(f.severity is Severity.ERROR for f in missing)
    assert any("Conversion Rates" in f.setting for f in missing)
    assert findings[0].severity is Severity.ERROR  # errors come first


def test_order_level_trades_and_ambiguous_dates_are_errors() -> None:
    trades = (
        '<Trades><Trade dateTime="01/05/2026 09:30" levelOfDetail="ORDER"/></Trades>'
    )
    codes = _codes(_lint(trades + ALL_SECTIONS))
    assert {"QUERY_TRADES_NOT_EXECUTIONS", "QUERY_DATE_FORMAT_AMBIGUOUS"} <= codes


def test_other_date_formats_lots_and_one_day_periods_are_noted() -> None:
    trades = '<Trades><Trade dateTime="2026-01-05, 09:30:00"/></Trades>'
    findings = _lint(trades + ALL_SECTIONS, from_date="20260105", to_date="20260105")
    assert {
        "QUERY_DATE_TIME_FORMAT",
        "QUERY_CLOSED_LOTS_MISSING",
        "QUERY_PERIOD_ONE_DAY",
    } <= _codes(findings)
    assert all(f.severity is Severity.INFO for f in findings)


def test_lot_level_positions_are_a_warning() -> None:
    sections = ALL_SECTIONS.replace(
        "<OpenPositions/>",
        '<OpenPositions><OpenPosition levelOfDetail="LOT"/></OpenPositions>',
    )
    assert "QUERY_POSITIONS_NOT_SUMMARY" in _codes(_lint("<Trades/>" + sections))


def _check(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    flexledger = str(Path(sys.executable).with_name("flexledger"))
    return subprocess.run(
        [flexledger, "check", str(path)],
        cwd=cwd,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_command_prints_findings_and_exits_by_severity(tmp_path: Path) -> None:
    incomplete = _check(FLEX_DIR / "clifton__ib-flex__activity_minimal.xml", tmp_path)
    assert incomplete.returncode == 1
    assert "ERROR   The OpenPositions section is missing." in incomplete.stdout
    assert "change: Client Portal" in incomplete.stdout
    broken = _check(FLEX_DIR / "clifton__ib-flex__activity_simple.xml", tmp_path)
    assert broken.returncode == 1
    assert "MALFORMED_STATEMENT" in broken.stderr
