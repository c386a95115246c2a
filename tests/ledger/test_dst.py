"""Daily snapshots land on the right business date across DST switches.

How the ledger dates things (what these tests pin down): a fill's business date is
IBKR's `reportDate`, taken verbatim; the ledger never converts `executed_at` into
any zone to find a date, so neither the UTC date nor the wall date in New York or
Jerusalem of an execution decides its snapshot. `BUSINESS_TIMEZONE` does not reach
the ledger at all (it dates runs and fetch windows). A snapshot exists on every
date with activity and on every statement date while a position is open; there is
no weekday rule, so a US trading day that is an Israeli weekend (Friday) gets its
snapshot, and a day with no statement and no activity (Sunday) gets none. The one
clock the ledger does read is New York's, for when corporate actions post (20:25).

Every UTC instant below is written out as a literal; `test_the_instants_are_the_
wall_times_the_tests_claim` checks each one against its wall time in both zones, so
a wrong offset in a test would fail there rather than silently pass elsewhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexledger.ledger.compute import compute_ledger, posted_at
from flexledger.ledger.inputs import FillRecord, LedgerInputs, LegRecord, PositionRecord
from flexledger.ledger.matching import matcher_for
from flexledger.ledger.model import LedgerCode
from flexledger.ledger.snapshots import Snapshot
from flexledger.mapping.values import parse_instant

ACCOUNT = "U7000001"
STOCK = uuid.UUID("d57d0000-0000-4000-8000-000000000001")
_FILL_NS = uuid.UUID("d57f0000-0000-4000-8000-000000000000")
NEW_YORK = ZoneInfo("America/New_York")
JERUSALEM = ZoneInfo("Asia/Jerusalem")
FIFO = matcher_for("fifo")
PROPERTIES = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def weekdays(first: str, last: str) -> list[dt.date]:
    """Monday-to-Friday dates from `first` to `last`: one statement per US day."""
    start, end = d(first), d(last)
    days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    return [day for day in days if day.weekday() < 5]


def record(
    exec_id: str,
    executed_at: dt.datetime,
    report_date: str,
    quantity: str,
    price: str,
    *,
    commission: str | None = None,
    cancellation: bool = False,
) -> FillRecord:
    return FillRecord(
        event_id=uuid.uuid5(_FILL_NS, exec_id),
        instrument_id=STOCK,
        ib_exec_id=exec_id,
        transaction_id=None,
        executed_at=executed_at,
        report_date=d(report_date),
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=None if commission is None else Decimal(commission),
        fees=None,
        realized_pnl=None,
        cost=None,
        net_cash=None,
        net_cash_in_base=None,
        fx_rate_to_base=Decimal(1),
        currency="USD",
        commission_currency=None,
        is_cancellation=cancellation,
        close_price=None,
    )


def mark(day: str, position: str, price: str) -> PositionRecord:
    """IBKR's OpenPositions row: its quantity and mark on a statement date."""
    return PositionRecord(STOCK, d(day), Decimal(position), Decimal(price))


def ledger(
    fills: Sequence[FillRecord],
    calendar: Iterable[dt.date],
    positions: Sequence[PositionRecord] = (),
    legs: Sequence[LegRecord] = (),
) -> list[Snapshot]:
    inputs = LedgerInputs(
        fills=list(fills),
        positions=list(positions),
        legs=list(legs),
        calendar=list(calendar),
        currencies={STOCK: "USD"},
    )
    output = compute_ledger(ACCOUNT, "USD", inputs, FIFO)
    return [s for s in output.snapshots if s.instrument_id == STOCK]


def figures(snapshots: Sequence[Snapshot]) -> list[tuple[str, str, str, str]]:
    """(date, position, realized, unrealized) per snapshot, normalised text."""
    return [
        (
            s.business_date.isoformat(),
            _text(s.position_qty),
            _text(s.realized_pnl),
            _text(s.unrealized_pnl),
        )
        for s in snapshots
    ]


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def assert_one_snapshot_per_date(snapshots: Sequence[Snapshot]) -> None:
    dates = [s.business_date for s in snapshots]
    assert dates == sorted(set(dates)), "a date is repeated or out of order"
    assert len({s.snapshot_id for s in snapshots}) == len(snapshots)


