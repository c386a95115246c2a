"""Deterministic identifiers for derived rows (SPEC §0 P5).

Instruments and canonical events get UUIDv5 over their natural key, so a rebuild from
raw gives the same ids and notes or links on them survive a reprocess. Rows without a
natural key (runs, artifacts, labels, notes) get random UUIDv4.
"""

from __future__ import annotations

import uuid

# A fixed namespace for every flexledger UUIDv5; changing it would change every
# derived id, so it is frozen with the schema.
FLEXLEDGER_NAMESPACE = uuid.UUID("6f1f3c2e-8a4b-5c1d-9e7f-0a1b2c3d4e5f")


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
    return uuid.uuid5(FLEXLEDGER_NAMESPACE, f"{kind}\x1e{encoded}")


def new_id() -> uuid.UUID:
    """Return a fresh random id for a row that has no natural key."""
    return uuid.uuid4()
