"""SQLite WAL checkpoints on a worker thread, after commits rather than inside them.

SQLite's automatic checkpoint runs in the committing call, after the commit: an
import that wrote a 450 MB transaction then waits about 1.5 s while those pages are
copied from the WAL into the database file. The data is already durable in the WAL
at that point, so this module switches the automatic checkpoint off and runs a
PASSIVE checkpoint on its own connection whenever a connection is returned to the
pool. The copy then overlaps the caller's next work (mapping, the ledger) on the
other core; SQLite releases the GIL while it copies.

A PASSIVE checkpoint never waits for readers or writers, so it cannot delay a
request; what it could not copy is copied by the next one. Closing the last
connection checkpoints what is left, as SQLite always does.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import suppress

_CHECKPOINT_SQL = "PRAGMA wal_checkpoint(PASSIVE)"


class WalCheckpointer:
    """Runs PASSIVE checkpoints of one SQLite file when asked, one at a time."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._owner_pid = 0
        self._stopping = False

    def request(self) -> None:
        """Ask for a checkpoint soon; requests made meanwhile are folded into one."""
        with self._lock:
            if self._stopping:
                return
            # A forked child inherits the object but not the thread: start its own.
            if self._worker is None or self._owner_pid != os.getpid():
                self._worker = threading.Thread(
                    target=self._run, name="flexledger-wal-checkpoint", daemon=True
                )
                self._owner_pid = os.getpid()
                self._worker.start()
        self._wanted.set()

    def close(self) -> None:
        """Finish the checkpoint under way, stop the worker, close its connection."""
        with self._lock:
            self._stopping = True
            worker = self._worker if self._owner_pid == os.getpid() else None
        self._wanted.set()
        if worker is not None:
            worker.join()
        with self._lock:
            # Closed, yet usable again: an engine may open connections after dispose.
            self._worker = None
            self._stopping = False
            self._wanted.clear()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, timeout=0, check_same_thread=False)
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping:
                    return
                # Busy or locked: the next request copies what is left.
                with suppress(sqlite3.Error):
                    connection.execute(_CHECKPOINT_SQL).fetchall()
        finally:
            connection.close()
