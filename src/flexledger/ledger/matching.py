"""Which open lots a closing fill relieves first, chosen by method name.

FIFO is the MVP's (and IBKR's default) method. Another method (LIFO, highest cost,
specific lot) is one more class in `MATCHERS`; the engine does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flexledger.ledger.model import Lot


class LotMatcher(Protocol):
    """Orders the open lots a closing fill may relieve."""

    def order(self, lots: Sequence[Lot]) -> Sequence[Lot]:
        """The lots in the order they are relieved (given oldest first)."""
        ...


class Fifo:
    """First in, first out: the oldest lot is relieved first."""

    def order(self, lots: Sequence[Lot]) -> Sequence[Lot]:
        """The lots as given: the engine keeps them in opening order."""
        return lots


MATCHERS: dict[str, LotMatcher] = {"fifo": Fifo()}


class UnknownMatchingMethodError(ValueError):
    """No lot-matching method of that name exists."""


def matcher_for(method: str) -> LotMatcher:
    """The matcher registered under `method` (case-insensitive).

    Raises:
        UnknownMatchingMethodError: naming the methods that exist.
    """
    found = MATCHERS.get(method.lower())
    if found is None:
        known = ", ".join(sorted(MATCHERS))
        raise UnknownMatchingMethodError(
            f"Unknown lot-matching method {method!r}; known methods: {known}."
        )
    return found
