"""Figures of the hostile-input suite, printed after the run for the closing notes."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@pytest.fixture(scope="module")
def traced_memory() -> Iterator[None]:
    """Trace allocations for one module's cases (`pytestmark` asks for it).

    Per-case peaks need tracing on; starting it per case would cost more than most
    cases, and leaving it on would slow every later test of the session.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        yield
    finally:
        if started:
            tracemalloc.stop()


@dataclass
class Figures:
    """Cases run, and the slowest and hungriest of them."""

    cases: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    slowest: tuple[float, str] = (0.0, "")
    hungriest: tuple[int, str] = (0, "")

    def record(self, name: str, outcome: str, seconds: float, peak: int) -> None:
        """Count one case."""
        self.cases += 1
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1
        self.slowest = max(self.slowest, (seconds, name))
        self.hungriest = max(self.hungriest, (peak, name))


FIGURES: dict[str, Figures] = {}


def figures(suite: str) -> Figures:
    """The figures of one part of the suite (reader, attacks, sqlite…)."""
    return FIGURES.setdefault(suite, Figures())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("hostile-input figures")
    for suite, found in sorted(FIGURES.items()):
        outcomes = ", ".join(f"{k}={v}" for k, v in sorted(found.by_outcome.items()))
        terminalreporter.write_line(
            f"{suite}: {found.cases} cases ({outcomes}); slowest "
            f"{found.slowest[0]:.3f} s ({found.slowest[1]}); peak "
            f"{found.hungriest[0] / 2**20:.1f} MiB ({found.hungriest[1]})"
        )
