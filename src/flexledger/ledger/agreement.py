"""Our figures beside IBKR's own: per closing trade and per reported position.

Every closing fill that carries `fifoPnlRealized` is compared with the realized
P&L our lots give it, and every OpenPositions quantity with our position on that
date, under the one tolerance matrix. A miss, or a match that only holds because
the basis came from IBKR, gets the reason we can show for it.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flexledger.domain.ids import KeyPrefix, natural_key_id
from flexledger.domain.records import record
from flexledger.domain.tolerances import Metric, Tolerance, judge, tolerance_for
from flexledger.ledger.model import (
    ZERO,
    BasisSource,
    Book,
    DayCursor,
    Fill,
    LedgerCode,
)


class CheckKind(enum.StrEnum):
    """What a check compares."""

    TRADE_REALIZED = "trade_realized_pnl"
    POSITION_QTY = "position_qty"


class Reason(enum.StrEnum):
    """Why our figure and IBKR's differ (or agree only through IBKR's basis)."""

    MISSING_OPENING_LOT = "missing_opening_lot"
    COMMISSION_TREATMENT = "commission_treatment"
    FX_SOURCE = "fx_source"
    CORPORATE_ACTION_ADJUSTMENT = "corporate_action_adjustment"
    LOT_RELIEF_METHOD = "lot_relief_method"
    UNEXPLAINED = "unexplained"


@record
class Check:
    """One ledger_check row."""

    check_id: uuid.UUID
    kind: CheckKind
    instrument_id: uuid.UUID
    fill_id: uuid.UUID | None
    business_date: dt.date
    metric: Metric
    ours: Decimal | None
    broker: Decimal
    difference: Decimal | None
    tolerance: Tolerance
    passed: bool
    reason: Reason | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    """An OpenPositions summary row: IBKR's quantity on a date."""

    instrument_id: uuid.UUID
    business_date: dt.date
    quantity: Decimal


def trade_checks(
    account_id: str,
    book: Book,
    fills: Iterable[Fill],
    currency: str,
    *,
    commission_converted: frozenset[uuid.UUID] = frozenset(),
) -> list[Check]:
    """One check per fill with a broker realized P&L that closed something.

    Args:
        account_id: the account.
        book: the instrument's replayed book.
        fills: the instrument's fills.
        currency: the instrument's currency.
        commission_converted: fills whose commission was in another currency and
            converted by our rates (a miss there is an FX-source difference).
    """
    checks: list[Check] = []
    evidence: _BookEvidence | None = None
    # Constant per instrument: hoisted out of a loop over every closing fill.
    tolerance = tolerance_for(Metric.REALIZED_PNL, currency)
    check_ids = KeyPrefix("ledger_check", account_id, CheckKind.TRADE_REALIZED.value)
    for fill in fills:
        result = book.fills.get(fill.fill_id)
        broker = fill.broker_realized
        if result is None or broker is None:
            continue
        if result.closed_quantity == 0 and broker == 0:
            continue  # an opening fill: nothing realized on either side
        ours = result.realized if result.realized_known else None
        verdict = (
            judge(Metric.REALIZED_PNL, ours, broker, currency)
            if ours is not None
            else None
        )
        passed = verdict.passed if verdict else False
        broker_basis = any(
            source is not BasisSource.LOTS for source in result.basis_sources
        )
        reason: Reason | None = None
        detail: str | None = None
        if broker_basis:
            reason = Reason.MISSING_OPENING_LOT
            detail = (
                "the opening lot predates the imported statements; IBKR's basis used"
            )
        elif not passed:
            evidence = evidence or _BookEvidence.of(book)
            reason, detail = _trade_reason(
                book, evidence, fill, ours, broker, fill.fill_id in commission_converted
            )
        checks.append(
            Check(
                check_id=check_ids.id(str(fill.fill_id)),
                kind=CheckKind.TRADE_REALIZED,
                instrument_id=book.instrument_id,
                fill_id=fill.fill_id,
                business_date=fill.business_date,
                metric=Metric.REALIZED_PNL,
                ours=ours,
                broker=broker,
                difference=(ours - broker) if ours is not None else None,
                tolerance=tolerance,
                passed=passed,
                reason=reason,
                detail=detail,
            )
        )
    return checks


