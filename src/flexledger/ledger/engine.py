"""The lot engine: replays one instrument's fills and actions into lots and closures.

Sort key for actions (SPEC §9, D-4), documented because equal timestamps are
common (one order filled in parts): execution instant; fills before corporate
actions at the same instant; then the numeric `transactionID` (missing last); then
the execution id or action id as text.

Conventions as IBKR counts `fifoPnlRealized`: a buy's charges (commission and
taxes) are in its lot's cost; a sell's charges come off its proceeds; a fill that
closes several lots, or closes one side and opens the other, spreads its charges by
quantity. A cancellation offsets its original execution instead of trading again.

When a closing fill finds fewer lots than it closes and IBKR's own realized P&L
says it did close (history older than the first statement), no cost is invented:
the uncovered part takes IBKR's basis from the fill when the fill has one, flagged
as broker-sourced, and `INSUFFICIENT_LOTS` is recorded either way.

A `Seed` (an opening lot IBKR's OpenPositions prove, compute.py) joins the replay
after the last action dated on or before its date, as the oldest open lot: later
sells relieve it first, earlier ones keep the handling above. Its closures carry
its `BROKER_POSITION` basis source and no open date (holding period unknown).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from flexledger.domain.ids import KeyPrefix, natural_key_id
from flexledger.domain.lots import LotDirection
from flexledger.domain.tolerances import Metric, judge
from flexledger.ledger.matching import LotMatcher
from flexledger.ledger.model import (
    ZERO,
    Action,
    BasisSource,
    Book,
    Closure,
    DayEnd,
    Fill,
    FillResult,
    Finding,
    LedgerCode,
    Lot,
    Move,
    Seed,
    Split,
)

_Q = Decimal("0.00000001")
_NO_TRANSACTION = 1 << 62


def q8(value: Decimal) -> Decimal:
    """Half-even to the stored scale of money and quantities (8 places)."""
    # Positional: keyword parsing doubled the cost of the ledger's hottest call.
    return value.quantize(_Q, ROUND_HALF_EVEN)


_Key = tuple[dt.datetime, int, int, str]


def sort_key(action: Action) -> _Key:
    """The one order actions are replayed in (module docstring)."""
    if isinstance(action, Fill):
        return (
            action.executed_at,
            0,
            _numeric(action.transaction_id),
            action.ib_exec_id,
        )
    return (action.effective_at, 1, _NO_TRANSACTION, action.action_id)


def _numeric(transaction_id: str | None) -> int:
    if (
        transaction_id is not None
        and transaction_id.isascii()
        and transaction_id.isdigit()
    ):
        return int(transaction_id)
    return _NO_TRANSACTION


def lot_id_for(
    account_id: str, instrument_id: uuid.UUID, fill_id: uuid.UUID
) -> uuid.UUID:
    """SCHEMA: UUIDv5(account_id:instrument_id:open_event_trade_fill_id)."""
    return natural_key_id("position_lot", account_id, str(instrument_id), str(fill_id))


def seed_lot_id(account_id: str, seed: Seed) -> uuid.UUID:
    """A seeded lot has no opening fill: UUIDv5 over its instrument and date."""
    return natural_key_id(
        "position_lot",
        account_id,
        str(seed.instrument_id),
        "broker_opening",
        seed.business_date.isoformat(),
    )


def _carried_lot_id(account_id: str, to_instrument: uuid.UUID, lot: Lot) -> uuid.UUID:
    if lot.open_fill_id is not None:
        return lot_id_for(account_id, to_instrument, lot.open_fill_id)
    return natural_key_id(
        "position_lot", account_id, str(to_instrument), str(lot.lot_id)
    )


def _lot_order(lot: Lot) -> tuple[bool, dt.datetime, str]:
    # A seeded lot (open instant unknown) predates every imported one.
    return (
        lot.opened_at is not None,
        lot.opened_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        str(lot.open_fill_id or lot.lot_id),
    )


def pair_cancellations(fills: Sequence[Fill]) -> tuple[list[Fill], list[Finding]]:
    """Drop each cancellation with the execution it cancels.

    The original is the latest earlier (else the earliest later) execution of the
    instrument with the opposite quantity and the same price not already paired.
    A cancellation whose original is outside the data is dropped with a finding:
    the original's effect is not in the data either.
    """
    kept, findings = _paired(_keyed(fills))
    return [fill for _, fill in kept], findings


def _keyed(fills: Iterable[Fill]) -> list[tuple[_Key, Fill]]:
    """The fills with their sort keys, in replay order (each key computed once)."""
    return sorted(((sort_key(fill), fill) for fill in fills), key=_by_key)


def _by_key(item: tuple[_Key, object]) -> _Key:
    return item[0]


def _paired(
    keyed: list[tuple[_Key, Fill]],
) -> tuple[list[tuple[_Key, Fill]], list[Finding]]:
    """`pair_cancellations` over fills already keyed and in replay order."""
    ordered = [fill for _, fill in keyed]
    dropped: set[uuid.UUID] = set()
    findings: list[Finding] = []
    for index, cancel in enumerate(ordered):
        if not cancel.is_cancellation:
            continue
        dropped.add(cancel.fill_id)
        candidates = [
            (position, fill)
            for position, fill in enumerate(ordered)
            if not fill.is_cancellation
            and fill.fill_id not in dropped
            and fill.quantity == -cancel.quantity
            and fill.price == cancel.price
        ]
        before = [pair for pair in candidates if pair[0] < index]
        chosen = before[-1] if before else (candidates[0] if candidates else None)
        if chosen is None:
            findings.append(
                Finding(
                    LedgerCode.CANCELLATION_WITHOUT_ORIGINAL,
                    cancel.instrument_id,
                    cancel.business_date,
                    f"cancellation {cancel.ib_exec_id} of {cancel.quantity} at "
                    f"{cancel.price} has no original in the data; it is ignored",
                    fill_id=cancel.fill_id,
                )
            )
            continue
        dropped.add(chosen[1].fill_id)
    if not dropped:
        return keyed, findings
    return [item for item in keyed if item[1].fill_id not in dropped], findings


def _spread(
    charges: Decimal, takes: Sequence[Decimal], rest: Decimal, total: Decimal
) -> list[Decimal]:
    """Charges per piece by quantity; the last piece takes the rounding remainder."""
    if len(takes) + (rest > 0) == 1:
        # One piece takes it all: what the general case computes, without lists.
        return [charges - ZERO]
    parts = [*takes, rest] if rest > 0 else list(takes)
    shares = [q8(charges * part / total) for part in parts[:-1]]
    shares.append(charges - sum(shares, ZERO))
    return shares


class _Replay:
    """One instrument's replay state."""

    def __init__(
        self,
        account_id: str,
        instrument_id: uuid.UUID,
        currency: str,
        matcher: LotMatcher,
    ) -> None:
        self.account_id = account_id
        self.currency = currency
        self.matcher = matcher
        self.book = Book(instrument_id)
        # The constant leading parts of the lot and closure ids (lot_id_for,
        # _closure_id), encoded once rather than per row.
        self.lot_ids = KeyPrefix("position_lot", account_id, str(instrument_id))
        self.closure_ids = KeyPrefix("lot_closure", account_id)
        self.realized = ZERO
        self.realized_base: Decimal | None = ZERO
        self.charges_base: Decimal | None = ZERO
        self.last_price: Decimal | None = None
        # Open lots in opening order and running totals of what they hold, so a
        # day's end costs the same however many lots are open.
        self.open: list[Lot] = []
        self.position = ZERO
        self.open_cost = ZERO
        self.open_cost_base = ZERO
        self.lots_without_rate = 0

    # -- fills -------------------------------------------------------------------

    def fill(self, fill: Fill) -> None:
        buying = fill.quantity > 0
        total = abs(fill.quantity)
        closes = LotDirection.SHORT if buying else LotDirection.LONG
        candidates = self.open if self.open and self.open[0].direction is closes else []
        pieces: list[tuple[Lot, Decimal]] = []
        left = total
        for lot in self.matcher.order(candidates):
            if left <= 0:
                break
            take = min(lot.remaining, left)
            pieces.append((lot, take))
            left -= take
        result = FillResult()
        self.book.fills[fill.fill_id] = result
        fill_key = str(fill.fill_id)
        shares = _spread(fill.charges, [take for _, take in pieces], left, total)
        matched_realized = ZERO
        for (lot, take), charge in zip(pieces, shares, strict=False):
            closure = self._close(lot, take, charge, fill, fill_key, result)
            matched_realized += closure.realized or ZERO
            result.closed_lot_fills.append(lot.open_fill_id)
        if pieces and any(lot.remaining == 0 for lot, _ in pieces):
            self.open = [lot for lot in self.open if lot.remaining > 0]
        rest_charge = shares[-1] if left > 0 else ZERO
        if left > 0 and self._is_history_gap(fill, matched_realized, bool(pieces)):
            self._close_uncovered(fill, left, rest_charge, pieces, fill_key, result)
        elif left > 0:
            self._open(fill, left, rest_charge, buying, fill_key, result)
        self._account(fill)
        self.last_price = fill.price

    def _is_history_gap(self, fill: Fill, matched: Decimal, any_matched: bool) -> bool:
        broker = fill.broker_realized
        if broker is None or broker == 0:
            return False
        if not any_matched:
            return True
        # Some lots matched and explain IBKR's figure: the rest opens a position.
        return not judge(Metric.REALIZED_PNL, matched, broker, self.currency).passed

    def _close(
        self,
        lot: Lot,
        take: Decimal,
        charge: Decimal,
        fill: Fill,
        fill_key: str,
        result: FillResult,
    ) -> Closure:
        whole = take == lot.remaining
        relieved = (
            lot.remaining_cost
            if whole
            else q8(lot.remaining_cost * take / lot.remaining)
        )
        relieved_base = (
            None if lot.fx_to_base is None else q8(relieved * lot.fx_to_base)
        )
        trade_value = q8(take * fill.price)
        if lot.direction is LotDirection.LONG:
            cost, proceeds = relieved, trade_value + charge
            cost_base = relieved_base
            proceeds_base = (
                None if fill.fx_to_base is None else q8(proceeds * fill.fx_to_base)
            )
        else:
            proceeds, cost = relieved, trade_value - charge
            proceeds_base = relieved_base
            cost_base = None if fill.fx_to_base is None else q8(cost * fill.fx_to_base)
        realized = proceeds - cost
        realized_base = (
            None
            if cost_base is None or proceeds_base is None
            else proceeds_base - cost_base
        )
        sign = 1 if lot.direction is LotDirection.LONG else -1
        self.position -= sign * take
        self.open_cost -= sign * relieved
        if lot.fx_to_base is None:
            self.lots_without_rate -= 1 if whole else 0
        else:
            self.open_cost_base -= sign * relieved * lot.fx_to_base
        lot.remaining -= take
        lot.remaining_cost -= relieved
        lot.realized += realized
        if lot.remaining == 0:
            lot.closed_at = fill.executed_at
        closure = Closure(
            closure_id=self._closure_id(fill_key, str(lot.lot_id)),
            instrument_id=self.book.instrument_id,
            lot_id=lot.lot_id,
            close_fill_id=fill.fill_id,
            direction=lot.direction,
            quantity=take,
            cost=cost,
            proceeds=proceeds,
            realized=realized,
            realized_base=realized_base,
            opened_at=lot.opened_at,
            closed_at=fill.executed_at,
            open_date=lot.open_date,
            close_date=fill.business_date,
            basis_source=lot.basis_source,
        )
        self._record(closure, result)
        return closure

    def _close_uncovered(
        self,
        fill: Fill,
        quantity: Decimal,
        charge: Decimal,
        pieces: Sequence[tuple[Lot, Decimal]],
        fill_key: str,
        result: FillResult,
    ) -> None:
        direction = LotDirection.SHORT if fill.quantity > 0 else LotDirection.LONG
        long = direction is LotDirection.LONG
        trade_value = q8(quantity * fill.price)
        matched = [c for c in self.book.closures if c.close_fill_id == fill.fill_id]
        matched_cost = sum((c.cost or ZERO for c in matched), ZERO)
        matched_realized = sum((c.realized or ZERO for c in matched), ZERO)
        # Long: what the sale brought is known, the cost is not. Short: what
        # covering cost is known, what the short sale brought is not.
        known_side = trade_value + charge if long else trade_value - charge
        cost: Decimal | None = known_side if not long else None
        proceeds: Decimal | None = known_side if long else None
        realized: Decimal | None = None
        source = BasisSource.UNKNOWN
        if long and fill.broker_cost is not None:
            cost = abs(fill.broker_cost) - matched_cost
            realized = known_side - cost
            source = BasisSource.BROKER_COST
        elif fill.broker_realized is not None:
            realized = fill.broker_realized - matched_realized
            if long:
                cost = known_side - realized
            else:
                proceeds = known_side + realized
            source = BasisSource.BROKER_REALIZED
        realized_base = (
            None
            if realized is None or fill.fx_to_base is None
            else q8(realized * fill.fx_to_base)
        )
        closure = Closure(
            closure_id=self._closure_id(fill_key, "uncovered"),
            instrument_id=self.book.instrument_id,
            lot_id=None,
            close_fill_id=fill.fill_id,
            direction=direction,
            quantity=quantity,
            cost=cost,
            proceeds=ZERO if proceeds is None else proceeds,
            realized=realized,
            realized_base=realized_base,
            opened_at=None,
            closed_at=fill.executed_at,
            open_date=None,
            close_date=fill.business_date,
            basis_source=source,
        )
        self._record(closure, result)
        what = (
            f"its realized P&L {realized} taken from IBKR's "
            f"{source.value.replace('_', ' ')}"
            if realized is not None
            else "no broker basis either: its realized P&L is unknown"
        )
        self.book.findings.append(
            Finding(
                LedgerCode.INSUFFICIENT_LOTS,
                self.book.instrument_id,
                fill.business_date,
                f"fill {fill.ib_exec_id} closes {quantity} more than the imported "
                f"lots hold ({len(pieces)} lots matched); {what}. Backfill older "
                "statements to close the gap.",
                fill_id=fill.fill_id,
            )
        )

    def _open(
        self,
        fill: Fill,
        quantity: Decimal,
        charge: Decimal,
        buying: bool,
        fill_key: str,
        result: FillResult,
    ) -> None:
        trade_value = q8(quantity * fill.price)
        cost = trade_value - charge if buying else trade_value + charge
        lot = Lot(
            lot_id=self.lot_ids.id(fill_key),
            instrument_id=self.book.instrument_id,
            open_fill_id=fill.fill_id,
            direction=LotDirection.LONG if buying else LotDirection.SHORT,
            opened_at=fill.executed_at,
            open_date=fill.business_date,
            open_quantity=quantity,
            remaining=quantity,
            open_price=fill.price,
            cost=cost,
            remaining_cost=cost,
            fx_to_base=fill.fx_to_base,
        )
        self.book.lots.append(lot)
        self._hold(lot)
        result.opened_quantity = quantity

    def _hold(self, lot: Lot) -> None:
        self.open.append(lot)
        sign = 1 if lot.direction is LotDirection.LONG else -1
        self.position += sign * lot.remaining
        self.open_cost += sign * lot.remaining_cost
        if lot.fx_to_base is None:
            self.lots_without_rate += 1
        else:
            self.open_cost_base += sign * lot.remaining_cost * lot.fx_to_base

    def _recount(self) -> None:
        lots, self.open = self.open, []
        self.position = self.open_cost = self.open_cost_base = ZERO
        self.lots_without_rate = 0
        for lot in lots:
            if lot.remaining > 0:
                self._hold(lot)

    def _record(self, closure: Closure, result: FillResult) -> None:
        self.book.closures.append(closure)
        result.closed_quantity += closure.quantity
        result.basis_sources.add(closure.basis_source)
        if closure.realized is None:
            result.realized_known = False
        else:
            result.realized += closure.realized
        if closure.realized is not None:
            self.realized += closure.realized
        if self.realized_base is not None:
            self.realized_base = (
                None
                if closure.realized_base is None
                else self.realized_base + closure.realized_base
            )

    def _account(self, fill: Fill) -> None:
        if self.charges_base is not None:
            self.charges_base = (
                None
                if fill.fx_to_base is None
                else self.charges_base + q8(fill.charges * fill.fx_to_base)
            )

    def _closure_id(self, fill_key: str, lot_key: str) -> uuid.UUID:
        """UUIDv5 over the closing fill and the lot (or "uncovered")."""
        return self.closure_ids.id(fill_key, lot_key)

    # -- seeded opening lots --------------------------------------------------------

    def seed(self, seed: Seed) -> None:
        price = q8(seed.cost / seed.quantity)
        lot = Lot(
            lot_id=seed_lot_id(self.account_id, seed),
            instrument_id=self.book.instrument_id,
            open_fill_id=None,
            direction=seed.direction,
            opened_at=None,
            open_date=None,
            open_quantity=seed.quantity,
            remaining=seed.quantity,
            open_price=price,
            cost=seed.cost,
            remaining_cost=seed.cost,
            fx_to_base=seed.fx_to_base,
            basis_source=BasisSource.BROKER_POSITION,
        )
        self.book.lots.insert(0, lot)
        self.open.insert(0, lot)
        self._recount()

    # -- corporate actions ---------------------------------------------------------

    def split(self, action: Split) -> None:
        position = self.position
        change = position * action.new / action.old - position
        if action.expected_change is not None and abs(
            q8(change) - action.expected_change
        ) > Decimal("0.0001"):
            self.book.findings.append(
                Finding(
                    LedgerCode.CORP_ACTION_RATIO_MISMATCH,
                    self.book.instrument_id,
                    action.business_date,
                    f"action {action.action_id}: {action.new} for {action.old} on "
                    f"{position} shares would add {q8(change)}, the legs add "
                    f"{action.expected_change}; not applied, it needs a person",
                    action_id=action.action_id,
                )
            )
            return
        for lot in self.open:
            lot.remaining = q8(lot.remaining * action.new / action.old)
            lot.open_quantity = q8(lot.open_quantity * action.new / action.old)
            lot.open_price = q8(lot.open_price * action.old / action.new)
        self._recount()
        self.book.applied_actions.append(action.action_id)

    def move_out(self, action: Move) -> list[Lot]:
        moving = list(self.open)
        for lot in moving:
            lot.closed_at = action.effective_at
        carried = [
            replace(
                lot,
                lot_id=_carried_lot_id(self.account_id, action.to_instrument_id, lot),
                instrument_id=action.to_instrument_id,
                closed_at=None,
            )
            for lot in moving
        ]
        for lot in moving:
            lot.remaining = ZERO
            lot.remaining_cost = ZERO
        self._recount()
        self.book.applied_actions.append(action.action_id)
        return carried

    def arrive(self, lots: Iterable[Lot], action_id: str) -> None:
        self.book.lots.extend(lots)
        self.book.lots.sort(key=_lot_order)
        self.open.extend(lots)
        self.open.sort(key=_lot_order)
        self._recount()
        self.book.applied_actions.append(action_id)

    # -- days ----------------------------------------------------------------------

    def day_end(self, business_date: dt.date) -> None:
        state = DayEnd(
            business_date=business_date,
            position=self.position,
            open_cost=self.open_cost,
            open_cost_base=(
                q8(self.open_cost_base) if self.lots_without_rate == 0 else None
            ),
            realized=self.realized,
            realized_base=self.realized_base,
            charges_base=self.charges_base,
            last_price=self.last_price,
        )
        days = self.book.days
        if days and days[-1].business_date == business_date:
            days[-1] = state
        else:
            days.append(state)


