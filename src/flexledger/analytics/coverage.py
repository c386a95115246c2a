"""The coverage calendar: which business dates the stored statements cover.

Pure: the input is one `StatementPeriod` per stored `FlexStatement` of the account
(its `fromDate`..`toDate`, the sections it held and their row counts), the output a
`CoverageCalendar`.

**Business dates.** A statement's `fromDate`/`toDate` are IBKR business dates, kept
as IBKR writes them (SPEC §4): they are already the dates of `BUSINESS_TIMEZONE`'s
calendar and are never shifted. The calendar lists every weekday, plus any weekend
date a statement starts or ends on (IBKR dates some statements on a weekend). A
weekend inside a statement's period is not listed, and a weekend without a
statement is never a gap. Exchange holidays are ordinary weekdays here: a
"breakout by day" export has a statement for them too (the cquillen file does, for
every weekday from 2025-10-13 to 2026-04-08).

**Status of a listed date.** `covered` by exactly one statement, `overlap` when two
or more statements cover it (a daily statement and a backfill, or the same day
fetched twice as different bytes: harmless, since canonical events are keyed
naturally, but worth knowing), `gap` when none does. Gaps exist only between the
account's first and last covered date: days before the first statement or after
the last are outside the calendar, not gaps. A date window cuts the calendar; a
statement ending before the window (`earlier_coverage`) makes the window's
uncovered days before its first statement gaps too.

**Ranges.** Consecutive listed dates of one kind form a range: covered ranges
(covered and overlap days together), gaps and overlaps. Weekends do not break a
range, since they are not listed: a gap from Friday to Monday is one range of two
days.

**Sections empty where data was expected.** A section present but without rows is
normal for activity sections (no trades on a quiet day; SPEC §6 counts an empty
element as present). A present section without rows is flagged only when:

* it is `AccountInformation`: it describes the account itself, which every
  statement has, and the account and base-currency checks read it (SPEC §0 P3)
  (reason `always_has_rows`); or
* every other reported statement that holds the section, at least two of them, has
  rows in it (reason `rows_in_every_other_statement`): a lone empty section among
  consistently filled ones, as when IBKR returns a section incomplete.

So a Trades section empty on one day of a busy account is flagged for review, while
the cquillen file's CashTransactions, empty on 125 of 128 days, is not. The rule
compares the statements of the report (those overlapping the window). A
hard-required section (SPEC §6) that is absent altogether is reported per
statement as `missing_required_sections` instead.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from flexledger.domain.sections import HARD_REQUIRED

_SATURDAY = 5
_ONE_DAY = dt.timedelta(days=1)
# SPEC §0 P3: the account section, always written with the account's attributes.
_ALWAYS_HAS_ROWS = ("AccountInformation",)
# A pattern needs more than one other statement to be a pattern.
_MIN_OTHER_STATEMENTS = 2


class DayStatus(enum.StrEnum):
    """How a listed business date is covered."""

    COVERED = "covered"
    OVERLAP = "overlap"
    GAP = "gap"


class EmptyReason(enum.StrEnum):
    """Why an empty section was expected to have rows."""

    ALWAYS_HAS_ROWS = "always_has_rows"
    ROWS_IN_EVERY_OTHER_STATEMENT = "rows_in_every_other_statement"


@dataclass(frozen=True, slots=True)
class SectionRows:
    """One section of a statement.

    Attributes:
        section_name: the section element's tag, e.g. ``Trades``.
        row_count: its rows; 0 when the element is present but empty.
    """

    section_name: str
    row_count: int


@dataclass(frozen=True, slots=True)
class StatementPeriod:
    """One stored `FlexStatement`: its period, origin and sections.

    Attributes:
        raw_artifact_id: the artifact (payload) it came in.
        payload_sha256: SHA-256 of that payload.
        ingestion_run_ids: the run(s) that stored its rows.
        from_date: `fromDate`, the first business date it covers.
        to_date: `toDate`, the last (its rows' `report_date_local`).
        period: `period` as IBKR wrote it (e.g. ``LastBusinessDay``), if known.
        when_generated: `whenGenerated` as IBKR wrote it, if known.
        sections: every section it held, empty ones included.
    """

    raw_artifact_id: uuid.UUID
    payload_sha256: str
    ingestion_run_ids: tuple[uuid.UUID, ...]
    from_date: dt.date
    to_date: dt.date
    period: str | None = None
    when_generated: str | None = None
    sections: tuple[SectionRows, ...] = ()

    @property
    def statement_id(self) -> str:
        """``{raw_artifact_id}/{toDate}``: how stored rows name their statement."""
        return f"{self.raw_artifact_id}/{self.to_date.isoformat()}"

    @property
    def missing_required_sections(self) -> tuple[str, ...]:
        """SPEC §6 hard-required sections the statement did not hold at all."""
        held = {s.section_name for s in self.sections}
        return tuple(name for name in HARD_REQUIRED if name not in held)


@dataclass(frozen=True, slots=True)
class CoverageDay:
    """One listed business date and the statements covering it."""

    date: dt.date
    status: DayStatus
    statement_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DateRange:
    """Consecutive listed dates of one kind (weekends between them skipped).

    Attributes:
        first_date: its first listed date.
        last_date: its last listed date.
        day_count: listed dates in it (weekdays, plus weekend statement dates).
        statement_ids: for overlaps, every statement covering part of it.
    """

    first_date: dt.date
    last_date: dt.date
    day_count: int
    statement_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EmptySection:
    """A section present but empty where rows were expected (module docstring)."""

    statement_id: str
    to_date: dt.date
    section_name: str
    reason: EmptyReason


@dataclass(frozen=True, slots=True)
class CoverageCalendar:
    """The calendar over a window.

    Attributes:
        first_date: first listed date (None: nothing in the window).
        last_date: last listed date.
        first_covered_date: first date any reported statement covers.
        last_covered_date: last date any reported statement covers.
        statements: the statements overlapping the window, by period.
        days: every listed date from `first_date` to `last_date`.
        covered_ranges: runs of covered or overlap days.
        gaps: runs of gap days.
        overlaps: runs of overlap days.
        empty_sections: sections empty where rows were expected.
    """

    first_date: dt.date | None
    last_date: dt.date | None
    first_covered_date: dt.date | None
    last_covered_date: dt.date | None
    statements: tuple[StatementPeriod, ...]
    days: tuple[CoverageDay, ...]
    covered_ranges: tuple[DateRange, ...]
    gaps: tuple[DateRange, ...]
    overlaps: tuple[DateRange, ...]
    empty_sections: tuple[EmptySection, ...] = field(default=())

    def count(self, *statuses: DayStatus) -> int:
        """How many listed days have one of `statuses`."""
        return sum(1 for day in self.days if day.status in statuses)


def is_weekday(date: dt.date) -> bool:
    """Monday to Friday."""
    return date.weekday() < _SATURDAY


def build_calendar(
    statements: Iterable[StatementPeriod],
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    earlier_coverage: bool = False,
) -> CoverageCalendar:
    """The coverage calendar of one account's statements over a window.

    Args:
        statements: the account's statements; those outside the window still bound
            the calendar (a statement after the window makes the window's tail a
            gap).
        date_from: first business date of the window (inclusive), None: open.
        date_to: last business date of the window (inclusive), None: open.
        earlier_coverage: the account has statements ending before `date_from`
            (not passed in), so the window's uncovered start is a gap.

    Returns:
        The calendar; empty when no statement bounds the window.
    """
    known = sorted(statements, key=_period_key)
    if not known:
        return _empty_calendar()
    reported = tuple(s for s in known if _overlaps(s, date_from, date_to))
    start = min(s.from_date for s in known)
    if earlier_coverage and date_from is not None:
        start = min(start, date_from)
    end = max(s.to_date for s in known)
    first = max(start, date_from) if date_from else start
    last = min(end, date_to) if date_to else end
    days = _days(reported, first, last) if first <= last else ()
    covered = [d.date for d in days if d.status is not DayStatus.GAP]
    return CoverageCalendar(
        first_date=days[0].date if days else None,
        last_date=days[-1].date if days else None,
        first_covered_date=covered[0] if covered else None,
        last_covered_date=covered[-1] if covered else None,
        statements=reported,
        days=days,
        covered_ranges=tuple(
            _runs(days, (DayStatus.COVERED, DayStatus.OVERLAP), with_ids=False)
        ),
        gaps=tuple(_runs(days, (DayStatus.GAP,), with_ids=False)),
        overlaps=tuple(_runs(days, (DayStatus.OVERLAP,), with_ids=True)),
        empty_sections=tuple(_empty_sections(reported)),
    )


def gaps_between(
    statements: Iterable[StatementPeriod],
    date_from: dt.date | None,
    date_to: dt.date | None,
    *,
    earlier_coverage: bool = False,
) -> tuple[DateRange, ...]:
    """The gap ranges inside [date_from, date_to] (see `build_calendar`)."""
    calendar = build_calendar(
        statements,
        date_from=date_from,
        date_to=date_to,
        earlier_coverage=earlier_coverage,
    )
    return calendar.gaps


def _empty_calendar() -> CoverageCalendar:
    return CoverageCalendar(None, None, None, None, (), (), (), (), ())


def _period_key(statement: StatementPeriod) -> tuple[dt.date, dt.date, str]:
    return (statement.from_date, statement.to_date, str(statement.raw_artifact_id))


def _overlaps(
    statement: StatementPeriod, date_from: dt.date | None, date_to: dt.date | None
) -> bool:
    after_start = date_from is None or statement.to_date >= date_from
    before_end = date_to is None or statement.from_date <= date_to
    return after_start and before_end


def _days(
    statements: Sequence[StatementPeriod], first: dt.date, last: dt.date
) -> tuple[CoverageDay, ...]:
    covering: dict[dt.date, list[str]] = {}
    weekend_dates: set[dt.date] = set()
    for statement in statements:
        for edge in (statement.from_date, statement.to_date):
            if not is_weekday(edge) and first <= edge <= last:
                weekend_dates.add(edge)
        lo = max(statement.from_date, first)
        hi = min(statement.to_date, last)
        for date in _dates(lo, hi):
            covering.setdefault(date, []).append(statement.statement_id)
    days = []
    for date in _dates(first, last):
        if not is_weekday(date) and date not in weekend_dates:
            continue
        ids = tuple(covering.get(date, ()))
        days.append(CoverageDay(date, _status(len(ids)), ids))
    return tuple(days)


def _status(statement_count: int) -> DayStatus:
    if statement_count == 0:
        return DayStatus.GAP
    if statement_count == 1:
        return DayStatus.COVERED
    return DayStatus.OVERLAP


def _dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    date = first
    while date <= last:
        yield date
        date += _ONE_DAY


def _runs(
    days: Sequence[CoverageDay], statuses: tuple[DayStatus, ...], *, with_ids: bool
) -> Iterator[DateRange]:
    run: list[CoverageDay] = []
    for day in (*days, None):
        if day is not None and day.status in statuses:
            run.append(day)
            continue
        if run:
            ids: dict[str, None] = {}
            if with_ids:
                for member in run:
                    ids.update(dict.fromkeys(member.statement_ids))
            yield DateRange(run[0].date, run[-1].date, len(run), tuple(ids))
            run = []


def _empty_sections(
    statements: Sequence[StatementPeriod],
) -> Iterator[EmptySection]:
    # section name -> (statements holding it, statements with rows in it)
    holding: dict[str, int] = {}
    filled: dict[str, int] = {}
    for statement in statements:
        for section in statement.sections:
            name = section.section_name
            holding[name] = holding.get(name, 0) + 1
            if section.row_count:
                filled[name] = filled.get(name, 0) + 1
    for statement in statements:
        for section in statement.sections:
            if section.row_count:
                continue
            reason = _empty_reason(
                section.section_name,
                others=holding[section.section_name] - 1,
                others_filled=filled.get(section.section_name, 0),
            )
            if reason is not None:
                yield EmptySection(
                    statement.statement_id,
                    statement.to_date,
                    section.section_name,
                    reason,
                )


def _empty_reason(name: str, *, others: int, others_filled: int) -> EmptyReason | None:
    if name in _ALWAYS_HAS_ROWS:
        return EmptyReason.ALWAYS_HAS_ROWS
    if others >= _MIN_OTHER_STATEMENTS and others_filled == others:
        return EmptyReason.ROWS_IN_EVERY_OTHER_STATEMENT
    return None
