"""What the lot engine reads and writes: plain values, no database, no framework.

Amounts are in the instrument's currency unless a name ends in `_base`. Quantities
are signed on fills (buys positive) and magnitudes on lots, whose `direction` says
long or short (SCHEMA position_lot).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexledger.domain.lots import LotDirection
from flexledger.domain.records import record

ZERO = Decimal(0)


class LedgerCode(enum.StrEnum):
    """Findings of the ledger; each marks the instrument's outputs provisional."""

    INSUFFICIENT_LOTS = "INSUFFICIENT_LOTS"
    CANCELLATION_WITHOUT_ORIGINAL = "CANCELLATION_WITHOUT_ORIGINAL"
    CORP_ACTION_RATIO_MISMATCH = "CORP_ACTION_RATIO_MISMATCH"
    FX_RATE_MISSING_ALL_SOURCES = "FX_RATE_MISSING_ALL_SOURCES"
    EOD_MARK_FALLBACK_LAST_TRADE = "EOD_MARK_FALLBACK_LAST_TRADE"
    EOD_MARK_MISSING_ALL_SOURCES = "EOD_MARK_MISSING_ALL_SOURCES"
    POSITION_QTY_MISMATCH = "POSITION_QTY_MISMATCH"
    CORP_ACTION_OPEN_CASE = "CORP_ACTION_OPEN_CASE"
    OPENING_LOT_FROM_BROKER = "OPENING_LOT_FROM_BROKER"


class BasisSource(enum.StrEnum):
    """Where a closed quantity's cost came from."""

    LOTS = "lots"  # our own lots, opened by imported fills
    BROKER_COST = "broker_cost"  # the closing fill's `cost` (IBKR's relieved basis)
    BROKER_REALIZED = "broker_realized"  # proceeds minus IBKR's fifoPnlRealized
    # a lot seeded from OpenPositions: IBKR's costBasisMoney less our own open cost
    BROKER_POSITION = "broker_position"
    UNKNOWN = "unknown"  # no evidence: cost and realized left empty


@record
class Fill:
    """One execution as the ledger needs it.

    Attributes:
        charges: commission plus transaction taxes, signed as IBKR writes them
            (negative is paid), already in the instrument's currency.
        fx_to_base: the execution rate into base (SPEC §8), None when missing.
        broker_realized: IBKR's `fifoPnlRealized` for the fill, if given.
        broker_cost: IBKR's `cost` for the fill, if given.
    """

    fill_id: uuid.UUID
    instrument_id: uuid.UUID
    executed_at: dt.datetime
    business_date: dt.date
    transaction_id: str | None
    ib_exec_id: str
    quantity: Decimal
    price: Decimal
    charges: Decimal
    fx_to_base: Decimal | None
    is_cancellation: bool = False
    broker_realized: Decimal | None = None
    broker_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Split:
    """A split or stock dividend: every open lot times `new/old` (total cost kept).

    `expected_change` is the net quantity the action's legs add to the position,
    checked against the position the lots hold before the ratio is applied.
    """

    action_id: str
    instrument_id: uuid.UUID
    effective_at: dt.datetime
    business_date: dt.date
    new: Decimal
    old: Decimal
    expected_change: Decimal | None


@dataclass(frozen=True, slots=True)
class Move:
    """An identity change to a new conid: lots continue under the new instrument."""

    action_id: str
    from_instrument_id: uuid.UUID
    to_instrument_id: uuid.UUID
    effective_at: dt.datetime
    business_date: dt.date


@dataclass(frozen=True, slots=True)
class Seed:
    """An opening lot IBKR's OpenPositions prove and the imported fills lack.

    It joins the book at the end of `business_date` (after every action dated on
    or before it, as a position check reads the book) as the oldest open lot, so
    FIFO relieves it before any imported lot. Its open instant is unknown.

    Attributes:
        quantity: the magnitude IBKR holds beyond our position.
        cost: its total cost (IBKR's costBasisMoney less our open cost), > 0.
        fx_to_base: the rate its base cost is taken at (the position date's).
    """

    instrument_id: uuid.UUID
    business_date: dt.date
    direction: LotDirection
    quantity: Decimal
    cost: Decimal
    fx_to_base: Decimal | None


Action = Fill | Split | Move


