"""Response shapes of the coverage calendar (`GET /reports/coverage`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from flexledger.analytics.coverage import (
    CoverageCalendar,
    CoverageDay,
    DateRange,
    DayStatus,
    EmptyReason,
    EmptySection,
    StatementPeriod,
)


class SectionRowsOut(BaseModel):
    """A section a statement held; `row_count` 0 = present but empty."""

    section_name: str
    row_count: int


class StatementOut(BaseModel):
    """One stored statement: its period, where it came from, its sections."""

    statement_id: str = Field(
        description="`{raw_artifact_id}/{to_date}`, as the days name it."
    )
    raw_artifact_id: uuid.UUID
    payload_sha256: str
    ingestion_run_ids: list[uuid.UUID]
    from_date: dt.date
    to_date: dt.date
    period: str | None
    when_generated: str | None
    sections: list[SectionRowsOut]
    missing_required_sections: list[str] = Field(
        description="SPEC §6 hard-required sections the statement did not hold."
    )

    @classmethod
    def of(cls, statement: StatementPeriod) -> StatementOut:
        """The API shape of a statement."""
        return cls(
            statement_id=statement.statement_id,
            raw_artifact_id=statement.raw_artifact_id,
            payload_sha256=statement.payload_sha256,
            ingestion_run_ids=list(statement.ingestion_run_ids),
            from_date=statement.from_date,
            to_date=statement.to_date,
            period=statement.period,
            when_generated=statement.when_generated,
            sections=[
                SectionRowsOut(section_name=s.section_name, row_count=s.row_count)
                for s in statement.sections
            ],
            missing_required_sections=list(statement.missing_required_sections),
        )


class CoverageDayOut(BaseModel):
    """One business date and the statements covering it."""

    date: dt.date
    status: DayStatus
    statement_ids: list[str]

    @classmethod
    def of(cls, day: CoverageDay) -> CoverageDayOut:
        """The API shape of a day."""
        return cls(
            date=day.date, status=day.status, statement_ids=list(day.statement_ids)
        )


class DateRangeOut(BaseModel):
    """Consecutive business dates of one kind; weekends between them skipped."""

    first_date: dt.date
    last_date: dt.date
    day_count: int = Field(description="Business dates in the range.")
    statement_ids: list[str] = Field(
        description="Overlaps: the statements covering part of the range."
    )

    @classmethod
    def of(cls, found: DateRange) -> DateRangeOut:
        """The API shape of a range."""
        return cls(
            first_date=found.first_date,
            last_date=found.last_date,
            day_count=found.day_count,
            statement_ids=list(found.statement_ids),
        )


class EmptySectionOut(BaseModel):
    """A section present but empty in a statement where rows were expected."""

    statement_id: str
    to_date: dt.date
    section_name: str
    reason: EmptyReason

    @classmethod
    def of(cls, empty: EmptySection) -> EmptySectionOut:
        """The API shape of an empty section."""
        return cls(
            statement_id=empty.statement_id,
            to_date=empty.to_date,
            section_name=empty.section_name,
            reason=empty.reason,
        )


class CoverageSummaryOut(BaseModel):
    """Counts over the listed days."""

    statement_count: int
    covered_days: int = Field(description="Days covered by one statement or more.")
    overlap_days: int
    gap_days: int
    empty_section_count: int


class CoverageFiltersOut(BaseModel):
    """The window asked for (normalized)."""

    report_date_from: dt.date | None
    report_date_to: dt.date | None


class CoverageOut(BaseModel):
    """The coverage calendar of the ledger's account over the window."""

    filters: CoverageFiltersOut
    first_date: dt.date | None = Field(description="First listed day.")
    last_date: dt.date | None = Field(description="Last listed day.")
    first_covered_date: dt.date | None
    last_covered_date: dt.date | None
    summary: CoverageSummaryOut
    statements: list[StatementOut]
    days: list[CoverageDayOut]
    covered_ranges: list[DateRangeOut]
    gaps: list[DateRangeOut]
    overlaps: list[DateRangeOut]
    empty_sections: list[EmptySectionOut]

    @classmethod
    def of(
        cls,
        calendar: CoverageCalendar,
        date_from: dt.date | None,
        date_to: dt.date | None,
    ) -> CoverageOut:
        """The API shape of a calendar."""
        return cls(
            filters=CoverageFiltersOut(
                report_date_from=date_from, report_date_to=date_to
            ),
            first_date=calendar.first_date,
            last_date=calendar.last_date,
            first_covered_date=calendar.first_covered_date,
            last_covered_date=calendar.last_covered_date,
            summary=CoverageSummaryOut(
                statement_count=len(calendar.statements),
                covered_days=calendar.count(DayStatus.COVERED, DayStatus.OVERLAP),
                overlap_days=calendar.count(DayStatus.OVERLAP),
                gap_days=calendar.count(DayStatus.GAP),
                empty_section_count=len(calendar.empty_sections),
            ),
            statements=[StatementOut.of(s) for s in calendar.statements],
            days=[CoverageDayOut.of(d) for d in calendar.days],
            covered_ranges=[DateRangeOut.of(r) for r in calendar.covered_ranges],
            gaps=[DateRangeOut.of(r) for r in calendar.gaps],
            overlaps=[DateRangeOut.of(r) for r in calendar.overlaps],
            empty_sections=[EmptySectionOut.of(e) for e in calendar.empty_sections],
        )
