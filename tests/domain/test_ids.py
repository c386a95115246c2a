from __future__ import annotations

import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from flexledger.domain.ids import (
    FLEXLEDGER_NAMESPACE,
    OrderedIds,
    natural_key_id,
    new_id,
)


def test_natural_key_ids_are_deterministic_uuid5() -> None:
    first = natural_key_id("event_trade_fill", "U1234567", "0001.01")
    assert first == natural_key_id("event_trade_fill", "U1234567", "0001.01")
    assert first.version == 5


def test_kind_and_each_part_change_the_id() -> None:
    base = natural_key_id("event_trade_fill", "U1", "X")
    assert base != natural_key_id("event_cashflow", "U1", "X")
    assert base != natural_key_id("event_trade_fill", "U2", "X")
    # Parts are separated, so ("ab", "c") and ("a", "bc") differ.
    assert natural_key_id("k", "ab", "c") != natural_key_id("k", "a", "bc")
    assert natural_key_id("k", None) != natural_key_id("k", "")


def test_the_namespace_and_encoding_are_frozen() -> None:
    # Changing either would change every stored id and orphan every event note.
    assert natural_key_id("instrument", "U1234567", "265598") == uuid.UUID(
        "3003b18a-37f1-517f-9bf4-0806be4c755c"
    )


def test_new_ids_are_random() -> None:
    assert new_id() != new_id()
    assert new_id().version == 4


def test_ordered_ids_are_uuid7_and_sort_in_the_order_they_were_made() -> None:
    ids = OrderedIds()
    made = ids.take(3) + ids.take(2)
    parsed = [uuid.UUID(hex=value) for value in made]
    assert all(value.version == 7 for value in parsed)
    assert all(value.variant == uuid.RFC_4122 for value in parsed)
    assert made == sorted(made)
    assert len(set(made)) == 5
    # The leading 48 bits are the Unix time in milliseconds.
    millis = parsed[0].int >> 80
    assert abs(millis - time.time() * 1000) < 60_000


@given(
    kind=st.text(max_size=20),
    parts=st.lists(st.none() | st.text(max_size=30), max_size=5),
)
@settings(derandomize=True, max_examples=300)
def test_natural_key_ids_equal_the_standard_uuid5(
    kind: str, parts: list[str | None]
) -> None:
    encoded = "\x1f".join("\x00" if part is None else part for part in parts)
    expected = uuid.uuid5(FLEXLEDGER_NAMESPACE, f"{kind}\x1e{encoded}")
    assert natural_key_id(kind, *parts) == expected
