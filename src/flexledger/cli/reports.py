"""`flexledger report`: P&L by instrument or by label (table, JSON or CSV v1).

The group also holds `coverage` and `reconciliation` (their own modules).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

import typer

from flexledger.analytics import csv_v1
from flexledger.analytics.coverage import DateRange
from flexledger.analytics.pnl import InstrumentPnl, LabelPnl
from flexledger.cli.coverage import add_coverage_command
from flexledger.cli.output import current_database, reported_errors
from flexledger.cli.reconciliation import add_reconciliation_command
from flexledger.cli.report_options import (
    FormatOption,
    FromOption,
    InstrumentOption,
    LabelOption,
    OutputFormat,
    ToOption,
    check_range,
    json_value,
)
from flexledger.cli.report_options import decimal_text as _cell
from flexledger.config import Capability
from flexledger.db.repositories.reports import PnlReportFilter
from flexledger.jobs.reports import instrument_report, label_report


def _print_json(rows: Sequence[InstrumentPnl | LabelPnl], total: int) -> None:
    items = [
        {k: json_value(v) for k, v in dataclasses.asdict(row).items()} for row in rows
    ]
    typer.echo(json.dumps({"items": items, "total": total}, indent=2))


def _flags(row: InstrumentPnl | LabelPnl) -> str:
    parts = ["provisional"] if row.provisional else []
    if row.unresolved_cases:
        parts.append(f"cases {row.unresolved_cases}")
    if row.diagnostic_codes:
        parts.append(",".join(row.diagnostic_codes))
    return "  ".join(parts)


def _instrument_line(row: InstrumentPnl) -> str:
    return (
        f"{row.report_date_local}  {row.symbol:<10}  {_cell(row.position_qty):>18}  "
        f"{_cell(row.realized_pnl):>16}  {_cell(row.unrealized_pnl):>16}  "
        f"{_cell(row.total_pnl):>16}  {_cell(row.economic_pnl):>16}  "
        f"{row.currency}  {row.instrument_id}  {_flags(row)}"
    ).rstrip()


def _label_line(row: LabelPnl) -> str:
    name = row.label_name if row.label_name is not None else "(unlabelled)"
    return (
        f"{row.report_date_local}  {name:<16}  {row.instrument_count:>3}  "
        f"{_cell(row.realized_pnl):>16}  {_cell(row.unrealized_pnl):>16}  "
        f"{_cell(row.total_pnl):>16}  {_cell(row.economic_pnl):>16}  "
        f"{row.currency}  {row.label_id or '-'}  {_flags(row)}"
    ).rstrip()


_INSTRUMENT_HEADER = (
    f"{'date':<10}  {'symbol':<10}  {'position':>18}  {'realized':>16}  "
    f"{'unrealized':>16}  {'total':>16}  {'economic':>16}"
)
_LABEL_HEADER = (
    f"{'date':<10}  {'label':<16}  {'n':>3}  {'realized':>16}  "
    f"{'unrealized':>16}  {'total':>16}  {'economic':>16}"
)


def _filters(
    date_from: dt.date | None,
    date_to: dt.date | None,
    label_id: uuid.UUID | None,
    instrument_id: uuid.UUID | None,
) -> PnlReportFilter:
    check_range(date_from, date_to)
    return PnlReportFilter(
        report_date_from=date_from,
        report_date_to=date_to,
        instrument_id=instrument_id,
        label_id=label_id,
    )


_Row = TypeVar("_Row", InstrumentPnl, LabelPnl)


def _print_page(
    output: OutputFormat,
    rows: Sequence[_Row],
    total: int,
    noun: str,
    header: str,
    line: Callable[[_Row], str],
    as_csv: Callable[[Sequence[_Row]], str],
) -> None:
    if output is OutputFormat.CSV:
        typer.echo(as_csv(rows), nl=False)
        return
    if output is OutputFormat.JSON:
        _print_json(rows, total)
        return
    if not rows:
        typer.echo("No snapshots in the range.")
        return
    typer.echo(f"{total} {noun}:")
    typer.echo(header)
    for row in rows:
        typer.echo(line(row))


def _warn_about_gaps(gaps: Sequence[DateRange]) -> None:
    """Say on stderr that figures over a coverage gap miss that period's activity."""
    if gaps:
        ranges = ", ".join(
            f"{gap.first_date}..{gap.last_date} ({gap.day_count} day(s))"
            for gap in gaps
        )
        typer.echo(
            f"Warning: the range crosses coverage gaps, dates no imported statement "
            f"covers: {ranges}. Figures miss any activity on them; import those "
            f"statements (flexledger backfill) to close the gaps.",
            err=True,
        )


def report_commands() -> typer.Typer:
    """The `report` command group."""
    report = typer.Typer(
        help="P&L reports from the daily snapshots (base currency).",
        no_args_is_help=True,
    )

    @report.command("by-instrument")
    def by_instrument(
        date_from: FromOption = None,
        date_to: ToOption = None,
        label_id: LabelOption = None,
        instrument_id: InstrumentOption = None,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """P&L per instrument over a date range, by symbol."""
        filters = _filters(date_from, date_to, label_id, instrument_id)
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = instrument_report(database, filters)
        _warn_about_gaps(page.coverage_gaps)
        _print_page(
            output,
            page.rows,
            page.total,
            "instrument(s)",
            _INSTRUMENT_HEADER,
            _instrument_line,
            csv_v1.instrument_csv,
        )

    @report.command("by-label")
    def by_label(
        date_from: FromOption = None,
        date_to: ToOption = None,
        label_id: LabelOption = None,
        instrument_id: InstrumentOption = None,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """P&L per label (sum of its instruments) and for unlabelled instruments."""
        filters = _filters(date_from, date_to, label_id, instrument_id)
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = label_report(database, filters)
        _warn_about_gaps(page.coverage_gaps)
        _print_page(
            output,
            page.rows,
            page.total,
            "label row(s)",
            _LABEL_HEADER,
            _label_line,
            csv_v1.label_csv,
        )

    add_coverage_command(report)
    add_reconciliation_command(report)
    return report