@dataclass(frozen=True, slots=True)
class _BookEvidence:
    """Per-fill facts of a book, indexed once: a book can have 10k+ misses."""

    short_fills: frozenset[uuid.UUID]
    relieved_cost: dict[uuid.UUID, Decimal]

    @classmethod
    def of(cls, book: Book) -> _BookEvidence:
        relieved: dict[uuid.UUID, Decimal] = {}
        for closure in book.closures:
            relieved[closure.close_fill_id] = relieved.get(
                closure.close_fill_id, ZERO
            ) + (closure.cost or ZERO)
        return cls(
            short_fills=frozenset(
                f.fill_id
                for f in book.findings
                if f.code is LedgerCode.INSUFFICIENT_LOTS and f.fill_id is not None
            ),
            relieved_cost=relieved,
        )


def _trade_reason(  # noqa: PLR0911 - one return per reason, in priority order
    book: Book,
    evidence: _BookEvidence,
    fill: Fill,
    ours: Decimal | None,
    broker: Decimal,
    commission_converted: bool,
) -> tuple[Reason, str]:
    if ours is None:
        return Reason.MISSING_OPENING_LOT, "no lot or broker basis covers the fill"
    difference = ours - broker
    if fill.fill_id in evidence.short_fills:
        return (
            Reason.MISSING_OPENING_LOT,
            "part of the fill closed history before the data",
        )
    if book.applied_actions:
        return (
            Reason.CORPORATE_ACTION_ADJUSTMENT,
            f"corporate actions {', '.join(book.applied_actions)} adjusted the lots",
        )
    if commission_converted:
        return Reason.FX_SOURCE, "the commission was converted at our rate, not IBKR's"
    if fill.charges and abs(abs(difference) - abs(fill.charges)) <= Decimal("0.01"):
        return (
            Reason.COMMISSION_TREATMENT,
            f"the difference {difference} is the fill's charges",
        )
    if fill.broker_cost is not None:
        ours_cost = evidence.relieved_cost.get(fill.fill_id, ZERO)
        if abs(abs(fill.broker_cost) - ours_cost) > Decimal("0.01"):
            return (
                Reason.LOT_RELIEF_METHOD,
                f"IBKR relieved a basis of {abs(fill.broker_cost)}, FIFO {ours_cost}",
            )
    return Reason.UNEXPLAINED, f"ours {ours}, IBKR {broker}"


def position_checks(
    account_id: str,
    book: Book,
    broker_positions: Sequence[BrokerPosition],
    unresolved_cases: int,
) -> list[Check]:
    """One check per OpenPositions quantity of the instrument."""
    checks: list[Check] = []
    days = sorted(book.days, key=lambda d: d.business_date)
    cursor = DayCursor(book.days)
    gap = any(
        f.code in {LedgerCode.INSUFFICIENT_LOTS, LedgerCode.OPENING_LOT_FROM_BROKER}
        for f in book.findings
    )
    for reported in sorted(broker_positions, key=lambda p: p.business_date):
        state = cursor.on(reported.business_date)
        ours = state.position if state else ZERO
        verdict = judge(Metric.POSITION_QTY, ours, reported.quantity, "")
        reason: Reason | None = None
        detail: str | None = None
        if not verdict.passed:
            if unresolved_cases:
                reason, detail = (
                    Reason.CORPORATE_ACTION_ADJUSTMENT,
                    "an open case touches it",
                )
            elif gap or not days or days[0].business_date > reported.business_date:
                reason = Reason.MISSING_OPENING_LOT
                detail = "IBKR holds shares bought before the imported statements"
            elif days and ours != 0 and abs(reported.quantity) > abs(ours):
                reason = Reason.MISSING_OPENING_LOT
                detail = "IBKR holds more than the imported fills bought"
            else:
                reason, detail = (
                    Reason.UNEXPLAINED,
                    f"ours {ours}, IBKR {reported.quantity}",
                )
        checks.append(
            Check(
                check_id=natural_key_id(
                    "ledger_check",
                    account_id,
                    CheckKind.POSITION_QTY.value,
                    str(book.instrument_id),
                    reported.business_date.isoformat(),
                ),
                kind=CheckKind.POSITION_QTY,
                instrument_id=book.instrument_id,
                fill_id=None,
                business_date=reported.business_date,
                metric=Metric.POSITION_QTY,
                ours=ours,
                broker=reported.quantity,
                difference=ours - reported.quantity,
                tolerance=verdict.tolerance,
                passed=verdict.passed,
                reason=reason,
                detail=detail,
            )
        )
    return checks


def mismatch_dates(checks: Iterable[Check]) -> Mapping[uuid.UUID, list[dt.date]]:
    """Per instrument, the dates a position check failed (POSITION_QTY_MISMATCH)."""
    found: dict[uuid.UUID, list[dt.date]] = {}
    for check in checks:
        if check.kind is CheckKind.POSITION_QTY and not check.passed:
            found.setdefault(check.instrument_id, []).append(check.business_date)
    return found
