"""T07/T12: `flexledger import` SIGKILLed at every named crash point.

Each trial: import the case's "before" statements, kill a real `flexledger import`
of the payload at one point, then check what a power cut may leave — no invariant
broken, the export hash either the before value or the complete-run value (the
one an uninterrupted import into a second database gives), earlier raw rows
unchanged, the payload stored at most once — and that the next start recovers by
itself: it closes the dead run as abandoned, takes the lock, and its result is
exactly the uninterrupted one.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flexledger.db.database import Database
from flexledger.jobs.crashpoint import ENVIRONMENT_VARIABLE, POINTS
from tests.crash.client import Finished, ForkServer
from tests.crash.harness import (
    Case,
    Reference,
    abandoned_ids,
    artifact_count,
    cli_environment,
    export_hash,
    import_file,
    raw_rows,
    run_cli,
    runs,
)
from tests.invariants.checks import assert_no_violations

# Points after which the payload's derived rows are committed; before the first
# of them a crash must leave exactly the "before" state.
_COMMITTED = frozenset({"after_run_commit"})
# Every point on the small and 1k payloads; on the 5k one (four raw batches) the
# points whose work grows with the payload, the middle batch among them.
_POINTS_BY_SIZE = {
    "small": POINTS,
    "1k": POINTS,
    "5k": (
        "persist_batch:3",
        "before_persist_commit",
        "after_raw_commit",
        "after_snapshot_write",
        "before_run_commit",
    ),
}
LOCK_BUDGET_SECONDS = 5.0


def _trials() -> list[pytest.ParameterSet]:
    trials = []
    for size, points in _POINTS_BY_SIZE.items():
        for point in points:
            trials.append(pytest.param(size, point, id=f"{size}-{point}"))
    return trials


@pytest.mark.slow
@pytest.mark.parametrize(("size", "point"), _trials())
def test_a_kill_at_a_crash_point_leaves_before_or_complete_and_recovers(
    database: Database,
    cases: dict[str, Case],
    reference: Callable[[Case], Reference],
    forkserver: ForkServer,
    workdir: Path,
    size: str,
    point: str,
) -> None:
    case = cases[size]
    for path in case.before:
        assert import_file(database, path).succeeded
    expected = reference(case)
    before, complete = expected.before, expected.complete
    raw_before = raw_rows(database)

    killed = _kill_at(database, case, point, forkserver, workdir)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)

    assert_no_violations(database)
    crashed = export_hash(database)
    name = point.partition(":")[0]
    assert crashed == (complete if name in _COMMITTED else before)
    assert raw_before <= raw_rows(database, {row[0] for row in raw_before})
    assert artifact_count(database, case.payload) <= 1
    dead_id, dead_status, _ = runs(database)[-1]
    assert dead_status == ("success" if name in _COMMITTED else "started")

    # The next start: no cleanup by hand, the lock is free at once.
    started = time.monotonic()
    recovered = import_file(database, case.payload)
    assert time.monotonic() - started < LOCK_BUDGET_SECONDS + 30
    assert recovered.succeeded, recovered.run.diagnostics[-1]
    if dead_status == "started":
        assert abandoned_ids(recovered) == [dead_id]
    statuses = {run_id: (status, code) for run_id, status, code in runs(database)}
    assert ("started", None) not in statuses.values()
    if dead_status == "started":
        assert statuses[dead_id] == ("failed", "INGESTION_STALE_RUN")

    assert_no_violations(database)
    assert export_hash(database) == complete
    assert artifact_count(database, case.payload) == 1


# Points where the small payload's kill is a real exec of the installed console
# script (about a second of start-up each); the others fork the same entry point
# from the warm server, which keeps the suite inside its time budget.
_EXEC_POINTS = frozenset(
    {"after_download", "persist_batch", "after_raw_commit", "before_run_commit"}
)


def _kill_at(
    database: Database, case: Case, point: str, forkserver: ForkServer, workdir: Path
) -> Finished:
    """Run the payload's import until it kills itself at `point`."""
    if case.name == "small" and point in _EXEC_POINTS:
        done = run_cli(database, case.payload, workdir, **{ENVIRONMENT_VARIABLE: point})
        return Finished(done.returncode, done.stdout, done.stderr)
    return forkserver.run(
        ["import", "--allow-missing-sections", str(case.payload)],
        cli_environment(database, **{ENVIRONMENT_VARIABLE: point}),
        workdir,
    )
