"""Reads for the P&L reports: daily snapshots with their instrument, and labels.

Read-only. The figures are aggregated by `flexledger.analytics.pnl`; this module only
selects the `pnl_snapshot_daily` rows (on or before a date, for one instrument or the
members of one label) and the labels with their member instruments.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from flexledger.db.session import UnitOfWork
from flexledger.db.tables import (
    InstrumentLabelRow,
    InstrumentRow,
    LabelRow,
    PnlSnapshotDailyRow,
)


@dataclass(frozen=True, slots=True)
class PnlReportFilter:
    """Filters of the P&L reports; None means "any".

    Attributes:
        report_date_from: first business date of the period (inclusive).
        report_date_to: last business date of the period (inclusive).
        instrument_id: only this instrument.
        label_id: only instruments carrying this label (by-label: only this label).
    """

    report_date_from: dt.date | None = None
    report_date_to: dt.date | None = None
    instrument_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """One `pnl_snapshot_daily` row with its instrument's conid and symbol."""

    instrument_id: uuid.UUID
    conid: str
    symbol: str
    report_date_local: dt.date
    currency: str
    position_qty: Decimal
    cost_basis: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    withholding_tax: Decimal
    dividends: Decimal
    other_fees: Decimal
    provisional: bool
    unresolved_cases: int
    diagnostic_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """A label and the ids of the instruments carrying it."""

    label_id: uuid.UUID
    name: str
    instrument_ids: frozenset[uuid.UUID]


class ReportRepository:
    """Reads snapshots and labels for the P&L reports."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session

    def snapshots(self, filters: PnlReportFilter) -> list[SnapshotRecord]:
        """What the period figures need of each matching instrument: two snapshots.

        For every instrument with a snapshot in [`report_date_from`,
        `report_date_to`]: its last snapshot in the range, carrying the range's
        provisional flag (any) and diagnostic codes (all), and, with a
        `report_date_from`, its last snapshot before the range. Aggregated in SQL:
        a 100k-trade account has ~100k snapshots and a report needs ~2 per
        instrument.
        """
        snapshot = PnlSnapshotDailyRow
        scope = self._instrument_scope(filters)
        in_range = [*scope]
        if filters.report_date_to is not None:
            in_range.append(snapshot.report_date_local <= filters.report_date_to)
        if filters.report_date_from is not None:
            in_range.append(snapshot.report_date_local >= filters.report_date_from)
        last = (
            select(
                snapshot.instrument_id.label("instrument_id"),
                func.max(snapshot.report_date_local).label("day"),
                func.max(case((snapshot.provisional, 1), else_=0)).label("flagged"),
            )
            .where(*in_range)
            .group_by(snapshot.instrument_id)
            .subquery()
        )
        codes = self._codes(in_range)
        ends = [
            _record(row, conid, symbol, bool(flagged), codes.get(row.instrument_id))
            for row, conid, symbol, flagged in self._at(last)
        ]
        if filters.report_date_from is None or not ends:
            return ends
        before = (
            select(
                snapshot.instrument_id.label("instrument_id"),
                func.max(snapshot.report_date_local).label("day"),
                func.max(case((snapshot.provisional, 1), else_=0)).label("flagged"),
            )
            .where(
                *scope,
                snapshot.report_date_local < filters.report_date_from,
                snapshot.instrument_id.in_(select(last.c.instrument_id)),
            )
            .group_by(snapshot.instrument_id)
            .subquery()
        )
        bases = [
            _record(row, conid, symbol) for row, conid, symbol, _ in self._at(before)
        ]
        return bases + ends

    def history(
        self,
        filters: PnlReportFilter,
        instrument_ids: Collection[uuid.UUID] | None = None,
    ) -> list[SnapshotRecord]:
        """Every snapshot on or before `report_date_to` of the matching instruments.

        For the portfolio over time and comparisons over arbitrary periods
        (reconciliation): they need each instrument's snapshots at many dates.
        `instrument_ids` narrows the instruments further (None: no limit).
        """
        snapshot = PnlSnapshotDailyRow
        conditions = self._instrument_scope(filters)
        if filters.report_date_to is not None:
            conditions.append(snapshot.report_date_local <= filters.report_date_to)
        if instrument_ids is not None:
            conditions.append(
                snapshot.instrument_id.in_(sorted(instrument_ids, key=str))
            )
        # Columns, not ORM objects: a 100k-trade account has ~100k snapshots, and
        # building an entity per row costs several times the query.
        rows = self._session.execute(
            select(
                snapshot.instrument_id,
                InstrumentRow.conid,
                InstrumentRow.symbol,
                snapshot.report_date_local,
                snapshot.currency,
                snapshot.position_qty,
                snapshot.cost_basis,
                snapshot.realized_pnl,
                snapshot.unrealized_pnl,
                snapshot.fees,
                snapshot.withholding_tax,
                snapshot.dividends,
                snapshot.other_fees,
                snapshot.provisional,
                snapshot.unresolved_cases,
                snapshot.diagnostic_codes,
            )
            .join(InstrumentRow, InstrumentRow.instrument_id == snapshot.instrument_id)
            .where(*conditions)
            .order_by(snapshot.instrument_id, snapshot.report_date_local)
        )
        return [
            SnapshotRecord(
                instrument_id=instrument_id,
                conid=conid,
                symbol=symbol,
                report_date_local=day,
                currency=currency,
                position_qty=position,
                cost_basis=basis,
                realized_pnl=realized,
                unrealized_pnl=unrealized,
                fees=fees,
                withholding_tax=withholding,
                dividends=dividends,
                other_fees=other,
                provisional=bool(provisional),
                unresolved_cases=cases,
                diagnostic_codes=_codes_of(codes),
            )
            for (
                instrument_id,
                conid,
                symbol,
                day,
                currency,
                position,
                basis,
                realized,
                unrealized,
                fees,
                withholding,
                dividends,
                other,
                provisional,
                cases,
                codes,
            ) in rows
        ]

    def _instrument_scope(self, filters: PnlReportFilter) -> list[ColumnElement[bool]]:
        return instrument_scope(
            PnlSnapshotDailyRow.instrument_id, filters.instrument_id, filters.label_id
        )

    def _at(self, days: Any) -> Any:
        """Each instrument's snapshot on the subquery's `day`, with its names."""
        snapshot = PnlSnapshotDailyRow
        return self._session.execute(
            select(snapshot, InstrumentRow.conid, InstrumentRow.symbol, days.c.flagged)
            .join(
                days,
                and_(
                    days.c.instrument_id == snapshot.instrument_id,
                    days.c.day == snapshot.report_date_local,
                ),
            )
            .join(InstrumentRow, InstrumentRow.instrument_id == snapshot.instrument_id)
            .order_by(snapshot.instrument_id)
        )

    def _codes(
        self, in_range: list[ColumnElement[bool]]
    ) -> dict[uuid.UUID, tuple[str, ...]]:
        """Each instrument's diagnostic codes over the range (distinct sets)."""
        snapshot = PnlSnapshotDailyRow
        found: dict[uuid.UUID, set[str]] = {}
        for instrument_id, text in self._session.execute(
            select(snapshot.instrument_id, snapshot.diagnostic_codes)
            .where(*in_range, snapshot.diagnostic_codes.is_not(None))
            .distinct()
        ):
            found.setdefault(instrument_id, set()).update(
                c for c in (text or "").split(",") if c
            )
        return {key: tuple(sorted(codes)) for key, codes in found.items()}

    def labels(self, label_id: uuid.UUID | None = None) -> list[LabelRecord]:
        """Labels (all, or the one asked) with their member instruments, by name."""
        statement = (
            select(LabelRow.label_id, LabelRow.name, InstrumentLabelRow.instrument_id)
            .outerjoin(
                InstrumentLabelRow, InstrumentLabelRow.label_id == LabelRow.label_id
            )
            .order_by(LabelRow.name, LabelRow.label_id)
        )
        if label_id is not None:
            statement = statement.where(LabelRow.label_id == label_id)
        names: dict[uuid.UUID, str] = {}
        members: dict[uuid.UUID, set[uuid.UUID]] = {}
        for found_id, name, instrument_id in self._session.execute(statement):
            names[found_id] = name
            ids = members.setdefault(found_id, set())
            if instrument_id is not None:
                ids.add(instrument_id)
        return [
            LabelRecord(found_id, name, frozenset(members[found_id]))
            for found_id, name in names.items()
        ]


