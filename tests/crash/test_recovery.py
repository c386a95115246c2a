"""Regression: raw rows a dead run committed are mapped by the next run to succeed.

Before the fix, a run killed between its raw commit and its mapping commit left
rows no later run ever mapped: re-importing the same bytes inserted no new rows,
so mapping was skipped (`no_new_raw_rows_for_run`) and the run still ended
`success` with the payload's trades missing from the ledger until a reprocess.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Callable
from pathlib import Path

from flexledger.db.database import Database
from flexledger.jobs.crashpoint import ENVIRONMENT_VARIABLE
from tests.crash.client import ForkServer
from tests.crash.harness import (
    Case,
    Reference,
    cli_environment,
    export_hash,
    import_file,
    runs,
)
from tests.fixtures.synthetic_flex import write_statement
from tests.invariants.checks import assert_no_violations


def _mapping_details(outcome: object) -> dict[str, object]:
    run = getattr(outcome, "run")  # noqa: B009 - IngestOutcome, kept loose here
    entries = [e for e in run.diagnostics if e["stage"] == "canonical_mapping"]
    details: dict[str, object] = entries[0]["details"]
    return details


def test_a_dead_runs_rows_are_mapped_by_the_next_run_whatever_it_imports(
    database: Database,
    cases: dict[str, Case],
    reference: Callable[[Case], Reference],
    forkserver: ForkServer,
    workdir: Path,
    tmp_path: Path,
) -> None:
    case = cases["1k"]
    for path in case.before:
        assert import_file(database, path).succeeded
    killed = forkserver.run(
        ["import", "--allow-missing-sections", str(case.payload)],
        cli_environment(database, **{ENVIRONMENT_VARIABLE: "after_raw_commit"}),
        workdir,
    )
    assert killed.returncode == -signal.SIGKILL
    dead_id = runs(database)[-1][0]
    assert export_hash(database) == reference(case).before

    # The next run imports other bytes, yet maps the dead run's rows with its own.
    other = write_statement(
        tmp_path / "other.xml", 0, seed=9, start=dt.date(2019, 1, 7)
    )
    next_run = import_file(database, other)
    assert next_run.succeeded
    details = _mapping_details(next_run)
    assert details["adopted_run_ids"] == [dead_id]
    assert details["canonical_input_row_count"] == next_run.raw_record_count + 1_604
    assert_no_violations(database)

    # Adopted once: a later run maps only its own rows.
    again = import_file(database, case.payload)
    assert again.succeeded
    assert "adopted_run_ids" not in _mapping_details(again)
    assert _mapping_details(again)["canonical_skip_reason"] == "no_new_raw_rows_for_run"
    assert_no_violations(database)
