"""A small in-process cache for read models keyed by what they were built from.

Reports over a 100k-trade account aggregate every snapshot, check or raw row; the
keys include a fingerprint of the stored rows (counts and last write instants),
so a new import or recompute is seen at once and a repeated request costs one
cheap query.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class BoundedCache(Generic[_Key, _Value]):
    """A thread-safe cache that forgets its oldest entry when full."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[_Key, _Value] = {}

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