@dataclass(slots=True)
class Lot:
    """An open (or closed) lot; cost is the total for `open_quantity`.

    A lot seeded from IBKR's OpenPositions (`basis_source` BROKER_POSITION) has no
    opening fill and no known open instant: `open_fill_id`, `opened_at` and
    `open_date` are None, so its closures' holding period is unknown too.
    """

    lot_id: uuid.UUID
    instrument_id: uuid.UUID
    open_fill_id: uuid.UUID | None
    direction: LotDirection
    opened_at: dt.datetime | None
    open_date: dt.date | None
    open_quantity: Decimal
    remaining: Decimal
    open_price: Decimal
    cost: Decimal
    remaining_cost: Decimal
    fx_to_base: Decimal | None
    realized: Decimal = ZERO
    closed_at: dt.datetime | None = None
    basis_source: BasisSource = BasisSource.LOTS

    @property
    def remaining_cost_base(self) -> Decimal | None:
        """The remaining cost at the opening fill's execution rate."""
        if self.fx_to_base is None:
            return None
        return self.remaining_cost * self.fx_to_base


@record
class Closure:
    """One quantity of one lot closed by one fill (the realized P&L's proof).

    For a long lot `cost` is what was paid and `proceeds` what the sale brought, net
    of charges; for a short lot `proceeds` is what the short sale brought and `cost`
    what covering it cost.
    """

    closure_id: uuid.UUID
    instrument_id: uuid.UUID
    lot_id: uuid.UUID | None
    close_fill_id: uuid.UUID
    direction: LotDirection
    quantity: Decimal
    cost: Decimal | None
    proceeds: Decimal
    realized: Decimal | None
    realized_base: Decimal | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime
    open_date: dt.date | None
    close_date: dt.date
    basis_source: BasisSource

    @property
    def holding_days(self) -> int | None:
        """Calendar days the quantity was held (None without an opening date)."""
        if self.open_date is None:
            return None
        return (self.close_date - self.open_date).days


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the ledger could not do as usual, and for which instrument."""

    code: LedgerCode
    instrument_id: uuid.UUID
    business_date: dt.date
    message: str
    fill_id: uuid.UUID | None = None
    action_id: str | None = None


@record
class DayEnd:
    """An instrument's book at the end of one business date with activity.

    Cumulative figures run from the first event; `position` is signed.
    """

    business_date: dt.date
    position: Decimal
    open_cost: Decimal
    open_cost_base: Decimal | None
    realized: Decimal
    realized_base: Decimal | None
    charges_base: Decimal | None
    last_price: Decimal | None


class DayCursor:
    """The book as of dates asked in ascending order.

    `book.days` is in replay order (by execution instant). A correction IBKR
    reports days later under its original dateTime is replayed before newer trades
    yet dated after them, so dates in that list can go back. A date's state is the
    book after the last replayed action dated on or before it: never one from
    before a later replayed action of an earlier date.
    """

    def __init__(self, days: Sequence[DayEnd]) -> None:
        self._days = days
        self._order = sorted(range(len(days)), key=lambda i: days[i].business_date)
        self._next = 0
        self._latest = -1

    def on(self, date: dt.date) -> DayEnd | None:
        """The state at the end of `date` (None before the first action)."""
        order, days = self._order, self._days
        while self._next < len(order) and days[order[self._next]].business_date <= date:
            self._latest = max(self._latest, order[self._next])
            self._next += 1
        return days[self._latest] if self._latest >= 0 else None


@dataclass(slots=True)
class FillResult:
    """What one fill did: realized P&L and how its closed quantity was covered."""

    realized: Decimal = ZERO
    realized_known: bool = True
    closed_quantity: Decimal = ZERO
    opened_quantity: Decimal = ZERO
    basis_sources: set[BasisSource] = field(default_factory=set)
    closed_lot_fills: list[uuid.UUID | None] = field(default_factory=list)


@dataclass(slots=True)
class Book:
    """One instrument's ledger after replaying its actions."""

    instrument_id: uuid.UUID
    lots: list[Lot] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    days: list[DayEnd] = field(default_factory=list)
    fills: dict[uuid.UUID, FillResult] = field(default_factory=dict)
    applied_actions: list[str] = field(default_factory=list)

    @property
    def open_lots(self) -> list[Lot]:
        """Lots that still hold quantity, oldest first."""
        return [lot for lot in self.lots if lot.remaining > 0]

    @property
    def position(self) -> Decimal:
        """The signed position the open lots hold."""
        return sum(
            (
                lot.remaining if lot.direction is LotDirection.LONG else -lot.remaining
                for lot in self.open_lots
            ),
            ZERO,
        )
