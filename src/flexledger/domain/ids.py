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
# What uuid.UUID(int=...) records; read once, an enum member lookup is not free.
_UNKNOWN_SAFETY = uuid.SafeUUID.unknown


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
    return _v5_of(_NAMESPACE_BYTES + f"{kind}\x1e{_joined(parts)}".encode())


class KeyPrefix:
    """`natural_key_id` of one kind and leading parts, for many trailing parts.

    `KeyPrefix(kind, *leading).id(*rest)` equals `natural_key_id(kind, *leading,
    *rest)`; the constant head is encoded once. The ledger makes a snapshot id per
    instrument per day, all under one account.
    """

    __slots__ = ("_head", "_whole")

    def __init__(self, kind: str, *leading: str | None) -> None:
        """Encode the namespace, `kind` and `leading` once."""
        self._whole = _NAMESPACE_BYTES + f"{kind}\x1e{_joined(leading)}".encode()
        # Parts after the leading ones follow a separator (if any came before).
        self._head = self._whole + b"\x1f" if leading else self._whole

    def id(self, *rest: str | None) -> uuid.UUID:
        """The id of the key made of the leading parts and then `rest`."""
        if not rest:
            return _v5_of(self._whole)
        return _v5_of(self._head + _joined(rest).encode())


def _joined(parts: tuple[str | None, ...]) -> str:
    # This runs a million times per rebuild, and keys rarely hold None: the
    # membership test costs less than the per-part replacement it skips.
    if None not in parts:
        return "\x1f".join(parts)  # type: ignore[arg-type]  # no None, just tested
    return "\x1f".join(["\x00" if part is None else part for part in parts])


def _v5_of(name: bytes) -> uuid.UUID:
    """uuid.uuid5 of the namespace-prefixed `name`, computed directly.

    The ledger makes a million per rebuild, and uuid5's bytes-then-version
    construction was a quarter of their cost.
    """
    digest = hashlib.sha1(name).digest()  # noqa: S324 - RFC 9562 UUIDv5 is SHA-1
    return uuid_of_int(
        int.from_bytes(digest[:16]) & _CLEAR_VERSION_VARIANT | _V5_RFC_BITS
    )


def uuid_of_int(value: int) -> uuid.UUID:
    """`uuid.UUID(int=value)` for a value known to be in range, without the checks.

    UUID.__init__ parses its five optional arguments and range-checks before it
    sets the two slots it has; setting them directly is what it ends with (and
    what CPython 3.14's own `UUID._from_int` does), at a third of the cost.
    tests/ledger/test_fast_ids.py compares the result with uuid.uuid5 field by
    field. For derived ids and ids read back in bulk, never for input.
    """
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN_SAFETY)
    return made


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
