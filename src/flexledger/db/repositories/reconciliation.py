"""Reads for the reconciliation report: stored checks with what they link to.

Read-only. A check is returned with its instrument, the raw row behind the fill
it checks (the first by id: a fill's rows are one execution reported again) and
whether that day's snapshot is provisional. IBKR's own figure rows are read with
`CanonicalRepository.rows_in_sections`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, select

from flexledger.db.repositories.reports import instrument_scope
from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventSourceRow,
    InstrumentLabelRow,
    InstrumentRow,
    LedgerCheckRow,
    PnlSnapshotDailyRow,
)


@dataclass(frozen=True, slots=True)
class CheckScope:
    """Which checks and figures a report reads (None: no limit)."""

    report_date_from: dt.date | None = None
    report_date_to: dt.date | None = None
    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One `ledger_check` row with its instrument and linked rows."""

    instrument_id: uuid.UUID
    conid: str
    symbol: str
    currency: str
    report_date_local: dt.date
    check_kind: str
    metric: str
    ours: Decimal | None
    broker: Decimal
    tolerance_abs: Decimal
    tolerance_rel: Decimal
    passed: bool
    reason_code: str | None
    detail: str | None
    event_id: uuid.UUID | None
    raw_record_id: uuid.UUID | None
    provisional: bool


# Ids per IN list: far under every driver's bound-parameter limit.
_CHUNK = 500


class ReconciliationRepository:
    """Reads `ledger_check`, instruments and the broker figure sections."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def checks(self, account_id: str, scope: CheckScope) -> list[CheckRecord]:
        """The account's stored checks in scope, by date."""
        check = LedgerCheckRow
        conditions = [check.account_id == account_id, *self._scoped(check, scope)]
        statement = (
            select(
                check,
                InstrumentRow.conid,
                InstrumentRow.symbol,
                InstrumentRow.currency,
                PnlSnapshotDailyRow.provisional,
            )
            .join(InstrumentRow, InstrumentRow.instrument_id == check.instrument_id)
            .outerjoin(
                PnlSnapshotDailyRow,
                and_(
                    PnlSnapshotDailyRow.instrument_id == check.instrument_id,
                    PnlSnapshotDailyRow.report_date_local == check.report_date_local,
                ),
            )
            .where(*conditions)
            .order_by(check.report_date_local, check.ledger_check_id)
        )
        found = list(self._session.execute(statement))
        first_raw = self._first_raw_rows(
            {row.event_trade_fill_id for row, *_ in found} - {None}
        )
        return [
            CheckRecord(
                instrument_id=row.instrument_id,
                conid=conid,
                symbol=symbol,
                currency=currency,
                report_date_local=row.report_date_local,
                check_kind=row.check_kind,
                metric=row.metric,
                ours=row.ours,
                broker=row.broker,
                tolerance_abs=row.tolerance_abs,
                tolerance_rel=row.tolerance_rel,
                passed=row.passed,
                reason_code=row.reason_code,
                detail=row.detail,
                event_id=row.event_trade_fill_id,
                raw_record_id=first_raw.get(row.event_trade_fill_id),
                provisional=bool(provisional),
            )
            for row, conid, symbol, currency, provisional in found
        ]

    def _first_raw_rows(
        self, event_ids: set[uuid.UUID | None]
    ) -> dict[uuid.UUID | None, uuid.UUID]:
        """The lowest raw record id behind each event (PostgreSQL has no min(uuid))."""
        wanted = sorted((e for e in event_ids if e is not None), key=str)
        first: dict[uuid.UUID | None, uuid.UUID] = {}
        for start in range(0, len(wanted), _CHUNK):
            for event_id, raw_id in self._session.execute(
                select(EventSourceRow.event_id, EventSourceRow.raw_record_id).where(
                    EventSourceRow.event_id.in_(wanted[start : start + _CHUNK])
                )
            ):
                known = first.get(event_id)
                first[event_id] = raw_id if known is None else min(known, raw_id)
        return first

    def instruments(self, account_id: str) -> dict[uuid.UUID, tuple[str, str]]:
        """Each instrument's (conid, symbol)."""
        return {
            instrument_id: (conid, symbol)
            for instrument_id, conid, symbol in self._session.execute(
                select(
                    InstrumentRow.instrument_id,
                    InstrumentRow.conid,
                    InstrumentRow.symbol,
                ).where(InstrumentRow.account_id == account_id)
            )
        }

    def labelled(self, label_id: uuid.UUID) -> set[uuid.UUID]:
        """The instruments carrying the label."""
        return set(
            self._session.scalars(
                select(InstrumentLabelRow.instrument_id).where(
                    InstrumentLabelRow.label_id == label_id
                )
            )
        )

    @staticmethod
    def _scoped(
        check: type[LedgerCheckRow], scope: CheckScope
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if scope.report_date_from is not None:
            conditions.append(check.report_date_local >= scope.report_date_from)
        if scope.report_date_to is not None:
            conditions.append(check.report_date_local <= scope.report_date_to)
        conditions += instrument_scope(
            check.instrument_id, scope.instrument_id, scope.label_id
        )
        return conditions
