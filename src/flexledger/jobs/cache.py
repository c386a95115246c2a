"""A small in-process cache for read models keyed by what they were built from.

Reports over a 100k-trade account aggregate every snapshot, check or raw row; the
keys include the state of the stored rows (`flexledger.jobs.data_state`: change
tokens moved by every write, from any process), so a new import, recompute or
edit is seen at once and a repeated request costs one cheap query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class BoundedCache(Generic[_Key, _Value]):
    """A thread-safe cache that forgets its oldest entry when full."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[_Key, _Value] = {}
        self._building: dict[_Key, threading.Lock] = {}

    def get(self, key: _Key) -> _Value | None:
        """The value stored under `key`, or None."""
        with self._lock:
            return self._entries.get(key)

    def put(self, key: _Key, value: _Value) -> None:
        """Store `value` under `key`, dropping the oldest entry if full."""
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = value

    def get_or_build(self, key: _Key, build: Callable[[], _Value]) -> _Value:
        """The value under `key`, built by one caller while the others wait.

        Concurrent requests for a new state or page would otherwise each build
        it, multiplying the slowest work exactly when it is most wanted. If
        `build` raises, nothing is stored and each waiter tries for itself.
        """
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                return value
            building = self._building.setdefault(key, threading.Lock())
        try:
            with building:
                value = self.get(key)
                if value is None:
                    value = build()
                    self.put(key, value)
                return value
        finally:
            with self._lock:
                if self._building.get(key) is building:
                    del self._building[key]
