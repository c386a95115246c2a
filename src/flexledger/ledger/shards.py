"""Ledger inputs split into parts that share no instrument, to compute apart.

The ledger is per instrument, except where instruments are tied together: an
identity change moves lots from one to another (links), and one corporate action
can have legs on several (a reverse split into a new conid). Tied instruments
form one group; groups are dealt to the parts largest first, each to the part
with the fewest fills so far. Rates, the calendar, currencies and cases are read
by every part as they are. Each part's ledger is the full ledger's rows for its
instruments, so the parts' results together are the whole result.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable

from flexledger.ledger.inputs import LedgerInputs


def split_inputs(inputs: LedgerInputs, shares: Iterable[float]) -> list[LedgerInputs]:
    """`inputs` dealt into one part per share (its fraction of the fills).

    Parts that get no instrument are left out, so fewer parts may come back.
    """
    weights = list(shares)
    groups = _instrument_groups(inputs)
    fills = Counter(f.instrument_id for f in inputs.fills)
    sized = sorted(
        groups, key=lambda group: (-sum(fills[i] for i in group), min(map(str, group)))
    )
    dealt: list[set[uuid.UUID]] = [set() for _ in weights]
    load = [0.0 for _ in weights]
    for group in sized:
        size = sum(fills[i] for i in group) or 1
        # The part furthest below its share of the fills takes the group.
        target = min(range(len(weights)), key=lambda k: (load[k] / weights[k], k))
        dealt[target] |= group
        load[target] += size
    return [_part(inputs, members) for members in dealt if members]


def _instrument_groups(inputs: LedgerInputs) -> list[set[uuid.UUID]]:
    """Every instrument of the inputs, grouped with those it is tied to."""
    parent: dict[uuid.UUID, uuid.UUID] = {}

    def root(item: uuid.UUID) -> uuid.UUID:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(one: uuid.UUID, other: uuid.UUID) -> None:
        parent[root(one)] = root(other)

    for records in (inputs.fills, inputs.cash, inputs.positions, inputs.legs):
        for record in records:
            root(record.instrument_id)
    for link in inputs.links:
        join(link.from_instrument_id, link.to_instrument_id)
    legs_by_action: dict[str, list[uuid.UUID]] = defaultdict(list)
    for leg in inputs.legs:
        legs_by_action[leg.action_id].append(leg.instrument_id)
    for instruments in legs_by_action.values():
        for other in instruments[1:]:
            join(instruments[0], other)
    groups: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for item in list(parent):
        groups[root(item)].add(item)
    return list(groups.values())


def _part(inputs: LedgerInputs, members: set[uuid.UUID]) -> LedgerInputs:
    return LedgerInputs(
        fills=[f for f in inputs.fills if f.instrument_id in members],
        cash=[c for c in inputs.cash if c.instrument_id in members],
        rates=inputs.rates,
        legs=[leg for leg in inputs.legs if leg.instrument_id in members],
        links=[link for link in inputs.links if link.from_instrument_id in members],
        positions=[p for p in inputs.positions if p.instrument_id in members],
        calendar=inputs.calendar,
        currencies=inputs.currencies,
        open_cases=inputs.open_cases,
        case_status=inputs.case_status,
    )
