"""T07: SIGKILL from the parent at seeded random instants, on the 5k payload.

Unlike the named points, the instant is wherever the process happens to be —
inside a driver call, half-way through a commit, in the bulk writer's thread.
Each trial records its seed, delay and what the kill left, so a failure replays.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flexledger.db.database import Database
from tests.crash.client import ForkServer
from tests.crash.harness import (
    Case,
    Reference,
    artifact_count,
    cli_environment,
    export_hash,
    import_file,
    raw_rows,
    runs,
)
from tests.invariants.checks import assert_no_violations

SEED = 20_260_107
TRIALS = 3
# The uninterrupted 5k import takes 3-6 s here (process start included): kills
# spread over its first part, where the raw and the derived commits are.
MAX_DELAY_SECONDS = 4.0


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_kill_at_a_random_instant_leaves_before_or_complete_and_recovers(
    database: Database,
    cases: dict[str, Case],
    reference: Callable[[Case], Reference],
    forkserver: ForkServer,
    workdir: Path,
    trial: int,
) -> None:
    case = cases["5k"]
    delay = random.Random(SEED + trial).uniform(0.2, MAX_DELAY_SECONDS)  # noqa: S311
    for path in case.before:
        assert import_file(database, path).succeeded
    expected = reference(case)
    raw_before = raw_rows(database)

    child = forkserver.spawn(
        ["import", "--allow-missing-sections", str(case.payload)],
        cli_environment(database),
        workdir,
    )
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)  # a zombie (already done) ignores it
    ended = forkserver.wait(child)
    crashed = export_hash(database)
    left = {
        expected.before: "before",
        expected.complete: "complete",
    }.get(crashed, "neither")
    print(  # noqa: T201 - the replay record of the trial (pytest -s shows it)
        f"random kill seed={SEED + trial} delay={delay:.3f}s "
        f"returncode={ended.returncode} runs={[r[1] for r in runs(database)]} "
        f"raw_artifacts={artifact_count(database, case.payload)} state={left}"
    )
    assert ended.returncode in (0, -signal.SIGKILL), ended.stderr
    assert_no_violations(database)
    assert left != "neither"
    assert raw_before <= raw_rows(database, {row[0] for row in raw_before})
    assert artifact_count(database, case.payload) <= 1

    recovered = import_file(database, case.payload)
    assert recovered.succeeded, recovered.run.diagnostics[-1]
    assert "started" not in {status for _, status, _ in runs(database)}
    assert_no_violations(database)
    assert export_hash(database) == expected.complete
    assert artifact_count(database, case.payload) == 1
