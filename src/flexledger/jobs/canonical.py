"""Canonical mapping as a run stage, and the rebuild a reprocess does.

Both read raw rows only and write derived tables only, inside the caller's unit of
work. The ingestion stage maps the rows its run inserted; for every natural key
they touch, the raw rows already behind that key (event_source) are mapped again
with them, so a key is always decided from all of its rows, whatever order they
arrived in. A rebuild maps every stored row (or one scope's) the same way and, for
a full rebuild, removes events no row gives any more.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flexledger.config import Settings
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.canonical import (
    CanonicalRepository,
    EventChanges,
    RawScope,
)
from flexledger.db.repositories.raw import RawRepository
from flexledger.db.repositories.runs import RunRepository
from flexledger.db.repositories.written_events import WrittenEvents
from flexledger.db.session import UnitOfWork
from flexledger.domain.canonical import (
    CorpActionLeg,
    Event,
    InstrumentFacts,
    SourceRow,
    instrument_id_for,
)
from flexledger.domain.diagnostics import Diagnostic
from flexledger.domain.errors import IngestionError
from flexledger.domain.events import EventKind
from flexledger.domain.runs import IngestionRun, RunType, Stage, StageStatus
from flexledger.jobs.crashpoint import crashpoint
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.timeline import Timeline
from flexledger.mapping.corporate_actions import assign_cases, settle_actions
from flexledger.mapping.instruments import (
    AliasSighting,
    resolve_instrument,
    sightings_by_instrument,
)
from flexledger.mapping.pipeline import map_rows
from flexledger.mapping.registry import MapperRegistry, MappingContext
from flexledger.mapping.resolve import Resolved, resolve_events

NO_NEW_ROWS = "no_new_raw_rows_for_run"
NO_ACCOUNT = "no_account_yet"
# Run diagnostics keep this many findings in full; counts cover all of them.
DIAGNOSTIC_SAMPLES = 200
CHANGE_SAMPLES = 500


@dataclass(slots=True)
class CanonicalSummary:
    """What one mapping pass did."""

    input_rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    changes: EventChanges = field(default_factory=EventChanges)
    instruments_written: int = 0
    links_added: int = 0
    cases_opened: int = 0

    @property
    def contract_violations(self) -> int:
        """Rows refused for a bad required field."""
        return self.outcomes.get("contract", 0)

    def details(self) -> dict[str, Any]:
        """The timeline entry's details (SPEC §5.6), samples capped."""
        by_code = Counter(d.code.value for d in self.diagnostics)
        return {
            "canonical_input_row_count": self.input_rows,
            "outcomes": dict(sorted(self.outcomes.items())),
            "events_added": _count_by_kind(kind for kind, _ in self.changes.added),
            "events_changed": _count_by_kind(c.kind for c in self.changes.changed),
            "events_removed": _count_by_kind(kind for kind, _ in self.changes.removed),
            "instruments_written": self.instruments_written,
            "instrument_links_added": self.links_added,
            "corp_action_cases_opened": self.cases_opened,
            "diagnostics_by_code": dict(sorted(by_code.items())),
            "diagnostics": [d.as_json() for d in self.diagnostics[:DIAGNOSTIC_SAMPLES]],
        }


def _count_by_kind(kinds: Iterable[EventKind]) -> dict[str, int]:
    return dict(sorted(Counter(kind.value for kind in kinds).items()))


@dataclass(frozen=True, slots=True)
class CanonicalStage:
    """The `canonical_mapping` stage: a post-persist hook of ingestion runs."""

    registry: MapperRegistry
    settings: Settings

    def __call__(
        self,
        uow: UnitOfWork,
        run: IngestionRun,
        timeline: Timeline,
        fresh: FreshRows,
    ) -> None:
        """Map the run's new raw rows into the canonical tables.

        Raises:
            IngestionError: a scheduled run met contract violations (SPEC R7);
                its code is INGESTION_CONTRACT_ERROR.
        """
        started = time.monotonic()
        crashpoint("mapping_started")  # test hook: inside the mapping transaction
        repository = CanonicalRepository(uow)
        # Rows a run that died after its raw commit left unmapped are this run's
        # input too: re-importing those bytes inserts none of them again.
        adopted = RunRepository(uow).unapplied_abandoned()
        rows = _input_rows(uow, run, adopted, fresh)
        context = mapping_context(uow, self.settings)
        if not rows or context is None:
            timeline.add(
                Stage.CANONICAL_MAPPING,
                StageStatus.COMPLETED,
                canonical_input_row_count=len(rows),
                canonical_skip_reason=NO_NEW_ROWS if not rows else NO_ACCOUNT,
                canonical_duration_ms=_elapsed_ms(started),
            )
            return
        # Kept for the ledger stage: the events as written, and what they touched.
        fresh.written = WrittenEvents()
        summary = map_incrementally(
            repository, rows, self.registry, context, written=fresh.written
        )
        crashpoint("mapping_written")  # test hook: events written, not committed
        details = summary.details()
        if adopted:
            details["adopted_run_ids"] = [str(run_id) for run_id in adopted]
        details["canonical_duration_ms"] = _elapsed_ms(started)
        failing = summary.contract_violations and run.run_type is RunType.SCHEDULED
        timeline.add(
            Stage.CANONICAL_MAPPING,
            StageStatus.FAILED if failing else StageStatus.COMPLETED,
            **details,
        )
        if failing:
            raise IngestionError(
                f"{summary.contract_violations} rows break the mapping contract; "
                "see the canonical_mapping diagnostics.",
                hint="Fix the Flex Query fields the diagnostics name, then reprocess.",
            )


