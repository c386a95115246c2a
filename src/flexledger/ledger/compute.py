"""From stored facts to books, snapshots and checks: the whole ledger, pure.

Corporate actions: a split or stock dividend the mapping marked automatic becomes a
`Split` whose expected change is the sum of its legs; when its legs span two conids
(a reverse split into a new line) the lots move on after the ratio. An identity
change linked to a new conid becomes a `Move`. Actions take effect when IBKR posts
them, 20:25 New York time the weekday before their report date, so every trade of
the report date sees them. Everything that needs a person only marks its
instruments provisional. A split whose legs disagree with its ratio is not applied
and asks for a manual case (`LedgerOutput.cases_needed`, opened by the job); until
that case exists it counts as open, and once a person closed it the mismatch no
longer marks the instrument provisional (the lots stay unsplit: manual
adjustments are post-MVP, SPEC §10).

History gaps: when an instrument's first OpenPositions row shows more shares (same
sign) than the imported fills leave on that date, and the row carries
`costBasisMoney`, the difference becomes one seeded opening lot (`Seed`) whose cost
is IBKR's basis less our open cost, replayed as the oldest lot from that date on.
It is broker-sourced (`BasisSource.BROKER_POSITION`), its open instant unknown,
and `OPENING_LOT_FROM_BROKER` marks the instrument provisional from its first
snapshot. Without a usable basis nothing is seeded (`INSUFFICIENT_LOTS`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from flexledger.domain.cases import CaseStatus
from flexledger.domain.ids import natural_key_id
from flexledger.domain.lots import LotDirection
from flexledger.domain.tolerances import Metric, judge
from flexledger.ledger.agreement import (
    BrokerPosition,
    Check,
    mismatch_dates,
    position_checks,
    trade_checks,
)
from flexledger.ledger.engine import q8, run_books
from flexledger.ledger.fx import RateTable, execution_rate
from flexledger.ledger.inputs import (
    CashRecord,
    FillRecord,
    LedgerInputs,
    LegRecord,
    PositionRecord,
)
from flexledger.ledger.matching import LotMatcher
from flexledger.ledger.model import (
    ZERO,
    Action,
    Book,
    DayCursor,
    Fill,
    Finding,
    LedgerCode,
    Move,
    Seed,
    Split,
)
from flexledger.ledger.snapshots import (
    CashItem,
    CashKind,
    InstrumentInputs,
    Snapshot,
    build_snapshots,
)
from flexledger.ledger.valuation import Marks, PricedFill

_POSTED = dt.time(20, 25)
_SATURDAY = 5
_NEW_YORK = ZoneInfo("America/New_York")
_SPLITS = frozenset({"FS", "FI", "RS", "SD"})
_CASH_KINDS = {
    "DIVIDEND": CashKind.DIVIDENDS,
    "PAYMENT_IN_LIEU": CashKind.DIVIDENDS,
    "WITHHOLDING_TAX": CashKind.WITHHOLDING_TAX,
    "WITHHOLDING_871M": CashKind.WITHHOLDING_TAX,
    "OTHER_FEES": CashKind.OTHER_FEES,
    "BROKER_FEES": CashKind.OTHER_FEES,
    "ADVISOR_FEES": CashKind.OTHER_FEES,
    "COMMISSION_ADJUSTMENT": CashKind.OTHER_FEES,
}


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """A manual case the ledger needs and no stored case covers yet.

    `case_id` is derived as mapping.corporate_actions.case_id_for derives it, so
    the case is the one the action would get if the mapping had asked for it.
    """

    case_id: uuid.UUID
    action_id: str
    action_type: str
    instrument_id: uuid.UUID
    business_date: dt.date


@dataclass(slots=True)
class LedgerOutput:
    """Books, snapshots, checks and findings of one computation."""

    books: dict[uuid.UUID, Book] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cases_needed: list[CaseRequest] = field(default_factory=list)


def posted_at(report_date: dt.date) -> dt.datetime:
    """When IBKR posts a corporate action reported on `report_date`, in UTC.

    20:25 New York time on the weekday before: real statements carry that as the
    action's dateTime (reportDate 2013-06-18, dateTime 2013-06-17 20:25). The
    action so follows the previous session and precedes every trade of its report
    date, the overnight session (reported on the next trade date) included.
    """
    day = report_date - dt.timedelta(days=1)
    while day.weekday() >= _SATURDAY:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, _POSTED, _NEW_YORK).astimezone(dt.UTC)


def affected_since(fills: Sequence[FillRecord], since: dt.date) -> dt.date:
    """The earliest date whose snapshots change when fills dated `since` on are new.

    A date's state is the book after its last replayed action, and replay follows
    execution instants. A fill reported late under an earlier dateTime (IBKR's
    corrections) therefore changes every date whose actions replay after it, and a
    cancellation removes its original, which may be dated long before. Both pull
    the date back; fills dated before `since` alone never do.
    """
    recent = [f for f in fills if f.report_date >= since]
    if not recent:
        return since
    earliest_instant = min(f.executed_at for f in recent)
    earliest = min(
        (f.report_date for f in fills if f.executed_at >= earliest_instant),
        default=since,
    )
    for cancel in (f for f in recent if f.is_cancellation):
        for original in fills:
            if (
                original.instrument_id == cancel.instrument_id
                and not original.is_cancellation
                and original.quantity == -cancel.quantity
                and original.price == cancel.price
            ):
                earliest = min(earliest, original.report_date)
    return min(earliest, since)


def _record_order(record: FillRecord) -> tuple[dt.datetime, int]:
    return record.executed_at, record.event_id.int


def compute_ledger(
    account_id: str,
    base_currency: str,
    inputs: LedgerInputs,
    matcher: LotMatcher,
    *,
    since: dt.date | None = None,
) -> LedgerOutput:
    """The ledger of every instrument in `inputs` (snapshots from `since`)."""
    rates = RateTable(
        base_currency, ((r.currency, r.report_date, r.rate) for r in inputs.rates)
    )
    output = LedgerOutput()
    actions: dict[uuid.UUID, list[Action]] = defaultdict(list)
    priced: list[PricedFill] = []
    converted: set[uuid.UUID] = set()
    # One order whatever the source's (a read's, or the mapping's in memory), so
    # findings come out the same.
    for record in sorted(inputs.fills, key=_record_order):
        fill, was_converted, finding = _fill_of(record, rates)
        actions[record.instrument_id].append(fill)
        priced.append(PricedFill(fill, record.close_price))
        if was_converted:
            converted.add(fill.fill_id)
        if finding is not None:
            output.findings.append(finding)
    for instrument_id, action in _corporate_actions(inputs):
        actions[instrument_id].append(action)
    # An instrument IBKR reports a position in gets a book (and a check) even
    # without events: that is exactly a gap before the imported history.
    instruments = (
        set(actions)
        | {c.instrument_id for c in inputs.cash}
        | {p.instrument_id for p in inputs.positions}
    )
    for instrument_id in instruments:
        actions.setdefault(instrument_id, [])
    output.books = run_books(account_id, actions, inputs.currencies, matcher)
    _seed_opening_lots(account_id, inputs, matcher, actions, output, rates)
    open_cases, settled_actions = _cases(account_id, inputs, output)
    marks = Marks(
        (
            (p.instrument_id, p.report_date, p.mark_price)
            for p in inputs.positions
            if p.mark_price is not None
        ),
        priced,
        _applied_splits(actions, output.books),
    )
    cash_by_instrument = _cash_items(inputs.cash, rates)
    positions_by_instrument: dict[uuid.UUID, list[BrokerPosition]] = defaultdict(list)
    for p in inputs.positions:
        positions_by_instrument[p.instrument_id].append(
            BrokerPosition(p.instrument_id, p.report_date, p.position)
        )
    fills_by_instrument: dict[uuid.UUID, list[Fill]] = defaultdict(list)
    for instrument_id, items in actions.items():
        fills_by_instrument[instrument_id] = [a for a in items if isinstance(a, Fill)]
    fx_findings = defaultdict(list)
    for finding in output.findings:
        fx_findings[finding.instrument_id].append(finding)
    calendar = sorted(set(inputs.calendar))
    commission_converted = frozenset(converted)
    for instrument_id in sorted(output.books, key=str):
        book = output.books[instrument_id]
        currency = inputs.currencies.get(instrument_id, base_currency)
        cases = open_cases.get(instrument_id, 0)
        checks = trade_checks(
            account_id,
            book,
            fills_by_instrument[instrument_id],
            currency,
            commission_converted=commission_converted,
        )
        checks += position_checks(
            account_id, book, positions_by_instrument[instrument_id], cases
        )
        output.checks.extend(checks)
        output.findings.extend(book.findings)
        flagged = [
            # A seeded lot predates every snapshot: all of them lack its history.
            (
                dt.date.min
                if f.code is LedgerCode.OPENING_LOT_FROM_BROKER
                else f.business_date,
                f.code,
            )
            for f in book.findings
            if not (
                f.code is LedgerCode.CORP_ACTION_RATIO_MISMATCH
                and f.action_id in settled_actions
            )
        ]
        flagged += [(f.business_date, f.code) for f in fx_findings[instrument_id]]
        flagged += [
            (day, LedgerCode.POSITION_QTY_MISMATCH)
            for day in mismatch_dates(checks).get(instrument_id, [])
        ]
        output.snapshots.extend(
            build_snapshots(
                book,
                InstrumentInputs(
                    account_id=account_id,
                    base_currency=base_currency,
                    currency=currency,
                    cash=cash_by_instrument.get(instrument_id, []),
                    unresolved_cases=cases,
                    flagged_dates=flagged,
                ),
                calendar,
                marks,
                rates,
                since=since,
            )
        )
    return output


def _seed_opening_lots(
    account_id: str,
    inputs: LedgerInputs,
    matcher: LotMatcher,
    actions: dict[uuid.UUID, list[Action]],
    output: LedgerOutput,
    rates: RateTable,
) -> None:
    """Replay again, with seeds, every instrument IBKR's positions seed lots in."""
    seeds, findings = plan_seeds(
        output.books, inputs.positions, inputs.currencies, rates.base_currency, rates
    )
    if seeds:
        linked = _linked(seeds, actions)
        output.books.update(
            run_books(
                account_id,
                {i: actions[i] for i in linked if i in actions},
                inputs.currencies,
                matcher,
                seeds=seeds,
            )
        )
    for finding in findings:
        output.books[finding.instrument_id].findings.append(finding)


