"""Raw Flex data as read, before mapping: rows keep IBKR's attribute text verbatim."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class RawRecord(NamedTuple):
    """One row element of one section of one statement.

    A named tuple, not a dataclass: a large statement makes hundreds of thousands,
    and a tuple is the cheapest immutable record Python builds.

    Attributes:
        statement_index: 0-based position of its `FlexStatement` in the payload.
        section_name: the section element's tag, e.g. ``Trades``.
        row_tag: the row element's tag, e.g. ``Trade``, ``Lot``, or ``section`` for a
            section without rows (its own attributes, possibly none).
        source_row_ref: ``{section}:{rowTag}:{key}={value}`` (SPEC §5.3), unique per
            section within the payload.
        attrs: every attribute as IBKR wrote it, container attributes included
            (the row's own win), in document order; stored with sorted keys.
    """

    statement_index: int
    section_name: str
    row_tag: str
    source_row_ref: str
    attrs: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class StatementInfo:
    """What one `FlexStatement` element says about itself.

    Attributes:
        index: 0-based position in the payload.
        account_id: `accountId`, or None when the statement carries none.
        from_date: `fromDate` text as written.
        to_date: `toDate` text as written.
        period: `period`, e.g. ``LastBusinessDay``.
        when_generated: `whenGenerated` text as written.
        sections: section names present, in document order (empty ones included).
        row_count: raw records read from this statement.
        base_currency: `AccountInformation.currency`, when that section has it.
    """

    index: int
    account_id: str | None
    from_date: str | None
    to_date: str | None
    period: str | None
    when_generated: str | None
    sections: tuple[str, ...] = ()
    row_count: int = 0
    base_currency: str | None = None


@dataclass(frozen=True, slots=True)
class PayloadInfo:
    """What a whole `FlexQueryResponse` contains, known once it is read to the end.

    Attributes:
        query_name: the user's query template name.
        query_type: ``AF`` (Activity Flex) or ``TCF``; None when absent.
        declared_count: `FlexStatements@count`, None when absent.
        statements: one entry per `FlexStatement`.
        warnings: readable notes about the payload that did not stop reading.
    """

    query_name: str | None
    query_type: str | None
    declared_count: int | None
    statements: tuple[StatementInfo, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def account_ids(self) -> tuple[str, ...]:
        """Distinct statement accounts, in order of first appearance."""
        seen: dict[str, None] = {}
        for statement in self.statements:
            if statement.account_id:
                seen.setdefault(statement.account_id, None)
        return tuple(seen)
