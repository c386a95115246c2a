"""The ledger's fast id paths give exactly the ids the standard library gives."""

from __future__ import annotations

import pickle
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from flexledger.domain.ids import FLEXLEDGER_NAMESPACE, KeyPrefix, natural_key_id

_PARTS = st.lists(st.none() | st.text(max_size=30), max_size=4)


def _standard(kind: str, parts: list[str | None]) -> uuid.UUID:
    encoded = "\x1f".join("\x00" if part is None else part for part in parts)
    return uuid.uuid5(FLEXLEDGER_NAMESPACE, f"{kind}\x1e{encoded}")


@given(kind=st.text(max_size=20), leading=_PARTS, rest=_PARTS)
@settings(derandomize=True, max_examples=300)
def test_a_key_prefix_gives_the_ids_of_the_whole_key(
    kind: str, leading: list[str | None], rest: list[str | None]
) -> None:
    made = KeyPrefix(kind, *leading).id(*rest)
    assert made == natural_key_id(kind, *leading, *rest)
    assert made == _standard(kind, [*leading, *rest])


@given(kind=st.text(max_size=20), parts=_PARTS)
@settings(derandomize=True, max_examples=100)
def test_a_fast_id_is_a_uuid_like_any_other(kind: str, parts: list[str | None]) -> None:
    made, expected = natural_key_id(kind, *parts), _standard(kind, parts)
    assert type(made) is uuid.UUID
    assert (made.int, made.is_safe, made.version, made.variant) == (
        expected.int,
        expected.is_safe,
        expected.version,
        expected.variant,
    )
    assert (str(made), made.bytes, hash(made)) == (
        str(expected),
        expected.bytes,
        hash(expected),
    )
    assert pickle.loads(pickle.dumps(made)) == expected  # noqa: S301 - our own bytes
    assert {made: 1}[expected] == 1


def test_the_snapshot_and_closure_keys_are_frozen() -> None:
    # The ids the ledger stores: a change here orphans every stored row.
    prefix = KeyPrefix("pnl_snapshot_daily", "U1234567")
    assert prefix.id("2024-01-02", "265598") == natural_key_id(
        "pnl_snapshot_daily", "U1234567", "2024-01-02", "265598"
    )
    assert KeyPrefix("instrument", "U1234567").id("265598") == uuid.UUID(
        "3003b18a-37f1-517f-9bf4-0806be4c755c"
    )