# -- the instants themselves -----------------------------------------------------

# (UTC instant, New York wall time, Jerusalem wall time), all with their offsets.
INSTANTS = [
    # New York springs forward on Sunday 2025-03-09 (EST -5 -> EDT -4).
    (utc(2025, 3, 7, 20, 55), "2025-03-07T15:55:00-05:00", "2025-03-07T22:55:00+02:00"),
    (utc(2025, 3, 8, 0, 30), "2025-03-07T19:30:00-05:00", "2025-03-08T02:30:00+02:00"),
    (utc(2025, 3, 10, 8, 30), "2025-03-10T04:30:00-04:00", "2025-03-10T10:30:00+02:00"),
    (
        utc(2025, 3, 10, 19, 55),
        "2025-03-10T15:55:00-04:00",
        "2025-03-10T21:55:00+02:00",
    ),
    # Israel springs forward on Friday 2025-03-28 at 02:00 (IST +2 -> IDT +3).
    (
        utc(2025, 3, 27, 13, 30),
        "2025-03-27T09:30:00-04:00",
        "2025-03-27T15:30:00+02:00",
    ),
    (
        utc(2025, 3, 27, 23, 55),
        "2025-03-27T19:55:00-04:00",
        "2025-03-28T01:55:00+02:00",
    ),
    (utc(2025, 3, 28, 0, 30), "2025-03-27T20:30:00-04:00", "2025-03-28T03:30:00+03:00"),
    (
        utc(2025, 3, 28, 19, 55),
        "2025-03-28T15:55:00-04:00",
        "2025-03-28T22:55:00+03:00",
    ),
    # Israel falls back on Sunday 2025-10-26 at 02:00 (IDT +3 -> IST +2).
    (
        utc(2025, 10, 24, 19, 55),
        "2025-10-24T15:55:00-04:00",
        "2025-10-24T22:55:00+03:00",
    ),
    (
        utc(2025, 10, 27, 0, 30),
        "2025-10-26T20:30:00-04:00",
        "2025-10-27T02:30:00+02:00",
    ),
    (
        utc(2025, 10, 27, 13, 30),
        "2025-10-27T09:30:00-04:00",
        "2025-10-27T15:30:00+02:00",
    ),
    # New York falls back on Sunday 2025-11-02 (EDT -4 -> EST -5).
    (
        utc(2025, 10, 31, 19, 55),
        "2025-10-31T15:55:00-04:00",
        "2025-10-31T21:55:00+02:00",
    ),
    (utc(2025, 11, 3, 2, 30), "2025-11-02T21:30:00-05:00", "2025-11-03T04:30:00+02:00"),
    (
        utc(2025, 11, 3, 14, 30),
        "2025-11-03T09:30:00-05:00",
        "2025-11-03T16:30:00+02:00",
    ),
    (utc(2025, 11, 4, 0, 45), "2025-11-03T19:45:00-05:00", "2025-11-04T02:45:00+02:00"),
]


@pytest.mark.parametrize(("instant", "new_york", "jerusalem"), INSTANTS)
def test_the_instants_are_the_wall_times_the_tests_claim(
    instant: dt.datetime, new_york: str, jerusalem: str
) -> None:
    assert instant.astimezone(NEW_YORK).isoformat() == new_york
    assert instant.astimezone(JERUSALEM).isoformat() == jerusalem
    # What mapping makes of IBKR's zone-less US Eastern `dateTime` text.
    wall = dt.datetime.fromisoformat(new_york)
    assert parse_instant(wall.strftime("%Y%m%d;%H%M%S"), "America/New_York") == instant


# -- New York ---------------------------------------------------------------------


