"""The coverage calendar: covered days, gaps, overlaps, weekends, empty sections."""

from __future__ import annotations

import datetime as dt
import uuid

from flexledger.analytics.coverage import (
    CoverageCalendar,
    DateRange,
    DayStatus,
    EmptyReason,
    SectionRows,
    StatementPeriod,
    build_calendar,
    gaps_between,
    is_weekday,
)
from flexledger.domain.sections import HARD_REQUIRED

_ARTIFACT = uuid.UUID("00000000-0000-0000-0000-00000000000a")
_OTHER_ARTIFACT = uuid.UUID("00000000-0000-0000-0000-00000000000b")
_RUN = uuid.UUID("00000000-0000-0000-0000-0000000000f1")


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _statement(
    from_date: str,
    to_date: str | None = None,
    *,
    artifact: uuid.UUID = _ARTIFACT,
    **sections: int,
) -> StatementPeriod:
    return StatementPeriod(
        raw_artifact_id=artifact,
        payload_sha256="ab" * 32,
        ingestion_run_ids=(_RUN,),
        from_date=_date(from_date),
        to_date=_date(to_date or from_date),
        sections=tuple(SectionRows(name, rows) for name, rows in sections.items()),
    )


def _daily(*dates: str) -> list[StatementPeriod]:
    return [_statement(date) for date in dates]


def _statuses(calendar: CoverageCalendar) -> dict[str, str]:
    return {day.date.isoformat(): day.status.value for day in calendar.days}


def test_consecutive_daily_statements_are_one_covered_range() -> None:
    # Mon 2026-01-05 .. Fri 2026-01-09, then Mon 2026-01-12: the weekend between
    # is neither listed nor a gap.
    dates = ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09")
    calendar = build_calendar(_daily(*dates, "2026-01-12"))

    assert [d.date.isoformat() for d in calendar.days] == [*dates, "2026-01-12"]
    assert {d.status for d in calendar.days} == {DayStatus.COVERED}
    assert calendar.covered_ranges == (
        DateRange(_date("2026-01-05"), _date("2026-01-12"), 6),
    )
    assert calendar.gaps == ()
    assert calendar.overlaps == ()
    assert (calendar.first_covered_date, calendar.last_covered_date) == (
        _date("2026-01-05"),
        _date("2026-01-12"),
    )


def test_missing_weekdays_between_statements_are_a_gap() -> None:
    calendar = build_calendar(_daily("2026-01-07", "2026-01-14"))

    # Thu 8, Fri 9, Mon 12, Tue 13: one gap of four business days.
    assert calendar.gaps == (DateRange(_date("2026-01-08"), _date("2026-01-13"), 4),)
    assert _statuses(calendar) == {
        "2026-01-07": "covered",
        "2026-01-08": "gap",
        "2026-01-09": "gap",
        "2026-01-12": "gap",
        "2026-01-13": "gap",
        "2026-01-14": "covered",
    }
    assert [(r.first_date.day, r.last_date.day) for r in calendar.covered_ranges] == [
        (7, 7),
        (14, 14),
    ]
    assert calendar.count(DayStatus.GAP) == 4


def test_a_missing_monday_alone_is_a_one_day_gap() -> None:
    calendar = build_calendar(_daily("2026-01-09", "2026-01-13"))

    assert calendar.gaps == (DateRange(_date("2026-01-12"), _date("2026-01-12"), 1),)


def test_a_weekend_without_statements_is_never_a_gap() -> None:
    calendar = build_calendar(_daily("2026-01-09", "2026-01-12"))

    assert calendar.gaps == ()
    assert all(is_weekday(day.date) for day in calendar.days)


def test_a_statement_dated_on_a_weekend_is_listed() -> None:
    # IBKR dates some statements on a Saturday: that date is shown covered, and it
    # splits what would otherwise be one gap.
    calendar = build_calendar(_daily("2026-01-08", "2026-01-10", "2026-01-14"))

    assert _statuses(calendar) == {
        "2026-01-08": "covered",
        "2026-01-09": "gap",
        "2026-01-10": "covered",
        "2026-01-12": "gap",
        "2026-01-13": "gap",
        "2026-01-14": "covered",
    }
    assert [
        (g.first_date.day, g.last_date.day, g.day_count) for g in calendar.gaps
    ] == [
        (9, 9, 1),
        (12, 13, 2),
    ]


def test_a_multi_day_statement_covers_its_business_days_only() -> None:
    # Fri 2026-01-02 .. Tue 2026-01-06: four business days, the weekend skipped.
    calendar = build_calendar([_statement("2026-01-02", "2026-01-06")])

    assert [d.date.day for d in calendar.days] == [2, 5, 6]
    assert calendar.covered_ranges == (
        DateRange(_date("2026-01-02"), _date("2026-01-06"), 3),
    )
    (statement,) = calendar.statements
    assert {d.statement_ids for d in calendar.days} == {(statement.statement_id,)}
    assert statement.statement_id == f"{_ARTIFACT}/2026-01-06"


def test_overlapping_statements_mark_the_shared_days() -> None:
    backfill = _statement("2026-01-05", "2026-01-09", artifact=_OTHER_ARTIFACT)
    daily = _daily("2026-01-08", "2026-01-09", "2026-01-12")
    calendar = build_calendar([*daily, backfill])

    assert _statuses(calendar) == {
        "2026-01-05": "covered",
        "2026-01-06": "covered",
        "2026-01-07": "covered",
        "2026-01-08": "overlap",
        "2026-01-09": "overlap",
        "2026-01-12": "covered",
    }
    (overlap,) = calendar.overlaps
    assert (overlap.first_date, overlap.last_date, overlap.day_count) == (
        _date("2026-01-08"),
        _date("2026-01-09"),
        2,
    )
    assert set(overlap.statement_ids) == {
        backfill.statement_id,
        daily[0].statement_id,
        daily[1].statement_id,
    }
    assert calendar.covered_ranges == (
        DateRange(_date("2026-01-05"), _date("2026-01-12"), 6),
    )
    assert calendar.count(DayStatus.COVERED, DayStatus.OVERLAP) == 6
    # Statements come by period: the backfill starts first.
    assert calendar.statements[0] == backfill


