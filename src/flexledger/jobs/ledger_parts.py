"""A big ledger computed in two parts at once: this process and a forked child.

The ledger is pure Python, so on one core a 100k-trade import spends about 5 s
computing books, checks and snapshots and converting them to rows. Instruments
that share nothing (ledger/shards.py) are computed apart: the child computes
its part and converts the rows (jobs/forked.py) while this process computes and
stores the other; the child's rows come back as plain values and are stored
after them, in the same transaction. Both parts are the full ledger's rows for
their instruments, so the stored result is the same as one pass gives
(tests/jobs/test_ledger_parts.py).

Small ledgers (under `PARALLEL_MIN_FILLS` fills) and platforms without fork are
computed in one pass: a fork costs more than they take. So is any ledger when
LEDGER_PARALLEL is false: the child's copy-on-write pages (the objects it reads
get their reference counts written) add about 0.7 GB to a 100k-trade import's
peak.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flexledger.db.repositories.ledger import PreparedLedger
from flexledger.jobs.forked import ForkedCall, can_fork
from flexledger.ledger.agreement import Check
from flexledger.ledger.compute import CaseRequest, LedgerOutput
from flexledger.ledger.inputs import LedgerInputs
from flexledger.ledger.model import Finding
from flexledger.ledger.shards import split_inputs

PARALLEL_MIN_FILLS = 20_000
# The child also pickles its rows, so it gets a little less of the work.
CHILD_SHARE = 0.45
# Computed alone, a piece's rows are stored while the next piece is computed:
# small enough that the database starts early, big enough that a piece's fixed
# costs stay small.
PIECE_FILLS = 10_000


@dataclass(slots=True)
class CheckTally:
    """Counts of one kind of check, as the run's timeline shows them."""

    total: int = 0
    passed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, checks: Iterable[Check]) -> None:
        """Count `checks`."""
        for check in checks:
            self.total += 1
            self.passed += check.passed
            if check.reason is not None:
                self.reasons[check.reason.value] += 1

    def merge(self, other: CheckTally) -> None:
        """Add another part's counts."""
        self.total += other.total
        self.passed += other.passed
        self.reasons.update(other.reasons)

    def details(self) -> dict[str, object]:
        """The counts as the timeline stores them."""
        return {
            "total": self.total,
            "passed": self.passed,
            "by_reason": dict(sorted(self.reasons.items())),
        }


@dataclass(slots=True)
class LedgerTally:
    """What a ledger pass reports besides its rows."""

    instruments: int = 0
    trade: CheckTally = field(default_factory=CheckTally)
    positions: CheckTally = field(default_factory=CheckTally)
    findings: list[Finding] = field(default_factory=list)
    cases_needed: list[CaseRequest] = field(default_factory=list)

    @classmethod
    def of(cls, output: LedgerOutput) -> LedgerTally:
        """The tally of one pass's output."""
        tally = cls(
            instruments=len(output.books),
            findings=list(output.findings),
            cases_needed=list(output.cases_needed),
        )
        tally.trade.add(
            c for c in output.checks if c.kind.value == "trade_realized_pnl"
        )
        tally.positions.add(c for c in output.checks if c.kind.value == "position_qty")
        return tally

    def merge(self, other: LedgerTally) -> None:
        """Add another part's tally."""
        self.instruments += other.instruments
        self.trade.merge(other.trade)
        self.positions.merge(other.positions)
        self.findings += other.findings
        self.cases_needed += other.cases_needed


@dataclass(frozen=True, slots=True)
class PreparedPart:
    """The child's part: its rows, converted, and its tally."""

    rows: PreparedLedger
    tally: LedgerTally


@contextmanager
def ledger_in_parts(
    inputs: LedgerInputs,
    compute: Callable[[LedgerInputs], LedgerOutput],
    prepare: Callable[[LedgerOutput], PreparedLedger],
    *,
    parallel: bool = True,
) -> Iterator[tuple[Iterator[LedgerOutput], Callable[[], PreparedPart | None]]]:
    """This process's part of the ledger, and how to get the other part.

    The first value gives this process's part. Computed alone, a big ledger comes
    a piece at a time (instruments with about `PIECE_FILLS` fills), so each
    piece is stored on the second core while the next is computed; beside a
    child both cores are busy already, and the part comes whole. The second
    value gives the other part's rows and tally, None when the ledger was not
    split; call it inside the block, once this part is taken, so the child
    computes meanwhile. When the child fails, its part is computed here: the
    result never depends on the child, and an error in the computation is raised
    here.
    """
    parts = (
        split_inputs(inputs, (1 - CHILD_SHARE, CHILD_SHARE))
        if parallel and len(inputs.fills) >= PARALLEL_MIN_FILLS and can_fork()
        else [inputs]
    )
    if len(parts) == 1:
        yield _pieces(inputs, compute), lambda: None
        return
    own, other = parts

    def other_part() -> PreparedPart:
        output = compute(other)
        return PreparedPart(prepare(output), LedgerTally.of(output))

    with ForkedCall(other_part) as child:

        def collect() -> PreparedPart:
            part = child.result()
            return part if part is not None else other_part()

        yield iter([compute(own)]), collect


def _pieces(
    inputs: LedgerInputs, compute: Callable[[LedgerInputs], LedgerOutput]
) -> Iterator[LedgerOutput]:
    """The ledger of `inputs`, one piece of instruments after another."""
    count = round(len(inputs.fills) / PIECE_FILLS)
    if count <= 1:
        yield compute(inputs)
        return
    for piece in split_inputs(inputs, [1.0] * count):
        yield compute(piece)