def _cases(
    account_id: str, inputs: LedgerInputs, output: LedgerOutput
) -> tuple[dict[uuid.UUID, int], set[str]]:
    """Open cases per instrument, counting the ones still to open; closed actions.

    Returns:
        The open cases per instrument and the actions whose ratio mismatch a
        person closed (their mismatch marks nothing provisional any more).
    """
    open_cases = dict(inputs.open_cases)
    settled: set[str] = set()
    for request in _case_requests(account_id, output.books, inputs):
        status = inputs.case_status.get(request.action_id)
        if status is None:
            # Not stored yet: the job opens it; it counts as open from now on.
            output.cases_needed.append(request)
            for instrument_id in _instruments_of(request.action_id, inputs.legs):
                open_cases[instrument_id] = open_cases.get(instrument_id, 0) + 1
        elif status is not CaseStatus.OPEN:
            settled.add(request.action_id)
    return open_cases, settled


def plan_seeds(
    books: dict[uuid.UUID, Book],
    positions: Sequence[PositionRecord],
    currencies: dict[uuid.UUID, str],
    base_currency: str,
    rates: RateTable,
) -> tuple[dict[uuid.UUID, list[Seed]], list[Finding]]:
    """Opening lots IBKR's first reported position per instrument proves.

    Compared with the book replayed without seeds at the end of that date: when
    IBKR holds more (same sign, our position may be flat), the difference is
    seeded at IBKR's `costBasisMoney` less our open cost, if that is a positive
    basis; otherwise nothing is seeded and `INSUFFICIENT_LOTS` says why. Shorts
    mirror longs (IBKR writes a short's basis negative, as our open cost is).
    """
    first: dict[uuid.UUID, PositionRecord] = {}
    for record in positions:
        known = first.get(record.instrument_id)
        if known is None or record.report_date < known.report_date:
            first[record.instrument_id] = record
    seeds: dict[uuid.UUID, list[Seed]] = {}
    findings: list[Finding] = []
    for instrument_id in sorted(first, key=str):
        reported = first[instrument_id]
        book = books.get(instrument_id)
        state = DayCursor(book.days).on(reported.report_date) if book else None
        ours = state.position if state else ZERO
        broker = reported.position
        if (
            broker == 0
            or ours * broker < 0
            or abs(broker) <= abs(ours)
            or judge(Metric.POSITION_QTY, ours, broker, "").passed
        ):
            continue
        sign = 1 if broker > 0 else -1
        quantity = abs(broker - ours)
        day = reported.report_date
        basis = reported.cost_basis_money
        cost = (
            None
            if basis is None
            else sign * (basis - (state.open_cost if state else ZERO))
        )
        if cost is None or cost <= 0:
            why = (
                "carries no costBasisMoney"
                if basis is None
                else f"gives a basis of {basis}, leaving {cost} for them"
            )
            findings.append(
                Finding(
                    LedgerCode.INSUFFICIENT_LOTS,
                    instrument_id,
                    day,
                    f"IBKR holds {broker} on {day}, the imported fills {ours}; its "
                    f"position row {why}, so no opening lot is seeded. Backfill "
                    "older statements to close the gap.",
                )
            )
            continue
        currency = currencies.get(instrument_id, base_currency)
        rate = reported.fx_rate_to_base
        if rate is None or rate <= 0:
            rate = rates.rate(currency, day)[0]
        seeds[instrument_id] = [
            Seed(
                instrument_id=instrument_id,
                business_date=day,
                direction=LotDirection.LONG if sign > 0 else LotDirection.SHORT,
                quantity=quantity,
                cost=q8(cost),
                fx_to_base=rate,
            )
        ]
        findings.append(
            Finding(
                LedgerCode.OPENING_LOT_FROM_BROKER,
                instrument_id,
                day,
                f"IBKR holds {broker} on {day}, the imported fills {ours}: an "
                f"opening lot of {quantity} at IBKR's basis {q8(cost)} "
                "(costBasisMoney less our open cost) is seeded as the oldest lot, "
                "open date unknown. Backfill older statements to replace it with "
                "real lots.",
            )
        )
    return seeds, findings