def test_new_york_spring_forward_keeps_each_fill_on_its_report_date() -> None:
    fills = [
        record(
            "F1", utc(2025, 3, 7, 20, 55), "2025-03-07", "10", "100", commission="-1"
        ),
        # 19:30 EST after-hours: Friday in New York, already Saturday in UTC.
        record("F2", utc(2025, 3, 8, 0, 30), "2025-03-07", "5", "101"),
        # 04:30 EDT pre-market, the first Monday on daylight time.
        record("F3", utc(2025, 3, 10, 8, 30), "2025-03-10", "-4", "102"),
        record("F4", utc(2025, 3, 10, 19, 55), "2025-03-10", "-3", "103"),
    ]
    positions = [
        mark("2025-03-07", "15", "100.5"),
        mark("2025-03-10", "8", "104"),
        mark("2025-03-11", "8", "99"),
        mark("2025-03-12", "8", "100"),
    ]
    snapshots = ledger(fills, weekdays("2025-03-05", "2025-03-12"), positions)
    assert_one_snapshot_per_date(snapshots)
    # Lot 1: 10 x 100 + 1 commission = 1001 (100.1 a share); lot 2: 5 x 101 = 505.
    # 03-07: 15 x 100.5 = 1507.5 - 1506 = 1.5.
    # 03-10: sells 4 x (102 - 100.1) = 7.6 and 3 x (103 - 100.1) = 8.7 -> 16.3;
    #        left 3 x 100.1 + 505 = 805.3; 8 x 104 = 832 - 805.3 = 26.7.
    # 03-11: 8 x 99 = 792 - 805.3 = -13.3.  03-12: 8 x 100 = 800 - 805.3 = -5.3.
    # Nothing on 03-08 (F2's UTC date) or 03-09 (the switch itself).
    assert figures(snapshots) == [
        ("2025-03-07", "15", "0", "1.5"),
        ("2025-03-10", "8", "16.3", "26.7"),
        ("2025-03-11", "8", "16.3", "-13.3"),
        ("2025-03-12", "8", "16.3", "-5.3"),
    ]
    assert snapshots[0].fees == Decimal(-1)
    assert not any(s.provisional for s in snapshots)


def test_new_york_fall_back_keeps_each_fill_on_its_report_date() -> None:
    fills = [
        record("G1", utc(2025, 10, 31, 19, 55), "2025-10-31", "20", "50"),
        # 21:30 EST on Sunday 2025-11-02 (overnight session, 02:30 UTC on 11-03):
        # New York's date is the 2nd, UTC's the 3rd; IBKR reports it on Monday.
        record("G2", utc(2025, 11, 3, 2, 30), "2025-11-03", "-5", "52"),
        record("G3", utc(2025, 11, 3, 14, 30), "2025-11-03", "-5", "49"),
        # 19:45 EST after-hours on Monday: already Tuesday in UTC.
        record("G4", utc(2025, 11, 4, 0, 45), "2025-11-03", "2", "48"),
    ]
    positions = [
        mark("2025-10-31", "20", "51"),
        mark("2025-11-03", "12", "47.5"),
        mark("2025-11-04", "12", "50"),
        mark("2025-11-05", "12", "49"),
    ]
    snapshots = ledger(fills, weekdays("2025-10-29", "2025-11-05"), positions)
    assert_one_snapshot_per_date(snapshots)
    # 10-31: 20 x 51 = 1020 - 1000 = 20.
    # 11-03: 5 x (52 - 50) + 5 x (49 - 50) = 5; open 10 x 50 + 2 x 48 = 596;
    #        12 x 47.5 = 570 - 596 = -26.
    # 11-04: 12 x 50 = 600 - 596 = 4.  11-05: 12 x 49 = 588 - 596 = -8.
    # Nothing on 11-01, 11-02 (G2's New York date) or twice on 11-03.
    assert figures(snapshots) == [
        ("2025-10-31", "20", "0", "20"),
        ("2025-11-03", "12", "5", "-26"),
        ("2025-11-04", "12", "5", "4"),
        ("2025-11-05", "12", "5", "-8"),
    ]
    assert not any(s.provisional for s in snapshots)


