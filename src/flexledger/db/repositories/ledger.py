"""Ledger tables: the events and reference rows the ledger reads, its results out.

Results are replaced per instrument: lots, closures and checks wholly, snapshots
from a date on (the incremental case). Everything here is derived and rebuilt from
canonical events, which are rebuilt from raw rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, select

from flexledger.db.bulk import BulkWriter, PreparedRows, prepare_rows
from flexledger.db.bulk_read import fetch_tuples
from flexledger.db.repositories.cases import case_of_leg
from flexledger.db.repositories.data_versions import bump_tokens
from flexledger.db.repositories.written_events import (
    CASH_COLUMNS,
    FILL_COLUMNS,
    WrittenEvents,
    count_by_instrument,
)
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    CorpActionCaseRow,
    EventCashflowRow,
    EventCorpActionRow,
    EventFxRow,
    EventSourceRow,
    EventTradeFillRow,
    InstrumentLinkRow,
    InstrumentRow,
    LedgerCheckRow,
    LotClosureRow,
    PnlSnapshotDailyRow,
    PositionLotRow,
    RawRecordRow,
)
from flexledger.domain.cases import CaseStatus
from flexledger.domain.lots import LotStatus
from flexledger.ledger.agreement import Check
from flexledger.ledger.engine import q8
from flexledger.ledger.inputs import (
    CashRecord,
    FillRecord,
    LedgerInputs,
    LinkRecord,
    RateRecord,
)
from flexledger.ledger.model import Book, Closure, Lot
from flexledger.ledger.snapshots import Snapshot

_CHUNK = 500


class LedgerRepository:
    """Reads the ledger's inputs and replaces its results."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    # -- what to recompute -----------------------------------------------------

    def touched_by_run(
        self, ingestion_run_id: uuid.UUID, adopted: Sequence[uuid.UUID] = ()
    ) -> dict[uuid.UUID, dt.date]:
        """Instruments whose events a run's raw rows (or its adopted runs') are behind.

        Returns:
            Each instrument with the earliest business date among those events.
        """
        found: dict[uuid.UUID, dt.date] = {}
        for table, pk in (
            (EventTradeFillRow, EventTradeFillRow.event_trade_fill_id),
            (EventCashflowRow, EventCashflowRow.event_cashflow_id),
            (EventCorpActionRow, EventCorpActionRow.event_corp_action_id),
        ):
            # Grouped in SQL: a 100k-row run touches a few hundred instruments.
            statement = (
                select(table.instrument_id, func.min(table.report_date_local))
                .join(EventSourceRow, EventSourceRow.event_id == pk)
                .join(
                    RawRecordRow,
                    RawRecordRow.raw_record_id == EventSourceRow.raw_record_id,
                )
                .where(RawRecordRow.ingestion_run_id.in_([ingestion_run_id, *adopted]))
                .where(table.instrument_id.is_not(None))
                .group_by(table.instrument_id)
            )
            for instrument_id, day in self._session.execute(statement):
                if instrument_id is None:
                    continue
                known = found.get(instrument_id)
                found[instrument_id] = day if known is None else min(known, day)
        return found

    def held(self, account_id: str) -> set[uuid.UUID]:
        """Instruments with an open lot: a new statement date snapshots them too."""
        return set(
            self._session.scalars(
                select(PositionLotRow.instrument_id)
                .where(
                    PositionLotRow.account_id == account_id,
                    PositionLotRow.status == LotStatus.OPEN.value,
                )
                .distinct()
            )
        )

    def first_statement_date(
        self, ingestion_run_id: uuid.UUID, adopted: Sequence[uuid.UUID] = ()
    ) -> dt.date | None:
        """The earliest statement date among a run's (and its adopted runs') rows."""
        dates = [
            day
            for day in self._session.scalars(
                select(RawRecordRow.report_date_local)
                .where(RawRecordRow.ingestion_run_id.in_([ingestion_run_id, *adopted]))
                .distinct()
            )
            if day is not None
        ]
        return min(dates) if dates else None

    def linked(self, instrument_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """The instruments and every instrument an identity change links them to."""
        links = list(
            self._session.execute(
                select(
                    InstrumentLinkRow.from_instrument_id,
                    InstrumentLinkRow.to_instrument_id,
                )
            )
        )
        group = set(instrument_ids)
        grew = True
        while grew:
            grew = False
            for source, target in links:
                if (source in group) != (target in group):
                    group |= {source, target}
                    grew = True
        return group

    # -- inputs ----------------------------------------------------------------

    def inputs(
        self,
        account_id: str,
        base_currency: str,
        instruments: set[uuid.UUID] | None,
        written: WrittenEvents | None = None,
    ) -> LedgerInputs:
        """Every fact the ledger needs, for the given instruments or all of them.

        Fills and cashflows come from `written` (what this unit of work's mapping
        wrote) when those are every stored one of the instruments; else they are read.
        """
        inputs = LedgerInputs()
        kept = self._kept(account_id, instruments, written)
        if kept is not None:
            inputs.fills, inputs.cash = kept
        else:
            inputs.fills = [
                FillRecord(*row)
                for row in self._scoped(
                    select(*FILL_COLUMNS).where(
                        EventTradeFillRow.account_id == account_id
                    ),
                    EventTradeFillRow.instrument_id,
                    instruments,
                )
            ]
            inputs.cash = [
                CashRecord(*row)
                for row in self._scoped(
                    select(*CASH_COLUMNS).where(
                        EventCashflowRow.account_id == account_id,
                        EventCashflowRow.instrument_id.is_not(None),
                    ),
                    EventCashflowRow.instrument_id,
                    instruments,
                )
            ]
        inputs.rates = [
            RateRecord(currency, day, rate)
            for currency, day, rate in self._session.execute(
                select(
                    EventFxRow.currency,
                    EventFxRow.report_date_local,
                    EventFxRow.fx_rate,
                )
                .where(
                    EventFxRow.account_id == account_id,
                    EventFxRow.functional_currency == base_currency,
                    EventFxRow.fx_rate.is_not(None),
                )
                .order_by(EventFxRow.report_date_local, EventFxRow.currency)
            )
            if rate is not None
        ]
        inputs.links = [
            LinkRecord(*row)
            for row in self._session.execute(
                select(
                    InstrumentLinkRow.from_instrument_id,
                    InstrumentLinkRow.to_instrument_id,
                    InstrumentLinkRow.action_id,
                    InstrumentLinkRow.report_date_local,
                ).order_by(
                    InstrumentLinkRow.report_date_local, InstrumentLinkRow.action_id
                )
            )
            if instruments is None or row[0] in instruments
        ]
        inputs.currencies = dict(
            self._session.execute(
                select(InstrumentRow.instrument_id, InstrumentRow.currency).where(
                    InstrumentRow.account_id == account_id
                )
            ).all()
        )
        inputs.calendar = sorted(
            day
            for day in self._session.scalars(
                select(RawRecordRow.report_date_local)
                .where(RawRecordRow.account_id == account_id)
                .distinct()
            )
            if day is not None
        )
        inputs.open_cases = self._open_cases(account_id)
        inputs.case_status = self._case_status(account_id)
        return inputs

    def _kept(
        self,
        account_id: str,
        instruments: set[uuid.UUID] | None,
        written: WrittenEvents | None,
    ) -> tuple[list[FillRecord], list[CashRecord]] | None:
        """The written fills and cashflows, if they are all the instruments have.

        Every kept event is stored, so equal counts per instrument mean equal sets.
        The counts read the instrument indexes only (an instrument id names its
        account): milliseconds, where reading the events back took seconds.
        """
        if written is None or instruments is None:
            return None
        fills = written.fills_of(account_id, instruments)
        cash = written.cash_of(account_id, instruments)
        for records, column in (
            (fills, EventTradeFillRow.instrument_id),
            (cash, EventCashflowRow.instrument_id),
        ):
            if self._counts(column, instruments) != count_by_instrument(records):
                return None
        return fills, cash

    def _counts(self, column: Any, instruments: set[uuid.UUID]) -> Counter[Any]:
        counts: Counter[Any] = Counter()
        wanted = sorted(instruments, key=str)
        for start in range(0, len(wanted), _CHUNK):
            statement = (
                select(column, func.count())
                .where(column.in_(wanted[start : start + _CHUNK]))
                .group_by(column)
            )
            counts.update(dict(self._session.execute(statement).all()))
        return counts

    def _scoped(
        self, statement: Any, column: Any, instruments: set[uuid.UUID] | None
    ) -> Iterator[Any]:
        # Plain tuples through fetch_tuples: 100k fills at 100k trades.
        if instruments is None:
            yield from fetch_tuples(self._session, statement)
            return
        wanted = sorted(instruments, key=str)
        for start in range(0, len(wanted), _CHUNK):
            yield from fetch_tuples(
                self._session,
                statement.where(column.in_(wanted[start : start + _CHUNK])),
            )

    def legs(self, account_id: str) -> list[tuple[Any, ...]]:
        """Every corporate-action leg with an action id (the job adds the ratio)."""
        return [
            tuple(row)
            for row in self._session.execute(
                select(
                    EventCorpActionRow.action_id,
                    EventCorpActionRow.instrument_id,
                    EventCorpActionRow.reorg_code,
                    EventCorpActionRow.report_date_local,
                    EventCorpActionRow.quantity,
                    EventCorpActionRow.requires_manual,
                    EventCorpActionRow.description,
                )
                .where(
                    EventCorpActionRow.account_id == account_id,
                    EventCorpActionRow.action_id.is_not(None),
                    EventCorpActionRow.instrument_id.is_not(None),
                )
                .order_by(EventCorpActionRow.action_id, EventCorpActionRow.conid)
            )
        ]

    def _open_cases(self, account_id: str) -> dict[uuid.UUID, int]:
        """Per instrument, the open cases whose legs touch it.

        A leg reaches its case through `manual_case_id` (cases the mapping
        opened) or through its action id (cases the ledger opened for an action
        the mapping thought automatic, e.g. a split whose ratio did not fit).
        """
        rows = self._session.execute(
            select(EventCorpActionRow.instrument_id, CorpActionCaseRow.case_id)
            .join(CorpActionCaseRow, case_of_leg())
            .where(
                and_(
                    CorpActionCaseRow.account_id == account_id,
                    CorpActionCaseRow.status == CaseStatus.OPEN.value,
                    EventCorpActionRow.instrument_id.is_not(None),
                )
            )
            .distinct()
        )
        counts: Counter[uuid.UUID] = Counter()
        for instrument_id, _ in rows:
            if instrument_id is not None:
                counts[instrument_id] += 1
        return dict(counts)

    def _case_status(self, account_id: str) -> dict[str, CaseStatus]:
        """Every case with an action id, by action id."""
        return {
            action_id: CaseStatus(status)
            for action_id, status in self._session.execute(
                select(CorpActionCaseRow.action_id, CorpActionCaseRow.status).where(
                    CorpActionCaseRow.account_id == account_id,
                    CorpActionCaseRow.action_id.is_not(None),
                )
            )
            if action_id is not None
        }

    # -- results ---------------------------------------------------------------

    def clear(
        self,
        account_id: str,
        instruments: set[uuid.UUID] | None,
        *,
        since: dt.date | None,
    ) -> None:
        """Remove the instruments' lots, closures, checks and snapshots.

        Snapshots go from `since` on (all of them when None); every instrument's
        when `instruments` is None. New results follow (`storing`).
        """
        for table, column in (
            (LotClosureRow, LotClosureRow.instrument_id),
            (LedgerCheckRow, LedgerCheckRow.instrument_id),
            (PositionLotRow, PositionLotRow.instrument_id),
        ):
            self._delete(table, column, account_id, instruments)
        snapshot_scope = PnlSnapshotDailyRow.account_id == account_id
        if since is not None:
            snapshot_scope = and_(
                snapshot_scope, PnlSnapshotDailyRow.report_date_local >= since
            )
        self._delete(
            PnlSnapshotDailyRow,
            PnlSnapshotDailyRow.instrument_id,
            account_id,
            instruments,
            extra=snapshot_scope,
        )

    @contextmanager
    def storing(
        self,
        account_id: str,
        *,
        currencies: Mapping[uuid.UUID, str],
        ingestion_run_id: uuid.UUID | None,
    ) -> Iterator[LedgerResults]:
        """Where results go, part by part, after `clear`.

        Each part is written on a worker thread while the caller computes the
        next (db/bulk.BulkWriter); the block's end waits for the last. Nothing
        else may use the unit of work inside the block.
        """
        with BulkWriter(self._session) as writer:
            results = LedgerResults(writer, account_id, currencies, ingestion_run_id)
            yield results
        # No row triggers on these on SQLite (migration 0013): move their tokens.
        bump_tokens(
            self._session,
            [LedgerCheckRow.__tablename__, PnlSnapshotDailyRow.__tablename__],
        )

    def prepare(
        self,
        account_id: str,
        books: Iterable[Book],
        checks: Sequence[Check],
        snapshots: Sequence[Snapshot],
        *,
        currencies: Mapping[uuid.UUID, str],
        ingestion_run_id: uuid.UUID | None,
    ) -> PreparedLedger:
        """A ledger result's rows converted for `LedgerResults.add_prepared`.

        Touches no connection (the engine's dialect is enough), so a forked
        process may run it and hand the plain values back.
        """
        dialect = self._session.get_bind().dialect
        rows = _ledger_rows(
            account_id, books, checks, snapshots, currencies, ingestion_run_id
        )
        return PreparedLedger(
            tuple(
                prepare_rows(table, table_rows, dialect)
                for table, table_rows in zip(_RESULT_TABLES.values(), rows, strict=True)
            )
        )

    def _delete(
        self,
        table: Any,
        column: Any,
        account_id: str,
        instruments: set[uuid.UUID] | None,
        *,
        extra: Any = None,
    ) -> None:
        condition = extra if extra is not None else table.account_id == account_id
        if instruments is None:
            self._session.execute(delete(table).where(condition))
            return
        wanted = sorted(instruments, key=str)
        for start in range(0, len(wanted), _CHUNK):
            self._session.execute(
                delete(table).where(
                    condition, column.in_(wanted[start : start + _CHUNK])
                )
            )


class LedgerResults:
    """A ledger pass's results as they come (`LedgerRepository.storing`).

    Attributes:
        written: rows queued per table.
    """

    def __init__(
        self,
        writer: BulkWriter,
        account_id: str,
        currencies: Mapping[uuid.UUID, str],
        ingestion_run_id: uuid.UUID | None,
    ) -> None:
        self._writer = writer
        self._account_id = account_id
        self._currencies = currencies
        self._run_id = ingestion_run_id
        self.written: Counter[str] = Counter(dict.fromkeys(_RESULT_TABLES, 0))

    def add(
        self,
        books: Iterable[Book],
        checks: Sequence[Check],
        snapshots: Sequence[Snapshot],
    ) -> None:
        """Store one part's books (lots, closures), checks and snapshots."""
        rows = _ledger_rows(
            self._account_id, books, checks, snapshots, self._currencies, self._run_id
        )
        # Table by table, in `_RESULT_TABLES` order: closures point at lots.
        for (name, table), table_rows in zip(_RESULT_TABLES.items(), rows, strict=True):
            self.written[name] += self._writer.insert(table, table_rows)

    def add_prepared(self, prepared: PreparedLedger) -> None:
        """Store a part `LedgerRepository.prepare` converted."""
        for name, rows in zip(_RESULT_TABLES, prepared.tables, strict=True):
            self.written[name] += self._writer.insert_prepared(rows)


@dataclass(frozen=True, slots=True)
class PreparedLedger:
    """A ledger result's rows, converted: lots, closures, checks, snapshots."""

    tables: tuple[PreparedRows, ...]


_RESULT_TABLES = {
    "position_lot": PositionLotRow,
    "lot_closure": LotClosureRow,
    "ledger_check": LedgerCheckRow,
    "pnl_snapshot_daily": PnlSnapshotDailyRow,
}


def _ledger_rows(
    account_id: str,
    books: Iterable[Book],
    checks: Sequence[Check],
    snapshots: Sequence[Snapshot],
    currencies: Mapping[uuid.UUID, str],
    run_id: uuid.UUID | None,
) -> tuple[list[dict[str, Any]], ...]:
    """The rows of each result table, in `_RESULT_TABLES` order."""
    lots: list[dict[str, Any]] = []
    closures: list[dict[str, Any]] = []
    for book in books:
        currency = currencies.get(book.instrument_id, "")
        lots.extend(_lot_row(account_id, lot, currency) for lot in book.lots)
        closures.extend(_closure_row(account_id, c, currency) for c in book.closures)
    return (
        lots,
        closures,
        [_check_row(account_id, c) for c in checks],
        [_snapshot_row(s, run_id) for s in snapshots],
    )


def _lot_row(account_id: str, lot: Lot, currency: str) -> dict[str, Any]:
    return {
        "position_lot_id": lot.lot_id,
        "account_id": account_id,
        "instrument_id": lot.instrument_id,
        "open_event_trade_fill_id": lot.open_fill_id,
        "direction": lot.direction.value,
        "opened_at_utc": lot.opened_at,
        "closed_at_utc": lot.closed_at,
        "open_quantity": lot.open_quantity,
        "remaining_quantity": lot.remaining,
        "open_price": lot.open_price,
        "cost_basis_open": lot.cost,
        "cost_basis_open_base": (
            None if lot.fx_to_base is None else q8(lot.cost * lot.fx_to_base)
        ),
        "currency": currency,
        "realized_pnl_to_date": lot.realized,
        "status": (LotStatus.OPEN if lot.remaining > 0 else LotStatus.CLOSED).value,
        "basis_source": lot.basis_source.value,
    }


def _closure_row(account_id: str, closure: Closure, currency: str) -> dict[str, Any]:
    return {
        "lot_closure_id": closure.closure_id,
        "account_id": account_id,
        "instrument_id": closure.instrument_id,
        "position_lot_id": closure.lot_id,
        "close_event_trade_fill_id": closure.close_fill_id,
        "direction": closure.direction.value,
        "quantity": closure.quantity,
        "cost": closure.cost,
        "proceeds": closure.proceeds,
        "realized_pnl": closure.realized,
        "realized_pnl_base": closure.realized_base,
        "currency": currency,
        "opened_at_utc": closure.opened_at,
        "closed_at_utc": closure.closed_at,
        "open_date_local": closure.open_date,
        "close_date_local": closure.close_date,
        "holding_days": closure.holding_days,
        "basis_source": closure.basis_source.value,
    }


def _check_row(account_id: str, check: Check) -> dict[str, Any]:
    return {
        "ledger_check_id": check.check_id,
        "account_id": account_id,
        "check_kind": check.kind.value,
        "instrument_id": check.instrument_id,
        "event_trade_fill_id": check.fill_id,
        "report_date_local": check.business_date,
        "metric": check.metric.value,
        "ours": check.ours,
        "broker": check.broker,
        "difference": check.difference,
        "tolerance_abs": check.tolerance.absolute,
        "tolerance_rel": check.tolerance.relative,
        "passed": check.passed,
        "reason_code": check.reason.value if check.reason else None,
        "detail": check.detail,
    }


def _snapshot_row(snapshot: Snapshot, run_id: uuid.UUID | None) -> dict[str, Any]:
    return {
        "pnl_snapshot_daily_id": snapshot.snapshot_id,
        "account_id": snapshot.account_id,
        "report_date_local": snapshot.business_date,
        "instrument_id": snapshot.instrument_id,
        "position_qty": snapshot.position_qty,
        "cost_basis": snapshot.cost_basis,
        "realized_pnl": snapshot.realized_pnl,
        "unrealized_pnl": snapshot.unrealized_pnl,
        "total_pnl": snapshot.total_pnl,
        "fees": snapshot.fees,
        "withholding_tax": snapshot.withholding_tax,
        "dividends": snapshot.dividends,
        "other_fees": snapshot.other_fees,
        "currency": snapshot.currency,
        "provisional": snapshot.provisional,
        "valuation_source": snapshot.valuation_source,
        "fx_source": snapshot.fx_source,
        "local_currency": snapshot.local_currency,
        "realized_pnl_local": snapshot.realized_pnl_local,
        "unrealized_pnl_local": snapshot.unrealized_pnl_local,
        "mark_price": snapshot.mark_price,
        "unresolved_cases": snapshot.unresolved_cases,
        "diagnostic_codes": snapshot.diagnostic_codes,
        "ingestion_run_id": run_id,
    }


__all__ = ["LedgerRepository", "PreparedLedger"]