def _linked(
    seeded: Iterable[uuid.UUID], actions: dict[uuid.UUID, list[Action]]
) -> set[uuid.UUID]:
    """The seeded instruments and every instrument moves connect them with."""
    edges: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for instrument_id, items in actions.items():
        for item in items:
            if isinstance(item, Move):
                edges[instrument_id].add(item.to_instrument_id)
                edges[item.to_instrument_id].add(instrument_id)
    group: set[uuid.UUID] = set()
    pending = list(seeded)
    while pending:
        current = pending.pop()
        if current not in group:
            group.add(current)
            pending.extend(edges[current] - group)
    return group


def _case_requests(
    account_id: str, books: dict[uuid.UUID, Book], inputs: LedgerInputs
) -> list[CaseRequest]:
    """One case per action whose split the engine refused (ratio mismatch)."""
    codes = {leg.action_id: leg.reorg_code for leg in inputs.legs}
    found: dict[str, CaseRequest] = {}
    for instrument_id in sorted(books, key=str):
        for finding in books[instrument_id].findings:
            action_id = finding.action_id
            if (
                finding.code is not LedgerCode.CORP_ACTION_RATIO_MISMATCH
                or action_id is None
                or action_id in found
            ):
                continue
            found[action_id] = CaseRequest(
                case_id=natural_key_id("corp_action_case", account_id, action_id),
                action_id=action_id,
                action_type=codes.get(action_id, "FS"),
                instrument_id=instrument_id,
                business_date=finding.business_date,
            )
    return [found[a] for a in sorted(found)]


