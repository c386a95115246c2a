"""The ledger as a run stage (`snapshot`, after canonical mapping) and as a rebuild.

Both run inside the caller's unit of work, so a failure leaves the previous
consistent state. An ingestion run recomputes only the instruments its rows touch
(and the instruments identity changes link them to), and rewrites their snapshots
from the earliest date it touched; a reprocess recomputes everything. Both give the
same rows, because every book is replayed from its first event either way.

A split the ledger refuses (its legs disagree with its ratio) gets a manual case
here, opened through the canonical repository as the mapping opens its cases, so
the case is listed, counted against the instrument and closed like any other.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flexledger.config import Settings
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.canonical import CanonicalRepository
from flexledger.db.repositories.ledger import LedgerRepository
from flexledger.db.repositories.runs import RunRepository
from flexledger.db.repositories.written_events import WrittenEvents
from flexledger.db.session import UnitOfWork
from flexledger.domain.canonical import instrument_id_for
from flexledger.domain.runs import IngestionRun, Stage, StageStatus
from flexledger.jobs.crashpoint import crashpoint
from flexledger.jobs.cycle_gc import cyclic_gc_paused
from flexledger.jobs.fresh_rows import FreshRows
from flexledger.jobs.ledger_parts import LedgerTally, ledger_in_parts
from flexledger.jobs.timeline import Timeline
from flexledger.ledger.compute import affected_since, compute_ledger
from flexledger.ledger.inputs import LegRecord, PositionRecord
from flexledger.ledger.matching import matcher_for
from flexledger.mapping.corporate_actions import ratio_of
from flexledger.mapping.reference import reported_position

LOT_MATCHING_METHOD = "fifo"
NO_LEDGER_INPUT = "no_events_for_run"
FINDING_SAMPLES = 200


@dataclass(frozen=True, slots=True)
class LedgerStage:
    """The `snapshot` stage: a post-persist hook that runs after mapping."""

    settings: Settings

    def __call__(
        self,
        uow: UnitOfWork,
        run: IngestionRun,
        timeline: Timeline,
        fresh: FreshRows,  # mapping took the rows; the events it wrote are here
    ) -> None:
        """Recompute the instruments the run's rows touched."""
        started = time.monotonic()
        crashpoint("ledger_started")  # test hook: events written, ledger next
        repository = LedgerRepository(uow)
        # The same dead runs the mapping adopted (CanonicalStage): their rows'
        # instruments and dates count as this run's.
        adopted = RunRepository(uow).unapplied_abandoned()
        written = fresh.written
        touched = (
            dict(written.touched)
            if written is not None
            else repository.touched_by_run(run.ingestion_run_id, adopted)
        )
        _add_reported_positions(uow, run, touched, adopted)
        statement_date = repository.first_statement_date(run.ingestion_run_id, adopted)
        if not touched and statement_date is None:
            timeline.add(
                Stage.SNAPSHOT,
                StageStatus.COMPLETED,
                ledger_skip_reason=NO_LEDGER_INPUT,
                ledger_duration_ms=_elapsed_ms(started),
            )
            return
        # A new statement date snapshots every held instrument, as a full rebuild
        # would, so incremental and full results stay the same rows.
        instruments = set(touched)
        if statement_date is not None:
            instruments |= repository.held(run.account_id)
        dates = [*touched.values(), *([statement_date] if statement_date else [])]
        details = recompute(
            uow,
            instruments,
            since=min(dates),
            ingestion_run_id=run.ingestion_run_id,
            written=written,
            parallel=self.settings.ledger_parallel,
        )
        details["ledger_duration_ms"] = _elapsed_ms(started)
        timeline.add(Stage.SNAPSHOT, StageStatus.COMPLETED, **details)


def _add_reported_positions(
    uow: UnitOfWork,
    run: IngestionRun,
    touched: dict[uuid.UUID, dt.date],
    adopted: Sequence[uuid.UUID],
) -> None:
    """Add the stocks the run's OpenPositions name, at their dates.

    A statement may report a position with no event behind it (history older
    than the first import): a full rebuild seeds and checks it, so the
    incremental run must look at it too.
    """
    rows = CanonicalRepository(uow).run_rows_in_section(
        run.ingestion_run_id, "OpenPositions", adopted
    )
    for reported in filter(None, map(reported_position, rows)):
        instrument_id = instrument_id_for(reported.account_id, reported.conid)
        known = touched.get(instrument_id)
        day = reported.report_date
        touched[instrument_id] = day if known is None else min(known, day)


