"""The portfolio per date: each instrument's last snapshot carried forward."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from flexledger.db.database import Database
from flexledger.db.tables import PnlSnapshotDailyRow
from flexledger.jobs.portfolio import portfolio_history, top_positions, totals
from flexledger.jobs.reports import instrument_report
from tests.fixtures.corporate import import_cases_statement


def test_history_sums_every_instrument_on_every_date(database: Database) -> None:
    import_cases_statement(database)
    history = portfolio_history(database)
    assert history.currency == "USD"
    days = [p.report_date_local for p in history.points]
    assert days == sorted(days)
    # One point per snapshot date, not only the report's edges.
    with database.unit_of_work() as uow:
        stored = set(uow.session.scalars(select(PnlSnapshotDailyRow.report_date_local)))
    assert days == sorted(stored)
    assert len(days) > 2
    rows = instrument_report(database).rows
    last = history.points[-1]
    assert last.value == sum((t.value for t in totals(rows)), Decimal(0))
    assert last.provisional  # two mergers wait for a person


def test_top_positions_are_open_and_largest_first(database: Database) -> None:
    import_cases_statement(database)
    top = top_positions(instrument_report(database).rows)
    assert top
    assert all(row.position_qty != 0 for row in top)