def _instruments_of(action_id: str, legs: Iterable[LegRecord]) -> set[uuid.UUID]:
    return {leg.instrument_id for leg in legs if leg.action_id == action_id}


def _fill_of(record: FillRecord, rates: RateTable) -> tuple[Fill, bool, Finding | None]:
    day = record.report_date
    commission = record.commission or ZERO
    converted = False
    finding: Finding | None = None
    if (
        commission
        and record.commission_currency
        and record.commission_currency != record.currency
    ):
        in_currency = rates.convert(
            commission, record.commission_currency, record.currency, day
        )
        if in_currency is None:
            finding = _fx_missing(
                record, f"its commission in {record.commission_currency}"
            )
        else:
            commission, converted = in_currency, True
    rate, _ = execution_rate(
        record.currency,
        record.fx_rate_to_base,
        record.net_cash,
        record.net_cash_in_base,
        day,
        rates,
    )
    if rate is None and finding is None:
        finding = _fx_missing(record, f"{record.currency} on {day}")
    fill = Fill(
        fill_id=record.event_id,
        instrument_id=record.instrument_id,
        executed_at=record.executed_at,
        business_date=day,
        transaction_id=record.transaction_id,
        ib_exec_id=record.ib_exec_id,
        quantity=record.quantity,
        price=record.price,
        charges=commission + (record.fees or ZERO),
        fx_to_base=rate,
        is_cancellation=record.is_cancellation,
        broker_realized=record.realized_pnl,
        broker_cost=record.cost,
    )
    return fill, converted, finding


