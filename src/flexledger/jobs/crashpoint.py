"""Named crash points for crash-consistency tests (RELIABILITY harness notes).

`FLEXLEDGER_CRASHPOINT=<name>` (optionally `<name>:<n>` for the n-th hit) makes the
process SIGKILL itself when it reaches that point: no cleanup, no exception handler,
exactly like a power cut or the OOM killer. Unset, a crash point costs one dict
lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENVIRONMENT_VARIABLE = "FLEXLEDGER_CRASHPOINT"
_hits: Counter[str] = Counter()


def crashpoint(name: str) -> None:
    """Kill this process here if the environment asks for it."""
    wanted = os.environ.get(ENVIRONMENT_VARIABLE)
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    _hits[name] += 1
    if _hits[name] >= int(nth or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
