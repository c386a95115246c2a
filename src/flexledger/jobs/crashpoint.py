"""Named crash points for crash-consistency tests (RELIABILITY T07, T12).

`FLEXLEDGER_CRASHPOINT=<name>` (or `<name>:<n>` for the n-th time the point is
reached, e.g. `persist_batch:3`) makes the process SIGKILL itself there: no
cleanup, no exception handler, no `finally`, exactly like a power cut or the OOM
killer.

Why this ships in the package rather than in tests: the crash tests kill the real
`flexledger` binary a user runs, started as a subprocess with its real entry point,
its real database drivers and its real transactions. A test-only shim injected
from outside (monkeypatching, a wrapper script) would exercise a different process
than the one that has to survive. Unset (always, outside the tests), a crash point
costs one comparison against a value read once at import.

The points, in the order a run reaches them (`POINTS`):

- `after_run_start`: the `started` run row is committed, nothing else.
- `after_download`: the payload is in hand (fetched or read), nothing stored.
- `persist_batch`: after each batch of `PERSIST_BATCH_ROWS` raw rows is queued,
  inside the raw transaction (`:n` picks the batch).
- `before_persist_commit`: every raw row is written, the raw commit is next.
- `after_raw_commit`: raw rows are committed; mapping has not started.
- `mapping_started`, `mapping_written`: inside the mapping and ledger
  transaction, before and after the canonical events are written.
- `ledger_started`: the canonical events are written, the ledger is next.
- `before_snapshot_write`, `after_snapshot_write`: around the write of lots,
  closures, checks and daily snapshots.
- `before_status_write`: everything derived is written; the run row is next.
- `before_run_commit`: the run row says `success`; the commit is next.
- `after_run_commit`: committed, the run lock is still held.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENVIRONMENT_VARIABLE = "FLEXLEDGER_CRASHPOINT"
POINTS = (
    "after_run_start",
    "after_download",
    "persist_batch",
    "before_persist_commit",
    "after_raw_commit",
    "mapping_started",
    "mapping_written",
    "ledger_started",
    "before_snapshot_write",
    "after_snapshot_write",
    "before_status_write",
    "before_run_commit",
    "after_run_commit",
)

# Read once: the point names a process dies at are fixed when it starts, and the
# hot path (one call per raw batch) must not touch the environment.
_target, _, _nth = (os.environ.get(ENVIRONMENT_VARIABLE) or "").partition(":")
_TARGET = _target or None
_NTH = int(_nth or "1")
_hits: Counter[str] = Counter()


def crashpoint(name: str) -> None:
    """Kill this process here if `FLEXLEDGER_CRASHPOINT` names this point.

    Args:
        name: one of `POINTS`.
    """
    if name != _TARGET:
        return
    _hits[name] += 1
    if _hits[name] >= _NTH:
        os.kill(os.getpid(), signal.SIGKILL)