# (posting evening, last after-hours fill 19:59, IBKR's posting 20:25, overnight
# fill 20:30 which IBKR reports on the next trade date), on each side of both
# switches. The split itself is reported on the next trade date too.
POSTINGS = [
    (
        "2025-03-06",
        utc(2025, 3, 7, 0, 59),
        utc(2025, 3, 7, 1, 25),
        utc(2025, 3, 7, 1, 30),
    ),
    (
        "2025-03-10",
        utc(2025, 3, 10, 23, 59),
        utc(2025, 3, 11, 0, 25),
        utc(2025, 3, 11, 0, 30),
    ),
    (
        "2025-10-30",
        utc(2025, 10, 30, 23, 59),
        utc(2025, 10, 31, 0, 25),
        utc(2025, 10, 31, 0, 30),
    ),
    (
        "2025-11-03",
        utc(2025, 11, 4, 0, 59),
        utc(2025, 11, 4, 1, 25),
        utc(2025, 11, 4, 1, 30),
    ),
]


@pytest.mark.parametrize(("day", "before", "posted", "after"), POSTINGS)
def test_a_split_posts_at_20_25_new_york_the_evening_before_its_report_date(
    day: str, before: dt.datetime, posted: dt.datetime, after: dt.datetime
) -> None:
    # A fixed -4 or -5 offset would be an hour off on one side of each switch and
    # put the split after the 19:59 fill or before the 20:30 one.
    next_day = d(day) + dt.timedelta(days=1)
    assert posted_at(next_day) == posted
    assert before.astimezone(NEW_YORK).time() == dt.time(19, 59)
    assert after.astimezone(NEW_YORK).time() == dt.time(20, 30)
    fills = [
        record("S1", before, day, "10", "40"),
        record("S2", after, next_day.isoformat(), "1", "20"),
    ]
    split = LegRecord(
        "A1", STOCK, "FS", next_day, Decimal(10), False, (Decimal(2), Decimal(1))
    )
    snapshots = ledger(fills, [d(day), next_day], legs=[split])
    assert_one_snapshot_per_date(snapshots)
    # 10 bought before the split, at 40; on the split's report date they are 20
    # at 20 (cost 400 kept), and the overnight fill after the posting is one more
    # share at 20: 21 shares, cost 420.
    assert [(s.business_date, s.position_qty, s.cost_basis) for s in snapshots] == [
        (d(day), Decimal(10), Decimal(400)),
        (next_day, Decimal(21), Decimal(420)),
    ]
    assert not any(
        s.diagnostic_codes and "RATIO" in s.diagnostic_codes for s in snapshots
    )


def correction_fills() -> list[FillRecord]:
    # IBKR books a correction on a later reportDate with the original dateTime, so
    # replay order (by execution instant) and report order disagree: the rebooked
    # fill is replayed before C2 but dated after it.
    return [
        record("C1", utc(2025, 10, 31, 19, 0), "2025-10-31", "10", "100"),
        record("C2", utc(2025, 11, 3, 15, 0), "2025-11-03", "5", "101"),
        record(
            "C1-cancel",
            utc(2025, 10, 31, 19, 0),
            "2025-11-04",
            "-10",
            "100",
            cancellation=True,
        ),
        record("C1-rebooked", utc(2025, 10, 31, 19, 0), "2025-11-04", "10", "99"),
    ]


CORRECTION_MARKS = [
    mark("2025-11-03", "15", "100"),
    mark("2025-11-04", "15", "100"),
    mark("2025-11-05", "15", "102"),
]


def test_a_correction_reported_after_a_newer_trade_stays_in_every_later_snapshot() -> (
    None
):
    snapshots = ledger(
        correction_fills(), weekdays("2025-10-31", "2025-11-05"), CORRECTION_MARKS
    )
    assert_one_snapshot_per_date(snapshots)
    later = [s for s in snapshots if s.business_date >= d("2025-11-03")]
    # Open: 10 x 99 + 5 x 101 = 1495.  11-03 and 11-04: 15 x 100 = 1500 -> 5;
    # 11-05: 15 x 102 = 1530 -> 35. Every fill is in every snapshot from its
    # report date on (before the fix 11-04 and 11-05 held 10 shares, losing C2).
    assert figures(later) == [
        ("2025-11-03", "15", "0", "5"),
        ("2025-11-04", "15", "0", "5"),
        ("2025-11-05", "15", "0", "35"),
    ]