def test_one_file_of_many_daily_statements() -> None:
    # One artifact holding a statement per day (IBKR's "breakout by day").
    statements = [
        _statement(f"2026-02-{day:02d}", CashTransactions=1 if day == 4 else 0)
        for day in (2, 3, 4, 5, 6, 9, 10)
    ]
    calendar = build_calendar(statements)

    assert len(calendar.statements) == 7
    assert len({s.statement_id for s in calendar.statements}) == 7
    assert calendar.count(DayStatus.COVERED) == 7
    assert calendar.gaps == ()
    # Six empty CashTransactions sections are ordinary quiet days.
    assert calendar.empty_sections == ()


def test_the_window_cuts_the_calendar() -> None:
    statements = _daily("2026-01-05", "2026-01-06", "2026-01-09", "2026-01-12")
    calendar = build_calendar(
        statements, date_from=_date("2026-01-06"), date_to=_date("2026-01-09")
    )

    assert [d.date.day for d in calendar.days] == [6, 7, 8, 9]
    assert calendar.gaps == (DateRange(_date("2026-01-07"), _date("2026-01-08"), 2),)
    assert [s.to_date.day for s in calendar.statements] == [6, 9]


def test_days_outside_the_statements_are_not_gaps() -> None:
    calendar = build_calendar(
        _daily("2026-01-07", "2026-01-08"),
        date_from=_date("2026-01-01"),
        date_to=_date("2026-01-31"),
    )

    assert (calendar.first_date, calendar.last_date) == (
        _date("2026-01-07"),
        _date("2026-01-08"),
    )
    assert calendar.gaps == ()


def test_a_statement_after_the_window_makes_its_tail_a_gap() -> None:
    calendar = build_calendar(
        _daily("2026-01-05", "2026-01-12"), date_to=_date("2026-01-07")
    )

    assert calendar.gaps == (DateRange(_date("2026-01-06"), _date("2026-01-07"), 2),)
    assert [s.to_date.day for s in calendar.statements] == [5]


def test_earlier_coverage_makes_the_window_start_a_gap() -> None:
    later = _daily("2026-01-09")
    start, end = _date("2026-01-07"), _date("2026-01-09")

    alone = build_calendar(later, date_from=start, date_to=end)
    assert alone.gaps == ()
    after_earlier = build_calendar(
        later, date_from=start, date_to=end, earlier_coverage=True
    )
    assert after_earlier.gaps == (
        DateRange(_date("2026-01-07"), _date("2026-01-08"), 2),
    )
    assert after_earlier.first_covered_date == _date("2026-01-09")


def test_gaps_between_answers_the_gaps_of_a_range() -> None:
    statements = _daily("2026-01-05", "2026-01-08", "2026-01-15")

    assert gaps_between(statements, _date("2026-01-05"), _date("2026-01-08")) == (
        DateRange(_date("2026-01-06"), _date("2026-01-07"), 2),
    )
    assert gaps_between(statements, _date("2026-01-08"), _date("2026-01-08")) == ()
    assert len(gaps_between(statements, None, None)) == 2


def test_no_statements_is_an_empty_calendar() -> None:
    calendar = build_calendar([])

    assert calendar.days == ()
    assert calendar.first_date is None
    assert calendar.first_covered_date is None
    assert calendar.gaps == ()


def test_a_lone_empty_section_among_filled_ones_is_flagged() -> None:
    dates = ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08")
    statements = [
        _statement(d, OpenPositions=0 if d == "2026-01-07" else 12, Trades=0)
        for d in dates
    ]
    calendar = build_calendar(statements)

    (empty,) = calendar.empty_sections
    assert (empty.to_date, empty.section_name, empty.reason) == (
        _date("2026-01-07"),
        "OpenPositions",
        EmptyReason.ROWS_IN_EVERY_OTHER_STATEMENT,
    )
    assert empty.statement_id == statements[2].statement_id


def test_empty_sections_that_are_often_empty_are_not_flagged() -> None:
    # Trades on two of four days: a quiet day is not a missing one.
    statements = [
        _statement("2026-01-05", Trades=3),
        _statement("2026-01-06", Trades=0),
        _statement("2026-01-07", Trades=5),
        _statement("2026-01-08", Trades=0),
    ]
    assert build_calendar(statements).empty_sections == ()


def test_one_other_statement_is_no_pattern() -> None:
    statements = [
        _statement("2026-01-05", Trades=3),
        _statement("2026-01-06", Trades=0),
    ]

    assert build_calendar(statements).empty_sections == ()


def test_an_empty_account_information_is_always_flagged() -> None:
    calendar = build_calendar([_statement("2026-01-05", AccountInformation=0)])

    (empty,) = calendar.empty_sections
    assert (empty.section_name, empty.reason) == (
        "AccountInformation",
        EmptyReason.ALWAYS_HAS_ROWS,
    )


def test_missing_required_sections_are_named_per_statement() -> None:
    statement = _statement("2026-01-05", Trades=0, AccountInformation=1)

    assert statement.missing_required_sections == tuple(
        name for name in HARD_REQUIRED if name not in ("Trades", "AccountInformation")
    )
