"""The mapping layer's short paths give exactly what the general ones give.

Each short path exists for speed only, so each is checked against the plain
reading it replaces: the same values (digits and exponent), the same errors.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexledger.domain.canonical import Cashflow, Event, TradeFill
from flexledger.domain.money import FX_RATE, MONEY, QUANTITY, DecimalScale, to_scale
from flexledger.mapping.pipeline import map_rows
from flexledger.mapping.registry import MappingContext
from flexledger.mapping.resolve import Resolved, _resolve_group, resolve_events
from flexledger.mapping.values import (
    NULL_TOKENS,
    FieldError,
    is_cancellation_side,
    parse_decimal,
    parse_scaled_decimal,
)
from tests.fixtures.flex_files import ALL_FIXTURES, NOT_WELL_FORMED
from tests.fixtures.registry import installed_registry
from tests.mapping.golden import DEFAULT_TIMEZONE, base_currency, source_rows

_SCALES = st.sampled_from([MONEY, QUANTITY, FX_RATE, DecimalScale(10, 4)])
_NUMBER_TEXT = st.one_of(
    st.from_regex(
        r"[ ]?[+-]?\d{1,18}(\.\d{0,14})?([eE][+-]?\d{1,3})?[ ]?", fullmatch=True
    ),
    st.from_regex(r"-?\d{1,3}(,\d{3}){1,5}(\.\d{0,10})?", fullmatch=True),
    st.text(alphabet="0123456789-+.,eE _", max_size=24),
    st.sampled_from(sorted(NULL_TOKENS)),
    st.none(),
)


def _read(read: object) -> object:
    """The value a reader gives, or the error it raises as (reason, hint)."""
    assert callable(read)
    try:
        value = read()
    except FieldError as exc:
        return ("refused", exc.reason, exc.hint)
    if isinstance(value, Decimal):
        return value.as_tuple()  # the same digits and exponent, not just equal
    return value


@given(text=_NUMBER_TEXT, scale=_SCALES)
def test_scaled_decimal_is_the_decimal_rounded_to_its_column(
    text: str | None, scale: DecimalScale
) -> None:
    def plain_then_rounded() -> Decimal | None:
        number = parse_decimal(text, scale=scale)
        return None if number is None else to_scale(number, scale)

    assert _read(lambda: parse_scaled_decimal(text, scale)) == _read(plain_then_rounded)


_SIDE = re.compile(r"(BUY|SELL)(\ ?\(CA\.\))?\Z", re.ASCII | re.I)


@given(
    text=st.one_of(
        st.sampled_from(
            ["BUY", "SELL", " BUY ", "buy", "Sell", "BUY (Ca.)", "SELL(Ca.)", "-", ""]
        ),
        st.from_regex(
            r"\s?(BUY|SELL|buy|sell|XYZ)( ?\((Ca|CA|ca)\.\))?\s?", fullmatch=True
        ),
        st.text(max_size=12),
        st.none(),
    )
)
def test_cancellation_side_reads_as_its_pattern(text: str | None) -> None:
    cleaned = None if text is None else text.strip()
    match = None if cleaned is None or cleaned in NULL_TOKENS else _SIDE.match(cleaned)
    expected = match is not None and match[2] is not None
    assert is_cancellation_side(text) is expected


def _resolve_by_lists(candidates: Sequence[Event]) -> list[Resolved]:
    """resolve_events as first written: a list per id, sorted by (kind, id)."""
    by_id: dict[uuid.UUID, list[Event]] = defaultdict(list)
    for candidate in candidates:
        by_id[candidate.event_id].append(candidate)
    resolved = []
    for event_id in sorted(by_id, key=lambda v: (by_id[v][0].kind.value, v.int)):
        group = by_id[event_id]
        if len(group) == 1:
            resolved.append(Resolved(group[0], (group[0].source.raw_record_id,)))
            continue
        event, _ = _resolve_group(group)
        sources = tuple(sorted({c.source.raw_record_id for c in group}, key=str))
        resolved.append(Resolved(event, sources))
    return resolved


def _fixture_events() -> list[Event]:
    """Every event the public fixtures map to."""
    registry = installed_registry()
    events: list[Event] = []
    for path in ALL_FIXTURES:
        if path.name == NOT_WELL_FORMED:
            continue
        rows = source_rows(path)
        context = MappingContext(base_currency(rows), DEFAULT_TIMEZONE)
        events.extend(map_rows(rows, registry, context).events)
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resolving_orders_and_groups_as_the_list_per_id_version(seed: int) -> None:
    events = _fixture_events()
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    # Re-sent and corrected rows: some keys come again, some with other values.
    again: list[Event] = []
    for event in rng.sample(events, k=min(len(events), 200)):
        if isinstance(event, TradeFill) and event.commission is not None:
            again.append(replace(event, commission=event.commission - 1))
        elif isinstance(event, Cashflow):
            again.append(replace(event, amount=event.amount + 1))
        else:
            again.append(event)
    candidates = events + again
    rng.shuffle(candidates)
    resolved, _ = resolve_events(candidates)
    assert resolved == _resolve_by_lists(candidates)
