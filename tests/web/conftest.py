"""The web tests' figures in the terminal summary, shown without `-s`."""

from __future__ import annotations

import pytest

SCHEMATHESIS_FIGURES = pytest.StashKey[list[str]]()
"""One line per schemathesis run: operations, examples, time."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(SCHEMATHESIS_FIGURES, [])
    if lines:
        terminalreporter.section("schemathesis")
        for line in lines:
            terminalreporter.write_line(line)
