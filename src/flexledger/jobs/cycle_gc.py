"""Python's cycle collector paused while a job holds hundreds of thousands of rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rows stream by, are mapped and replayed.

    Parsed rows, events, lots and snapshots hold no reference cycles, so
    collections during a large import find nothing: they cost about a tenth of
    the persist (benchmarks/ingest.py) and a third of the mapping, each one
    walking every row still held. Memory freed by reference counting is
    unaffected; the few cycles made meanwhile are collected after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
