"""One event per natural key from every row that gave it (SPEC §7.2 collision rules).

A key reappears when IBKR corrects a row, when statements overlap, or when the same
day is imported twice. The result must not depend on the order rows were stored,
so the values are chosen by content: the candidates are ordered by business date,
then by their values as text, and "latest" means last in that order. Only the
provenance (the origin run and row) is by storage order: the first row stored stays
the event's origin.

* trade fill: values of the earliest; `commission`, `realized_pnl`, `net_cash` and
  `cost` of the latest.
* cashflow: values of the latest; `is_correction` when candidates differ in amount
  or date.
* fx: values of the latest.
* corporate-action leg: values of the latest; candidates that differ are a key
  conflict: manual, provisional, `CORP_ACTION_KEY_CONFLICT`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from flexledger.domain.canonical import Cashflow, CorpActionLeg, Event, TradeFill
from flexledger.domain.diagnostics import Diagnostic, DiagnosticCode, Severity
from flexledger.domain.events import EventKind

_FILL_MUTABLE = ("commission", "realized_pnl", "net_cash", "cost")
_ID_ORDER = attrgetter("event_id.int")


@dataclass(frozen=True, slots=True)
class Resolved:
    """One key's event and every raw row behind it."""

    event: Event
    source_raw_record_ids: tuple[uuid.UUID, ...]


def resolve_events(
    candidates: Iterable[Event],
) -> tuple[list[Resolved], list[Diagnostic]]:
    """One event per event id, sorted by kind and id; with conflict diagnostics."""
    # Most keys come from one row: only keys seen again get a list of their
    # candidates, not every one of the hundred thousand that come once.
    first: dict[uuid.UUID, Event] = {}
    repeated: dict[uuid.UUID, list[Event]] = {}
    by_kind: dict[EventKind, list[Event]] = defaultdict(list)
    for candidate in candidates:
        event_id = candidate.event_id
        known = first.get(event_id)
        if known is None:
            first[event_id] = candidate
            by_kind[candidate.kind].append(candidate)
        else:
            repeated.setdefault(event_id, [known]).append(candidate)
    resolved: list[Resolved] = []
    diagnostics: list[Diagnostic] = []
    for kind in sorted(by_kind, key=attrgetter("value")):
        # The id's integer, read in C: UUID's own ordering is a Python method.
        for only in sorted(by_kind[kind], key=_ID_ORDER):
            group = repeated.get(only.event_id)
            if group is None:
                # Nothing to decide, and comparing contents would be most of the
                # mapping time.
                resolved.append(Resolved(only, (only.source.raw_record_id,)))
                continue
            event, found = _resolve_group(group)
            diagnostics.extend(found)
            sources = tuple(sorted({c.source.raw_record_id for c in group}, key=str))
            resolved.append(Resolved(event, sources))
    return resolved, diagnostics


def _resolve_group(group: Sequence[Event]) -> tuple[Event, list[Diagnostic]]:
    origin = min(group, key=lambda c: c.source.import_order)
    by_content = sorted(group, key=lambda c: (c.report_date_local, c.content()))
    earliest, latest = by_content[0], by_content[-1]
    distinct = {c.content() for c in group}
    if isinstance(earliest, TradeFill):
        assert isinstance(latest, TradeFill)  # noqa: S101 - one kind per id
        chosen: Event = replace(
            earliest, **{name: getattr(latest, name) for name in _FILL_MUTABLE}
        )
    elif isinstance(latest, Cashflow):
        versions = {
            (c.amount, c.report_date_local) for c in group if isinstance(c, Cashflow)
        }
        chosen = replace(latest, is_correction=len(versions) > 1)
    else:
        chosen = latest
    diagnostics: list[Diagnostic] = []
    if isinstance(chosen, CorpActionLeg) and len(distinct) > 1:
        chosen = replace(chosen, requires_manual=True, provisional=True)
        diagnostics.append(
            Diagnostic(
                code=DiagnosticCode.CORP_ACTION_KEY_CONFLICT,
                severity=Severity.WARNING,
                message=(
                    f"corporate action {chosen.action_id or chosen.transaction_id}: "
                    f"{len(distinct)} different rows share one leg key; it needs a "
                    "person"
                ),
                section_name="CorporateActions",
                source_row_ref=origin.source.source_row_ref,
                raw_record_id=str(origin.source.raw_record_id),
            )
        )
    return replace(chosen, source=origin.source), diagnostics