def _input_rows(
    uow: UnitOfWork,
    run: IngestionRun,
    adopted: Sequence[uuid.UUID],
    fresh: FreshRows,
) -> list[SourceRow]:
    """The run's new rows, from memory; from the database when runs are adopted.

    Adopted rows interleave with the fresh ones by artifact age, so with any of
    them the database gives the one storage order.
    """
    if adopted or fresh.raw_artifact_id is None:
        return CanonicalRepository(uow).rows_of_run(run.ingestion_run_id, adopted)
    created = RawRepository(uow).artifact_created_at(fresh.raw_artifact_id)
    return fresh.take(run.ingestion_run_id, created)


def mapping_context(uow: UnitOfWork, settings: Settings) -> MappingContext | None:
    """The account's base currency and the Flex source zone; None before any import."""
    account = AccountRepository(uow).find()
    if account is None:
        return None
    return MappingContext(
        base_currency=account.base_currency,
        source_timezone=settings.flex_source_timezone,
    )


def map_incrementally(
    repository: CanonicalRepository,
    rows: Sequence[SourceRow],
    registry: MapperRegistry,
    context: MappingContext,
    *,
    previous: dict[EventKind, set[uuid.UUID]] | None = None,
    written: WrittenEvents | None = None,
) -> CanonicalSummary:
    """Map new rows; keys they touch are decided again from all of their rows.

    Args:
        repository: the canonical tables of the caller's unit of work.
        rows: the raw rows to map (a run's new rows, or a scope's).
        registry: the mappers.
        context: base currency and source zone.
        previous: events these rows were behind before (a scoped rebuild); each is
            decided again too, and removed when no row gives it any more. Rows
            outside `rows` count only through the events they are already behind.
        written: collects every event written, as stored.
    """
    fresh = map_rows(rows, registry, context)
    earlier_events = previous or {}
    touched = {event.event_id for event in fresh.events}
    for ids in earlier_events.values():
        touched |= ids
    new_ids = {row.raw_record_id for row in rows}
    earlier_ids = repository.sources_of(touched) - new_ids
    earlier = map_rows(repository.rows_by_id(earlier_ids), registry, context)
    candidates = [e for e in earlier.events if e.event_id in touched] + fresh.events
    facts = [*earlier.instruments, *fresh.instruments]
    summary = CanonicalSummary(input_rows=fresh.rows_read, outcomes=fresh.outcomes)
    summary.diagnostics.extend(fresh.diagnostics)
    decided = _write(
        repository, candidates, facts, summary, merge_aliases=True, written=written
    )
    for kind, ids in earlier_events.items():
        gone = ids - decided[kind]
        if gone:
            repository.remove_events(kind, gone, summary.changes)
    return summary


def rebuild(
    repository: CanonicalRepository,
    registry: MapperRegistry,
    context: MappingContext,
    scope: RawScope | None,
) -> CanonicalSummary:
    """Map every stored row (or the scope's) again and remove what none gives.

    A scope's events that other rows are behind too are decided from all of them,
    exactly as when those rows were first imported.
    """
    if scope is not None:
        return map_incrementally(
            repository,
            list(repository.all_rows(scope)),
            registry,
            context,
            previous=repository.events_from_scope(scope),
        )
    result = map_rows(repository.all_rows(), registry, context)
    summary = CanonicalSummary(input_rows=result.rows_read, outcomes=result.outcomes)
    summary.diagnostics.extend(result.diagnostics)
    written = _write(
        repository, result.events, result.instruments, summary, merge_aliases=False
    )
    for kind in EventKind:
        gone = set(repository.stored_events(kind)) - written[kind]
        if gone:
            repository.remove_events(kind, gone, summary.changes)
    return summary