@dataclass(frozen=True, slots=True)
class Arrival:
    """Lots an identity change moved in from another instrument."""

    effective_at: dt.datetime
    business_date: dt.date
    action_id: str
    lots: list[Lot]


def replay(
    account_id: str,
    instrument_id: uuid.UUID,
    currency: str,
    actions: Sequence[Action],
    matcher: LotMatcher,
    *,
    arrivals: Sequence[Arrival] = (),
    seeds: Sequence[Seed] = (),
) -> tuple[Book, list[tuple[uuid.UUID, Arrival]]]:
    """Replay one instrument; returns its book and the lots it moved elsewhere.

    Args:
        account_id: the account (lot and closure ids are derived from it).
        instrument_id: the instrument replayed.
        currency: the instrument's currency (tolerances use its minor unit).
        actions: its fills, splits and moves out, in any order.
        matcher: the lot-matching method.
        arrivals: lots moved in from another instrument.
        seeds: opening lots from IBKR's positions, each replayed after the last
            action dated on or before its date.
    """
    state = _Replay(account_id, instrument_id, currency, matcher)
    fills, findings = _paired(_keyed(a for a in actions if isinstance(a, Fill)))
    state.book.findings.extend(findings)
    stream: list[tuple[_Key, object]] = list(fills)
    stream.extend((sort_key(a), a) for a in actions if not isinstance(a, Fill))
    stream.extend(((a.effective_at, 1, -1, a.action_id), a) for a in arrivals)
    stream.sort(key=_by_key)
    for seed in sorted(seeds, key=lambda s: s.business_date):
        at = 1 + max(
            (
                index
                for index, (_, item) in enumerate(stream)
                if not isinstance(item, Seed)
                and _business_date(item) <= seed.business_date
            ),
            default=-1,
        )
        stream.insert(at, (stream[at - 1][0] if at else _EARLIEST, seed))
    outgoing: list[tuple[uuid.UUID, Arrival]] = []
    for _, item in stream:
        if isinstance(item, Fill):
            state.fill(item)
            state.day_end(item.business_date)
        elif isinstance(item, Split):
            state.split(item)
            state.day_end(item.business_date)
        elif isinstance(item, Move):
            carried = state.move_out(item)
            outgoing.append(
                (
                    item.to_instrument_id,
                    Arrival(
                        item.effective_at, item.business_date, item.action_id, carried
                    ),
                )
            )
            state.day_end(item.business_date)
        elif isinstance(item, Arrival):
            state.arrive(item.lots, item.action_id)
            state.day_end(item.business_date)
        elif isinstance(item, Seed):
            state.seed(item)
            state.day_end(item.business_date)
    return state.book, outgoing


