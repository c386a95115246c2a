"""`flexledger report coverage`: the coverage calendar, as a table or JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid
from typing import Annotated, Any

import typer

from flexledger.analytics.coverage import (
    CoverageCalendar,
    DateRange,
    DayStatus,
    StatementPeriod,
)
from flexledger.cli.output import current_database, reported_errors
from flexledger.cli.report_options import FromOption, ToOption
from flexledger.config import Capability
from flexledger.jobs.coverage import coverage_calendar


class CoverageFormat(enum.StrEnum):
    """How the calendar is printed."""

    TABLE = "table"
    JSON = "json"


CoverageFormatOption = Annotated[
    CoverageFormat, typer.Option("--format", help="table or json.")
]


def add_coverage_command(report: typer.Typer) -> None:
    """Add `coverage` to the `report` command group."""

    @report.command("coverage")
    def coverage(
        date_from: FromOption = None,
        date_to: ToOption = None,
        output: CoverageFormatOption = CoverageFormat.TABLE,
    ) -> None:
        """Business dates covered by the stored statements: gaps, overlaps, empties.

        Weekdays between the first and the last statement that no statement covers
        are gaps; a day two statements cover is an overlap.
        """
        if date_from and date_to and date_from > date_to:
            raise typer.BadParameter("--from must not be after --to")
        with reported_errors(), current_database(Capability.REPORTS) as database:
            calendar = coverage_calendar(database, date_from, date_to)
        if output is CoverageFormat.JSON:
            typer.echo(json.dumps(calendar_json(calendar), indent=2))
        else:
            for line in calendar_lines(calendar):
                typer.echo(line)


def calendar_lines(calendar: CoverageCalendar) -> list[str]:
    """The table: a summary line, then covered ranges, gaps, overlaps, empties."""
    if calendar.first_date is None or calendar.last_date is None:
        return ["No statements cover the range."]
    lines = [
        f"Coverage {calendar.first_date} .. {calendar.last_date}: "
        f"{len(calendar.statements)} statement(s), "
        f"{calendar.count(DayStatus.COVERED, DayStatus.OVERLAP)} covered day(s), "
        f"{calendar.count(DayStatus.GAP)} gap day(s), "
        f"{calendar.count(DayStatus.OVERLAP)} overlap day(s)"
    ]
    lines += _section("Covered", calendar.covered_ranges)
    lines += _section("Gaps", calendar.gaps)
    lines += _section("Overlaps", calendar.overlaps, with_statements=True)
    lines.append("Empty where rows were expected:")
    lines += [
        f"  {e.to_date}  {e.section_name:<28}  {e.reason.value:<30}  {e.statement_id}"
        for e in calendar.empty_sections
    ] or ["  none"]
    return lines


def _section(
    title: str, ranges: tuple[DateRange, ...], *, with_statements: bool = False
) -> list[str]:
    lines = [f"{title}:"]
    for found in ranges:
        line = f"  {found.first_date} .. {found.last_date}  {found.day_count:>5} day(s)"
        if with_statements:
            line += f"  {len(found.statement_ids)} statement(s)"
        lines.append(line)
    return lines if ranges else [*lines, "  none"]


def calendar_json(calendar: CoverageCalendar) -> dict[str, Any]:
    """The calendar as JSON values (dates ISO, ids as text)."""
    return {
        "first_date": _value(calendar.first_date),
        "last_date": _value(calendar.last_date),
        "first_covered_date": _value(calendar.first_covered_date),
        "last_covered_date": _value(calendar.last_covered_date),
        "summary": {
            "statement_count": len(calendar.statements),
            "covered_days": calendar.count(DayStatus.COVERED, DayStatus.OVERLAP),
            "overlap_days": calendar.count(DayStatus.OVERLAP),
            "gap_days": calendar.count(DayStatus.GAP),
            "empty_section_count": len(calendar.empty_sections),
        },
        "statements": [_statement(s) for s in calendar.statements],
        "days": [_record(d) for d in calendar.days],
        "covered_ranges": [_record(r) for r in calendar.covered_ranges],
        "gaps": [_record(r) for r in calendar.gaps],
        "overlaps": [_record(r) for r in calendar.overlaps],
        "empty_sections": [_record(e) for e in calendar.empty_sections],
    }


def _statement(statement: StatementPeriod) -> dict[str, Any]:
    return {
        "statement_id": statement.statement_id,
        **_record(statement),
        "missing_required_sections": list(statement.missing_required_sections),
    }


def _record(item: Any) -> dict[str, Any]:
    return {f.name: _value(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | dt.date):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _record(value)
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    return value