def _write(
    repository: CanonicalRepository,
    candidates: Sequence[Event],
    facts: Sequence[InstrumentFacts],
    summary: CanonicalSummary,
    *,
    merge_aliases: bool,
    written: WrittenEvents | None = None,
) -> dict[EventKind, set[uuid.UUID]]:
    resolved, conflicts = resolve_events(candidates)
    summary.diagnostics.extend(conflicts)
    events = _settle_corporate_actions(resolved)
    links = settle_actions([e for e, _ in events if isinstance(e, CorpActionLeg)])[1]
    summary.instruments_written = _write_instruments(
        repository, facts, events, merge_aliases=merge_aliases
    )
    by_kind: dict[EventKind, set[uuid.UUID]] = {kind: set() for kind in EventKind}
    for event, _ in events:
        by_kind[event.kind].add(event.event_id)
    # Cases before legs: a leg's manual_case_id is a foreign key.
    summary.cases_opened = sum(
        repository.open_case(
            case_id=leg.manual_case_id,
            account_id=leg.account_id,
            action_id=leg.action_id,
            action_type=leg.reorg_code,
            instrument_id=leg.instrument_id,
        )
        for leg in _first_leg_per_case(events)
        if leg.manual_case_id is not None
    )
    stored = {
        kind: repository.stored_events(kind, ids) for kind, ids in by_kind.items()
    }
    repository.write_events(events, stored, summary.changes, written)
    summary.links_added = repository.write_links(links)
    return by_kind


def _settle_corporate_actions(
    resolved: Sequence[Resolved],
) -> list[tuple[Event, tuple[uuid.UUID, ...]]]:
    legs = [r.event for r in resolved if isinstance(r.event, CorpActionLeg)]
    settled = {leg.event_id: leg for leg in assign_cases(settle_actions(legs)[0])}
    return [
        (settled.get(r.event.event_id, r.event), r.source_raw_record_ids)
        for r in resolved
    ]


def _first_leg_per_case(
    events: Sequence[tuple[Event, Sequence[uuid.UUID]]],
) -> list[CorpActionLeg]:
    first: dict[uuid.UUID, CorpActionLeg] = {}
    for event, _ in events:
        if isinstance(event, CorpActionLeg) and event.manual_case_id is not None:
            first.setdefault(event.manual_case_id, event)
    return [first[case_id] for case_id in sorted(first, key=str)]


def _write_instruments(
    repository: CanonicalRepository,
    facts: Sequence[InstrumentFacts],
    events: Sequence[tuple[Event, Sequence[uuid.UUID]]],
    *,
    merge_aliases: bool,
) -> int:
    """Every instrument the facts or the events name, written before the events."""
    sightings = sightings_by_instrument(facts)
    ids = {instrument_id_for(a, c): (a, c) for a, c in sightings}
    stored = repository.stored_aliases(ids) if merge_aliases else {}
    currencies = _currencies_of(events)
    written = 0
    for instrument_id in sorted(ids, key=str):
        account_id, conid = ids[instrument_id]
        known = [AliasSighting(*alias) for alias in stored.get(instrument_id, [])]
        state = resolve_instrument(
            account_id,
            conid,
            [*known, *sightings[(account_id, conid)]],
            default_currency=currencies.get(instrument_id, "UNKNOWN"),
        )
        values = {
            "instrument_id": instrument_id,
            "account_id": account_id,
            "conid": conid,
            "symbol": state.symbol,
            "isin": state.isin,
            "cusip": state.cusip,
            "figi": state.figi,
            "asset_category": state.asset_category,
            "currency": state.currency,
            "description": state.description,
        }
        aliases = [
            (s.kind, s.value, s.first_seen_local, s.last_seen_local)
            for s in state.aliases
        ]
        written += repository.write_instrument(values, aliases)
    return written


def _currencies_of(
    events: Sequence[tuple[Event, Sequence[uuid.UUID]]],
) -> dict[uuid.UUID, str]:
    """Each instrument's currency as its first event with one gives it."""
    found: dict[uuid.UUID, str] = {}
    for event, _ in events:
        instrument_id = getattr(event, "instrument_id", None)
        currency = getattr(event, "currency", None)
        if instrument_id is not None and currency and instrument_id not in found:
            found[instrument_id] = str(currency)
    return found


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


__all__ = [
    "CanonicalStage",
    "CanonicalSummary",
    "map_incrementally",
    "mapping_context",
    "rebuild",
]