def test_a_correction_reported_after_a_newer_trade_matches_ibkr_positions() -> None:
    snapshots = ledger(
        correction_fills(), weekdays("2025-10-31", "2025-11-05"), CORRECTION_MARKS
    )
    assert not any(
        LedgerCode.POSITION_QTY_MISMATCH in (s.diagnostic_codes or "")
        for s in snapshots
    )


# -- Jerusalem ---------------------------------------------------------------------


def test_jerusalem_spring_forward_dates_by_report_date_not_israeli_wall_time() -> None:
    fills = [
        record("J1", utc(2025, 3, 27, 13, 30), "2025-03-27", "10", "20"),
        # 19:55 EDT Thursday = 01:55 IST Friday, five minutes before Israel's
        # clocks jump: Friday in Jerusalem, Thursday for IBKR.
        record("J2", utc(2025, 3, 27, 23, 55), "2025-03-27", "10", "21"),
        # 20:30 EDT Thursday overnight session = 03:30 IDT Friday (02:30 never
        # happened in Jerusalem that night); IBKR reports it on Friday.
        record("J3", utc(2025, 3, 28, 0, 30), "2025-03-28", "-5", "22"),
        # 22:55 IDT Friday: the Israeli weekend, a US trading day.
        record("J4", utc(2025, 3, 28, 19, 55), "2025-03-28", "-5", "23"),
    ]
    positions = [
        mark("2025-03-27", "20", "21.5"),
        mark("2025-03-28", "10", "23"),
        mark("2025-03-31", "10", "22"),
        mark("2025-04-01", "10", "20"),
    ]
    snapshots = ledger(fills, weekdays("2025-03-26", "2025-04-01"), positions)
    assert_one_snapshot_per_date(snapshots)
    # 03-27: 20 x 21.5 = 430 - (200 + 210) = 20.
    # 03-28: 5 x (22 - 20) + 5 x (23 - 20) = 25; left 10 x 21: 230 - 210 = 20.
    # 03-31: 220 - 210 = 10.  04-01: 200 - 210 = -10.  No Saturday or Sunday.
    assert figures(snapshots) == [
        ("2025-03-27", "20", "0", "20"),
        ("2025-03-28", "10", "25", "20"),
        ("2025-03-31", "10", "25", "10"),
        ("2025-04-01", "10", "25", "-10"),
    ]


def test_jerusalem_fall_back_sunday_gets_no_snapshot_friday_does() -> None:
    fills = [
        # 22:55 IDT Friday 10-24: a Friday snapshot although Israel rests.
        record("K1", utc(2025, 10, 24, 19, 55), "2025-10-24", "8", "30"),
        # 20:30 EDT Sunday 10-26 overnight = 02:30 IST Monday, Israel already back
        # on winter time (before the switch it would have read 03:30).
        record("K2", utc(2025, 10, 27, 0, 30), "2025-10-27", "-3", "31"),
        record("K3", utc(2025, 10, 27, 13, 30), "2025-10-27", "-5", "29"),
    ]
    positions = [mark("2025-10-24", "8", "30.5")]
    snapshots = ledger(fills, weekdays("2025-10-22", "2025-10-29"), positions)
    assert_one_snapshot_per_date(snapshots)
    # Sunday 10-26, an Israeli working day and the night of the switch, has no
    # statement and no activity: no snapshot. Flat after 10-27: none after it.
    # 10-24: 8 x 30.5 = 244 - 240 = 4.  10-27: 3 x 1 + 5 x (-1) = -2.
    assert figures(snapshots) == [
        ("2025-10-24", "8", "0", "4"),
        ("2025-10-27", "0", "-2", "0"),
    ]


