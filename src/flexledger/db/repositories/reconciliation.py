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

from sqlalchemy import and_, select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    EventSourceRow,
    InstrumentLabelRow,
    InstrumentRow,
    LedgerCheckRow,
    PnlSnapshotDailyRow,
)


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
    unresolved_cases: int


# Ids per IN list: far under every driver's bound-parameter limit.
_CHUNK = 500


class ReconciliationRepository:
    """Reads `ledger_check`, instruments and the broker figure sections."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def checks(self, account_id: str) -> list[CheckRecord]:
        """The account's stored checks, by date."""
        check = LedgerCheckRow
        # Columns, not ORM objects: a 100k-trade account has ~50k checks.
        statement = (
            select(
                check.instrument_id,
                InstrumentRow.conid,
                InstrumentRow.symbol,
                InstrumentRow.currency,
                check.report_date_local,
                check.check_kind,
                check.metric,
                check.ours,
                check.broker,
                check.tolerance_abs,
                check.tolerance_rel,
                check.passed,
                check.reason_code,
                check.detail,
                check.event_trade_fill_id,
                PnlSnapshotDailyRow.provisional,
                PnlSnapshotDailyRow.unresolved_cases,
            )
            .join(InstrumentRow, InstrumentRow.instrument_id == check.instrument_id)
            .outerjoin(
                PnlSnapshotDailyRow,
                and_(
                    PnlSnapshotDailyRow.instrument_id == check.instrument_id,
                    PnlSnapshotDailyRow.report_date_local == check.report_date_local,
                ),
            )
            .where(check.account_id == account_id)
            .order_by(check.report_date_local, check.ledger_check_id)
        )
        found = list(self._session.execute(statement))
        first_raw = self._first_raw_rows({row[14] for row in found} - {None})
        return [
            CheckRecord(
                instrument_id=instrument_id,
                conid=conid,
                symbol=symbol,
                currency=currency,
                report_date_local=day,
                check_kind=kind,
                metric=metric,
                ours=ours,
                broker=broker,
                tolerance_abs=tolerance_abs,
                tolerance_rel=tolerance_rel,
                passed=passed,
                reason_code=reason,
                detail=detail,
                event_id=fill_id,
                raw_record_id=first_raw.get(fill_id),
                provisional=bool(provisional),
                unresolved_cases=cases or 0,
            )
            for (
                instrument_id,
                conid,
                symbol,
                currency,
                day,
                kind,
                metric,
                ours,
                broker,
                tolerance_abs,
                tolerance_rel,
                passed,
                reason,
                detail,
                fill_id,
                provisional,
                cases,
            ) in found
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