def recompute(
    uow: UnitOfWork,
    instruments: set[uuid.UUID] | None,
    *,
    since: dt.date | None,
    ingestion_run_id: uuid.UUID | None,
    written: WrittenEvents | None = None,
    parallel: bool = True,
) -> dict[str, Any]:
    """Recompute the instruments (all when None) and store the results.

    `written` is what this unit of work's mapping wrote (read instead, when it is
    all the instruments have). `parallel` lets a big ledger be computed in two
    processes (jobs/ledger_parts.py).

    Returns:
        The timeline details: rows written, checks and findings by code.
    """
    with cyclic_gc_paused():  # an import's stage is paused already; cases are not
        return _recompute(
            uow,
            instruments,
            since=since,
            ingestion_run_id=ingestion_run_id,
            written=written,
            parallel=parallel,
        )


def _recompute(
    uow: UnitOfWork,
    instruments: set[uuid.UUID] | None,
    *,
    since: dt.date | None,
    ingestion_run_id: uuid.UUID | None,
    written: WrittenEvents | None,
    parallel: bool,
) -> dict[str, Any]:
    account = AccountRepository(uow).find()
    if account is None:
        return {"ledger_skip_reason": "no_account_yet"}
    repository = LedgerRepository(uow)
    scope = repository.linked(instruments) if instruments is not None else None
    inputs = repository.inputs(
        account.account_id, account.base_currency, scope, written
    )
    inputs.legs = [
        LegRecord(
            action_id=action_id,
            instrument_id=instrument_id,
            reorg_code=code,
            report_date=day,
            quantity=quantity,
            requires_manual=manual,
            ratio=ratio_of(description),
        )
        for action_id, instrument_id, code, day, quantity, manual, description in (
            repository.legs(account.account_id)
        )
        if scope is None or instrument_id in scope
    ]
    # Overlapping statements repeat a date's position: the last stored one counts.
    positions: dict[tuple[uuid.UUID, dt.date], PositionRecord] = {}
    rows = CanonicalRepository(uow).rows_in_section(account.account_id, "OpenPositions")
    for reported in filter(None, map(reported_position, rows)):
        instrument_id = instrument_id_for(reported.account_id, reported.conid)
        if scope is None or instrument_id in scope:
            positions[(instrument_id, reported.report_date)] = PositionRecord(
                instrument_id,
                reported.report_date,
                reported.position,
                reported.mark_price,
                reported.cost_basis_money,
                reported.fx_rate_to_base,
            )
    inputs.positions = list(positions.values())
    if since is not None:
        since = affected_since(inputs.fills, since)
    matcher = matcher_for(LOT_MATCHING_METHOD)
    repository.clear(account.account_id, scope, since=since)
    tally = LedgerTally()
    with (
        ledger_in_parts(
            inputs,
            lambda part: compute_ledger(
                account.account_id, account.base_currency, part, matcher, since=since
            ),
            lambda result: repository.prepare(
                account.account_id,
                result.books.values(),
                result.checks,
                result.snapshots,
                currencies=inputs.currencies,
                ingestion_run_id=ingestion_run_id,
            ),
            parallel=parallel,
        ) as (pieces, other_part),
        repository.storing(
            account.account_id,
            currencies=inputs.currencies,
            ingestion_run_id=ingestion_run_id,
        ) as results,
    ):
        for output in pieces:
            tally.merge(LedgerTally.of(output))
            # test hook: ledger computed, not stored
            crashpoint("before_snapshot_write")
            results.add(output.books.values(), output.checks, output.snapshots)
        if (other := other_part()) is not None:
            tally.merge(other.tally)
            results.add_prepared(other.rows)
    rows_written = dict(results.written)
    canonical = CanonicalRepository(uow)
    cases_opened = sum(
        canonical.open_case(
            case_id=request.case_id,
            account_id=account.account_id,
            action_id=request.action_id,
            action_type=request.action_type,
            instrument_id=request.instrument_id,
        )
        for request in tally.cases_needed
    )
    crashpoint("after_snapshot_write")  # test hook: snapshots written, no commit
    details = summary(tally, rows_written, since=since)
    details["cases_opened"] = cases_opened
    return details


def summary(
    tally: LedgerTally, written: dict[str, int], *, since: dt.date | None
) -> dict[str, Any]:
    """Timeline details of a ledger pass (SPEC §5.6), findings capped.

    Findings come by date, instrument and code (one instrument's in the order
    its pass gave them), so a ledger computed in parts lists the same ones.
    """
    findings = sorted(
        tally.findings,
        key=lambda f: (f.business_date, str(f.instrument_id), f.code.value),
    )
    return {
        "ledger_instruments": tally.instruments,
        "ledger_since": since.isoformat() if since else None,
        "rows_written": written,
        "trade_checks": tally.trade.details(),
        "position_checks": tally.positions.details(),
        "findings_by_code": dict(
            sorted(Counter(f.code.value for f in findings).items())
        ),
        "findings": [
            {
                "code": f.code.value,
                "instrument_id": str(f.instrument_id),
                "business_date": f.business_date.isoformat(),
                "message": f.message,
            }
            for f in findings[:FINDING_SAMPLES]
        ],
    }


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
