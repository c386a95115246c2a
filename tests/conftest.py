"""Test configuration: fixture plugins and per-database result counts."""

from __future__ import annotations

from collections import Counter

import pytest

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.environment",
    "tests.fixtures.flex_server",
]

_outcomes_by_database: Counter[tuple[str, str]] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (
        report.when == "setup" and report.outcome != "passed"
    ):
        return
    for dialect in ("sqlite", "postgresql"):
        if f"[{dialect}" in report.nodeid or f"-{dialect}]" in report.nodeid:
            _outcomes_by_database[(dialect, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.section("tests per database")
    for dialect in ("sqlite", "postgresql"):
        counts = {
            outcome: _outcomes_by_database[(dialect, outcome)]
            for outcome in ("passed", "failed", "skipped")
        }
        terminalreporter.write_line(
            f"{dialect}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
