"""`flexledger report reconciliation`: our figures beside IBKR's, for scripts and mail.

Exit status 0 even when rows are out of tolerance (it is a report); `--failing`
lists only those, so `… --failing --format csv | wc -l` tells a cron job whether
there is anything to read.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Sequence
from typing import Annotated

import typer

from flexledger.analytics import csv_v1
from flexledger.analytics.reconciliation import DiffRow, Mode
from flexledger.cli.output import current_database, reported_errors
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
from flexledger.domain.tolerances import Metric
from flexledger.jobs.reconciliation import ReconciliationFilter, reconciliation_report


class MetricChoice(enum.StrEnum):
    """The metrics a reconciliation row can be about."""

    REALIZED_PNL = Metric.REALIZED_PNL.value
    UNREALIZED_PNL = Metric.UNREALIZED_PNL.value
    FEES = Metric.FEES.value
    WITHHOLDING_TAX = Metric.WITHHOLDING_TAX.value
    POSITION_QTY = Metric.POSITION_QTY.value


ModeOption = Annotated[
    Mode,
    typer.Option(
        "--mode", help="Our side: reconciliation (broker-aligned) or economic."
    ),
]
MetricOption = Annotated[
    MetricChoice | None, typer.Option("--metric", help="Only this metric.")
]
FailingOption = Annotated[
    bool, typer.Option("--failing", help="Only rows out of tolerance.")
]

_HEADER = (
    f"{'date':<10}  {'symbol':<10}  {'metric':<15}  {'broker':>16}  {'ours':>16}  "
    f"{'diff':>12}  ok   reason"
)


def add_reconciliation_command(report: typer.Typer) -> None:
    """Add `reconciliation` to the `report` command group."""

    @report.command("reconciliation")
    def reconciliation(
        date_from: FromOption = None,
        date_to: ToOption = None,
        label_id: LabelOption = None,
        instrument_id: InstrumentOption = None,
        metric: MetricOption = None,
        failing: FailingOption = False,
        mode: ModeOption = Mode.RECONCILIATION,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Every figure compared with IBKR's own, judged by the SPEC §11 matrix."""
        check_range(date_from, date_to)
        filters = ReconciliationFilter(
            report_date_from=date_from,
            report_date_to=date_to,
            instrument_id=instrument_id,
            label_id=label_id,
            metric=Metric(metric.value) if metric else None,
            within_tolerance=False if failing else None,
        )
        with reported_errors(), current_database(Capability.REPORTS) as database:
            page = reconciliation_report(database, filters, mode=mode)
        _print(output, page.rows)


def _print(output: OutputFormat, rows: Sequence[DiffRow]) -> None:
    if output is OutputFormat.CSV:
        typer.echo(csv_v1.diff_csv(rows), nl=False)
        return
    if output is OutputFormat.JSON:
        items = [
            {k: json_value(v) for k, v in dataclasses.asdict(row).items()}
            for row in rows
        ]
        typer.echo(json.dumps({"items": items, "total": len(rows)}, indent=2))
        return
    if not rows:
        typer.echo("Nothing to compare in the range.")
        return
    failing = sum(not row.within_tolerance for row in rows)
    typer.echo(f"{len(rows)} comparison(s), {failing} out of tolerance:")
    typer.echo(_HEADER)
    for row in rows:
        typer.echo(_line(row))


def _line(row: DiffRow) -> str:
    verdict = "yes" if row.within_tolerance else "NO "
    flags = "  provisional" if row.provisional else ""
    return (
        f"{row.report_date_local}  {row.symbol:<10}  {row.metric:<15}  "
        f"{_cell(row.broker_value):>16}  {_cell(row.economic_value):>16}  "
        f"{_cell(row.abs_diff):>12}  {verdict}  {row.reason_code or ''}{flags}"
    ).rstrip()
