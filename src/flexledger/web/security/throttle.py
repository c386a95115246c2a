"""Login throttling, in memory: per client address and for the whole server.

The first `free_failures` failures of an address cost nothing; each further one
locks that address out for `base_lock_seconds` doubled per failure, up to
`max_lock_seconds`. Attempts during a lockout are refused without checking the
password, so guessing cannot go faster than the locks allow. A global counter
does the same over every address at `global_free_failures`, against guessing
from many addresses (it also pauses sign-in for the owner, a deliberate trade:
bearer tokens and signed-in sessions keep working). A success clears the
address's record and the global count; a record is forgotten `forget_seconds`
after its last failure. State is per process and lost on restart, which is fine
for one self-hosted server.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


class LoginThrottle:
    """Counts failed logins and says when the next attempt may be made."""

    def __init__(
        self,
        *,
        free_failures: int = 5,
        global_free_failures: int = 50,
        base_lock_seconds: float = 30.0,
        max_lock_seconds: float = 900.0,
        forget_seconds: float = 3600.0,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self._global_free = global_free_failures
        self._base = base_lock_seconds
        self._max = max_lock_seconds
        self._forget = forget_seconds
        self._max_addresses = max_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._by_address: OrderedDict[str, _Record] = OrderedDict()
        self._global = _Record()

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again (0: it may try now)."""
        now = self._clock()
        with self._lock:
            record = self._current(address, now)
            until = max(
                record.locked_until if record else 0.0, self._global.locked_until
            )
        return math.ceil(until - now) if until > now else 0

    def failed(self, address: str) -> None:
        """Record a failed attempt from `address`."""
        now = self._clock()
        with self._lock:
            record = self._current(address, now) or _Record()
            self._by_address[address] = record
            self._by_address.move_to_end(address)
            while len(self._by_address) > self._max_addresses:
                self._by_address.popitem(last=False)
            self._count(record, now, self.free_failures)
            if now - self._global.last_failure > self._forget:
                self._global = _Record()
            self._count(self._global, now, self._global_free)

    def succeeded(self, address: str) -> None:
        """Clear the record of `address` and the global count."""
        with self._lock:
            self._by_address.pop(address, None)
            self._global = _Record()

    def _current(self, address: str, now: float) -> _Record | None:
        record = self._by_address.get(address)
        if record and now - record.last_failure > self._forget:
            del self._by_address[address]
            return None
        return record

    def _count(self, record: _Record, now: float, free: int) -> None:
        record.failures += 1
        record.last_failure = now
        over = record.failures - free
        if over >= 0:
            record.locked_until = now + min(self._base * 2**over, self._max)
