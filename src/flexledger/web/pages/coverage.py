"""Coverage calendar: which business days the stored statements cover.

The calendar is `coverage_calendar`'s (the API's `GET /reports/coverage`); this
module only lays its days out as month grids, Monday first, for the template.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexledger.analytics.coverage import CoverageCalendar, CoverageDay, DayStatus
from flexledger.jobs.coverage import coverage_calendar
from flexledger.web.deps import ContextDep
from flexledger.web.pages.forms import date_range
from flexledger.web.pages.rendering import PageRoute, render
from flexledger.web.pages.words import EMPTY_REASONS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

_DECEMBER = 12
_WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_SHOWN = {
    DayStatus.COVERED: "covered by one statement",
    DayStatus.OVERLAP: "covered by more than one statement",
    DayStatus.GAP: "no statement covers it",
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One date of a month grid: its CSS class and what a hover says."""

    day: int
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Month:
    """One month: its name and its weeks (None pads a week to seven days)."""

    title: str
    weeks: list[list[Cell | None]]


@router.get("/coverage", response_class=HTMLResponse)
def coverage(request: Request, context: ContextDep) -> HTMLResponse:
    """The calendar, the statements, gaps, overlaps and empty sections."""
    date_from, date_to = date_range(request.query_params)
    found = coverage_calendar(context.database, date_from, date_to)
    periods = {s.statement_id: s for s in found.statements}
    return render(
        request,
        "pages/coverage.html",
        calendar=found,
        months=month_grids(found),
        weekdays=_WEEKDAYS,
        periods=periods,
        covered=found.count(DayStatus.COVERED),
        overlapping=found.count(DayStatus.OVERLAP),
        missing=found.count(DayStatus.GAP),
        empty_reasons=EMPTY_REASONS,
        date_from=date_from,
        date_to=date_to,
    )


def month_grids(found: CoverageCalendar) -> list[Month]:
    """Every month from the calendar's first to its last listed date."""
    if found.first_date is None or found.last_date is None:
        return []
    first, last = found.first_date, found.last_date
    listed = {day.date: day for day in found.days}
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks: list[list[Cell | None]] = []
        for week in calendar.Calendar().monthdatescalendar(year, month):
            row: list[Cell | None] = []
            for date in week:
                in_month = date.month == month
                row.append(
                    _cell(date, listed.get(date), first, last) if in_month else None
                )
            weeks.append(row)
        months.append(Month(f"{calendar.month_name[month]} {year}", weeks))
        year, month = (year + 1, 1) if month == _DECEMBER else (year, month + 1)
    return months


def _cell(
    date: dt.date, listed: CoverageDay | None, first: dt.date, last: dt.date
) -> Cell:
    if listed is None:
        outside = date < first or date > last
        kind = "outside" if outside else "weekend"
        words = "outside the calendar" if outside else "weekend, not listed"
        return Cell(date.day, f"day-{kind}", f"{date.isoformat()}: {words}")
    return Cell(
        date.day,
        f"day-{listed.status.value}",
        f"{date.isoformat()}: {_SHOWN[listed.status]}",
    )