def test_a_statement_dated_sunday_gives_a_sunday_snapshot_at_a_fallback_mark() -> None:
    # What the code does, not a claim that it is right: there is no weekday rule,
    # so a statement whose toDate is a Sunday (a window "ending yesterday" run on a
    # Jerusalem Monday) snapshots the held position on that Sunday. IBKR's mark
    # is dated Friday, so Sunday falls to the last trade price, provisional.
    fills = [record("W1", utc(2025, 10, 31, 19, 55), "2025-10-31", "10", "50")]
    positions = [mark("2025-10-31", "10", "51")]
    snapshots = ledger(fills, [d("2025-10-31"), d("2025-11-02")], positions)
    assert_one_snapshot_per_date(snapshots)
    friday, sunday = snapshots
    assert (friday.business_date, friday.unrealized_pnl) == (
        d("2025-10-31"),
        Decimal(10),
    )
    assert not friday.provisional
    assert sunday.business_date == d("2025-11-02")
    assert (sunday.mark_price, sunday.unrealized_pnl) == (Decimal(50), Decimal(0))
    assert sunday.provisional
    assert sunday.diagnostic_codes == LedgerCode.EOD_MARK_FALLBACK_LAST_TRADE


# -- properties ---------------------------------------------------------------------


def ibkr_trade_date(instant: dt.datetime) -> dt.date | None:
    """The US trade date IBKR gives an execution; None outside every session.

    Pre-market, regular and after-hours (04:00-20:00 ET, Monday to Friday) belong
    to their own day; the overnight session (20:00 Sunday to Thursday, to 03:50)
    to the next trading day.
    """
    local = instant.astimezone(NEW_YORK)
    day, time = local.date(), local.time()
    if time >= dt.time(20):
        return day + dt.timedelta(days=1) if day.weekday() in {6, 0, 1, 2, 3} else None
    if time < dt.time(3, 50):
        return day if day.weekday() < 5 else None
    if time >= dt.time(4):
        return day if day.weekday() < 5 else None
    return None


# A week around each switch: Thursday noon UTC to Wednesday noon UTC, in minutes.
SWITCHES = {
    "new-york-spring": utc(2025, 3, 6, 12),
    "jerusalem-spring": utc(2025, 3, 26, 12),
    "jerusalem-fall": utc(2025, 10, 23, 12),
    "new-york-fall": utc(2025, 10, 30, 12),
}
minutes = st.integers(0, 6 * 24 * 60 - 1)
trades = st.lists(
    st.tuples(minutes, st.integers(-9, 9).filter(bool)), min_size=1, max_size=20
)


@PROPERTIES
@given(st.sampled_from(sorted(SWITCHES)), trades, st.integers(-3, 3))
def test_snapshots_follow_report_dates_wherever_the_clocks_change(
    switch: str, raw: list[tuple[int, int]], shift_hours: int
) -> None:
    start = SWITCHES[switch]
    fills: list[FillRecord] = []
    for index, (offset, quantity) in enumerate(raw):
        instant = start + dt.timedelta(minutes=offset)
        day = ibkr_trade_date(instant)
        if day is None:
            continue
        fills.append(record(f"P{index}", instant, day.isoformat(), str(quantity), "10"))
    if not fills:
        return
    calendar = [start.date() + dt.timedelta(days=n) for n in range(8)]
    calendar = [day for day in calendar if day.weekday() < 5]
    snapshots = ledger(fills, calendar)
    assert_one_snapshot_per_date(snapshots)
    reported = {f.report_date for f in fills}
    first = min(reported)
    held: list[dt.date] = []
    for day in sorted(reported | set(calendar)):
        position = sum(f.quantity for f in fills if f.report_date <= day)
        if day >= first and (day in reported or position != 0):
            held.append(day)
    assert [s.business_date for s in snapshots] == held
    for snapshot in snapshots:
        day = snapshot.business_date
        assert snapshot.position_qty == sum(
            f.quantity for f in fills if f.report_date <= day
        )
    # Moving every execution by whole hours (order kept) moves no snapshot.
    moved = [
        record(
            f.ib_exec_id,
            f.executed_at + dt.timedelta(hours=shift_hours),
            f.report_date.isoformat(),
            str(f.quantity),
            "10",
        )
        for f in fills
    ]
    assert figures(ledger(moved, calendar)) == figures(snapshots)