def instrument_scope(
    column: Any, instrument_id: uuid.UUID | None, label_id: uuid.UUID | None
) -> list[ColumnElement[bool]]:
    """Conditions on an `instrument_id` column: one instrument, a label's members."""
    conditions: list[ColumnElement[bool]] = []
    if instrument_id is not None:
        conditions.append(column == instrument_id)
    if label_id is not None:
        conditions.append(
            column.in_(
                select(InstrumentLabelRow.instrument_id).where(
                    InstrumentLabelRow.label_id == label_id
                )
            )
        )
    return conditions


def _record(
    row: PnlSnapshotDailyRow,
    conid: str,
    symbol: str,
    provisional: bool | None = None,
    codes: tuple[str, ...] | None = None,
) -> SnapshotRecord:
    """A stored snapshot; `provisional` and `codes` override the row's own."""
    own = _codes_of(row.diagnostic_codes)
    return SnapshotRecord(
        instrument_id=row.instrument_id,
        conid=conid,
        symbol=symbol,
        report_date_local=row.report_date_local,
        currency=row.currency,
        position_qty=row.position_qty,
        cost_basis=row.cost_basis,
        realized_pnl=row.realized_pnl,
        unrealized_pnl=row.unrealized_pnl,
        fees=row.fees,
        withholding_tax=row.withholding_tax,
        dividends=row.dividends,
        other_fees=row.other_fees,
        provisional=row.provisional if provisional is None else provisional,
        unresolved_cases=row.unresolved_cases,
        diagnostic_codes=own if codes is None else codes,
    )


def _codes_of(text: str | None) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split(",") if code)
