"""Pure Python work on the other core: a forked child, its result back by pipe.

Threads cannot run Python side by side (the GIL), and a spawned process would
have to be sent its inputs: pickling a 100k-trade ledger's fills costs more than
half of computing them. A forked child already holds them. It runs one pure
function (no database, no files, no logging), pickles the result into a pipe and
leaves with `os._exit`, so none of the parent's connections, atexit handlers or
finalizers run in it. The parent's threads (the WAL checkpointer) do not exist
in the child, and the work touches none of their locks.

A child that fails, is killed or returns something unreadable yields None: the
caller then does the same work itself, so a child's trouble never changes a
result, and an error in the work itself is raised by the caller's own run.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

_T = TypeVar("_T")
_READ_BYTES = 1024 * 1024


def can_fork() -> bool:
    """Whether this platform forks (not Windows)."""
    return hasattr(os, "fork")


class ForkedCall(Generic[_T]):
    """`work()` in a forked child; `result()` is its value, or None on failure.

    Use as a context manager: leaving the block reaps the child (killing it when
    its result was not collected).
    """

    def __init__(self, work: Callable[[], _T]) -> None:
        self._work = work
        self._pid: int | None = None
        self._chunks: list[bytes] = []
        self._reader: threading.Thread | None = None

    def __enter__(self) -> ForkedCall[_T]:
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that a multi-threaded process forks; the child
            # runs pure code only (see the module docstring).
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's exit status is what counts
            os.close(read_end)
            self._run_child(write_end)
        os.close(write_end)
        self._pid = pid
        # Drained as the child writes, so it can exit before the caller asks.
        self._reader = threading.Thread(
            target=self._drain, args=(read_end,), name="flexledger-forked", daemon=True
        )
        self._reader.start()
        return self

    def result(self) -> _T | None:
        """The child's value, once it has exited; None if it failed."""
        if self._pid is None or self._reader is None:
            return None
        self._reader.join()
        status = self._reap()
        if status != 0:
            return None
        try:
            value: _T = pickle.loads(b"".join(self._chunks))  # noqa: S301 - our own child
        except (pickle.UnpicklingError, EOFError, ValueError):
            return None
        finally:
            self._chunks = []
        return value

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._reader is not None:
            self._reader.join()

    def _drain(self, read_end: int) -> None:
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(_READ_BYTES):
                self._chunks.append(chunk)

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        if pid is None:
            return -1
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def _run_child(self, write_end: int) -> None:  # pragma: no cover - in the child
        code = 1
        try:
            # A Ctrl-C or stop meant for the parent must not run its handlers here.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            data = pickle.dumps(self._work(), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # noqa: S110 - the parent redoes the work
            pass
        finally:
            os._exit(code)