_EARLIEST = (dt.datetime.min.replace(tzinfo=dt.UTC), -1, -1, "")


def _business_date(item: object) -> dt.date:
    date = getattr(item, "business_date", None)
    return date if isinstance(date, dt.date) else dt.date.max


def run_books(
    account_id: str,
    actions: Mapping[uuid.UUID, Sequence[Action]],
    currencies: Mapping[uuid.UUID, str],
    matcher: LotMatcher,
    *,
    seeds: Mapping[uuid.UUID, Sequence[Seed]] | None = None,
) -> dict[uuid.UUID, Book]:
    """Replay every instrument; an instrument another one moves into goes after it.

    Args:
        account_id: the account.
        actions: each instrument's fills, splits and moves out.
        currencies: each instrument's currency.
        matcher: the lot-matching method.
        seeds: each instrument's opening lots from IBKR's positions.
    """
    sources: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for instrument_id, items in actions.items():
        for item in items:
            if isinstance(item, Move):
                sources[item.to_instrument_id].add(instrument_id)
    pending = sorted(set(actions) | set(sources), key=str)
    arrivals: dict[uuid.UUID, list[Arrival]] = defaultdict(list)
    books: dict[uuid.UUID, Book] = {}
    while pending:
        # A cycle of moves (never seen in real data) is replayed in id order.
        current = next(
            (i for i in pending if i not in sources or sources[i] <= books.keys()),
            pending[0],
        )
        pending.remove(current)
        book, outgoing = replay(
            account_id,
            current,
            currencies.get(current, "USD"),
            actions.get(current, ()),
            matcher,
            arrivals=arrivals.pop(current, []),
            seeds=(seeds or {}).get(current, ()),
        )
        books[current] = book
        for target, arrival in outgoing:
            arrivals[target].append(arrival)
    return books
