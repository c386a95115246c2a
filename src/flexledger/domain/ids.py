"""Deterministic identifiers for derived rows (SPEC §0 P5).

Instruments and canonical events get UUIDv5 over their natural key, so a rebuild from
raw gives the same ids and notes or links on them survive a reprocess. Rows without a
natural key (runs, artifacts, labels, notes) get random UUIDv4; raw records, written
by the hundred thousand, get time-ordered UUIDv7 so index inserts append.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

# A fixed namespace for every flexledger UUIDv5; changing it would change every
# derived id, so it is frozen with the schema.
FLEXLEDGER_NAMESPACE = uuid.UUID("6f1f3c2e-8a4b-5c1d-9e7f-0a1b2c3d4e5f")
_NAMESPACE_BYTES = FLEXLEDGER_NAMESPACE.bytes
# Version nibble (bits 76-79) and variant bits (62-63) of a 128-bit UUID.
_CLEAR_VERSION_VARIANT = ~(0xF000 << 64) & ~(0xC000 << 48) & ((1 << 128) - 1)
_V5_RFC_BITS = 5 << 76 | 0x8000 << 48


def natural_key_id(kind: str, *parts: str | None) -> uuid.UUID:
    """Return the deterministic id of a row of `kind` with the given natural key.

    Args:
        kind: table-like name of the row, e.g. ``"event_trade_fill"``; the same key
            parts under another kind give another id.
        parts: the natural-key values in their SPEC order; ``None`` is kept distinct
            from the empty string.

    Returns:
        A UUIDv5 in the flexledger namespace.
    """
    encoded = "\x1f".join("\x00" if part is None else part for part in parts)
    # uuid.uuid5, computed directly: the ledger makes a quarter million per rebuild
    # and uuid5's bytes-then-version construction was a quarter of their cost.
    digest = hashlib.sha1(  # noqa: S324 - RFC 9562 UUIDv5 is defined on SHA-1
        _NAMESPACE_BYTES + f"{kind}\x1e{encoded}".encode()
    ).digest()
    value = int.from_bytes(digest[:16]) & _CLEAR_VERSION_VARIANT | _V5_RFC_BITS
    return uuid.UUID(int=value)


def new_id() -> uuid.UUID:
    """Return a fresh random id for a row that has no natural key."""
    return uuid.uuid4()


_RAND_B_BITS = 62


class OrderedIds:
    """Time-ordered UUIDv7s (RFC 9562), a block at a time, as 32-digit hex.

    Within a block the 62-bit random tail counts up (the RFC's monotonic-random
    method), so ids of one writer sort in the order they were made and a B-tree
    index grows at its end instead of at random pages.
    """

    def __init__(self) -> None:
        self._last = 0

    def take(self, count: int) -> list[str]:
        """`count` fresh ids, each greater than every id this instance made before."""
        millis = time.time_ns() // 1_000_000
        head = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76
        head |= secrets.randbits(12) << 64 | 0b10 << _RAND_B_BITS
        # 48 random bits leave 2^62 - 2^48 ids of room to count up in the tail.
        tail = secrets.randbits(48)
        first = max(head | tail, self._last + 1)
        self._last = first + count - 1
        return [f"{value:032x}" for value in range(first, first + count)]
