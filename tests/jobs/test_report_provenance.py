"""Every report figure on the public fixtures traces back to IBKR's own rows.

For each real statement that gives report rows: every by-instrument row resolves
through provenance to at least one raw record (an event's rows, or the
OpenPositions rows a position older than the file rests on); every by-label row
is the sum of its instruments; every reconciliation row links a raw record and
gives a reason when it misses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from flexledger.db.database import Database
from flexledger.db.tables import RawRecordRow
from flexledger.jobs.labels import assign_label, create_label
from flexledger.jobs.provenance import ProvenanceRequest, trace_provenance
from flexledger.jobs.reconciliation import reconciliation_report
from flexledger.jobs.reports import instrument_report, label_report
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.instruments import import_statement

# The public statements that import as one account and give report rows.
WITH_REPORT_ROWS = (
    "OSadovy__uabean__beancount.xml",
    "clifton__ib-flex__activity_backfill.xml",
    "clifton__ib-flex__activity_cash.xml",
    "clifton__ib-flex__activity_cfds.xml",
    "clifton__ib-flex__activity_corporate_actions.xml",
    "clifton__ib-flex__activity_daily_portfolio.xml",
    "clifton__ib-flex__activity_fractional_shares.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile01.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile02.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile17.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile18.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile20.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile21.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile23.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile24.xml",
    "portfolio-performance__portfolio__testIBFlexStatementFile25.xml",
    "vroonhof__ibflex__activity_basic.xml",
)
_SUMMED = ("realized_pnl", "unrealized_pnl", "total_pnl", "fees", "withholding_tax")


@pytest.mark.parametrize("name", WITH_REPORT_ROWS)
def test_every_report_row_resolves_to_raw_rows(
    database: Database, name: str, record_property: Callable[[str, object], None]
) -> None:
    ids = import_statement(database, FLEX_DIR / name)
    rows = instrument_report(database).rows
    assert rows, f"{name} gives no report row"
    orphans = [
        row.symbol
        for row in rows
        if not _raw_rows_behind(database, row.instrument_id, row.report_date_local)
    ]
    assert orphans == [], f"report rows without a raw record: {orphans}"

    # Two labels over overlapping halves: each label row is its members' sum.
    symbols = sorted(ids)
    first = create_label(database, "first half").label_id
    second = create_label(database, "second half").label_id
    for symbol in symbols[: len(symbols) // 2 + 1]:
        assign_label(database, ids[symbol], first)
    for symbol in symbols[len(symbols) // 2 :]:
        assign_label(database, ids[symbol], second)
    by_instrument = {row.instrument_id: row for row in rows}
    for label in label_report(database).rows:
        members = [by_instrument[i] for i in label.instrument_ids]
        for field in _SUMMED:
            expected = sum((getattr(m, field) for m in members), Decimal(0))
            assert getattr(label, field) == expected, (label.label_name, field)

    diffs = reconciliation_report(database).rows
    stored = _raw_record_ids(database)
    for diff in diffs:
        assert diff.source_raw_record_id in stored, diff
        if not diff.within_tolerance:
            assert diff.reason_code, diff
    record_property("report_rows_checked", len(rows))
    record_property("reconciliation_rows_checked", len(diffs))


def _raw_rows_behind(database: Database, instrument_id: uuid.UUID, day: dt.date) -> int:
    page = trace_provenance(
        database, ProvenanceRequest(instrument_id=instrument_id, date_to=day)
    )
    return sum(len(e.raw_records) for e in page.events) + len(page.position_rows)


def _raw_record_ids(database: Database) -> set[uuid.UUID]:
    with database.unit_of_work() as uow:
        return set(uow.session.scalars(select(RawRecordRow.raw_record_id)))