def _applied_splits(
    actions: Mapping[uuid.UUID, Sequence[Action]], books: Mapping[uuid.UUID, Book]
) -> Iterable[tuple[uuid.UUID, dt.date, Decimal]]:
    """(instrument, date, new per old) of the splits the engine applied."""
    for instrument_id, items in actions.items():
        book = books.get(instrument_id)
        applied = set(book.applied_actions) if book is not None else set()
        for action in items:
            if isinstance(action, Split) and action.action_id in applied:
                yield instrument_id, action.business_date, action.new / action.old


def _fx_missing(record: FillRecord, what: str) -> Finding:
    return Finding(
        LedgerCode.FX_RATE_MISSING_ALL_SOURCES,
        record.instrument_id,
        record.report_date,
        f"fill {record.ib_exec_id}: no rate for {what} in the row, its net cash or "
        "ConversionRates; base-currency figures are provisional",
        fill_id=record.event_id,
    )


def _corporate_actions(inputs: LedgerInputs) -> Iterable[tuple[uuid.UUID, Action]]:
    by_action: dict[str, list[LegRecord]] = defaultdict(list)
    for leg in inputs.legs:
        by_action[leg.action_id].append(leg)
    for action_id, legs in sorted(by_action.items()):
        first = legs[0]
        if first.reorg_code not in _SPLITS or any(leg.requires_manual for leg in legs):
            continue
        ratio = next((leg.ratio for leg in legs if leg.ratio), None)
        if ratio is None:
            continue
        outgoing = [leg for leg in legs if (leg.quantity or ZERO) < 0]
        source = outgoing[0].instrument_id if outgoing else first.instrument_id
        change = sum((leg.quantity or ZERO for leg in legs), ZERO)
        when = posted_at(first.report_date)
        yield (
            source,
            Split(
                action_id, source, when, first.report_date, ratio[0], ratio[1], change
            ),
        )
        targets = {leg.instrument_id for leg in legs} - {source}
        if len(targets) == 1:
            yield (
                source,
                Move(
                    action_id,
                    source,
                    targets.pop(),
                    when + dt.timedelta(microseconds=1),
                    first.report_date,
                ),
            )
    for link in inputs.links:
        yield (
            link.from_instrument_id,
            Move(
                link.action_id,
                link.from_instrument_id,
                link.to_instrument_id,
                posted_at(link.report_date),
                link.report_date,
            ),
        )


def _cash_items(
    cash: Sequence[CashRecord], rates: RateTable
) -> dict[uuid.UUID, list[CashItem]]:
    found: dict[uuid.UUID, list[CashItem]] = defaultdict(list)
    for row in cash:
        kind = _CASH_KINDS.get(row.cash_action)
        if kind is None:
            continue
        amount = row.amount_in_base
        if amount is None:
            amount = rates.convert(
                row.amount, row.currency, rates.base_currency, row.report_date
            )
        found[row.instrument_id].append(CashItem(row.report_date, kind, amount))
    return found
