"""The coverage job: statement periods from stored bytes, gaps for the P&L reports."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from flexledger.analytics.coverage import DateRange
from flexledger.db.database import Database
from flexledger.db.repositories.coverage import CoverageRepository
from flexledger.domain.errors import InvalidRequestError
from flexledger.jobs.coverage import coverage_calendar, gaps_within
from tests.fixtures.coverage import CQUILLEN_DAILY, daily_without_week, import_raw
from tests.fixtures.flex_files import one_account_statement

_DEC_1, _DEC_31 = dt.date(2025, 12, 1), dt.date(2025, 12, 31)


def test_gaps_within_names_the_missing_week(
    database: Database, clean_env: Path
) -> None:
    import_raw(database, daily_without_week(), "cut.xml")

    assert gaps_within(database, _DEC_1, _DEC_31) == (
        DateRange(dt.date(2025, 12, 22), dt.date(2025, 12, 26), 5),
    )
    assert gaps_within(database, None, None) == gaps_within(database, _DEC_1, None)
    # A range on one side of the gap crosses none.
    assert gaps_within(database, _DEC_1, dt.date(2025, 12, 19)) == ()
    assert gaps_within(database, dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == ()


def test_the_whole_daily_file_has_no_gap(database: Database, clean_env: Path) -> None:
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)

    assert gaps_within(database, None, None) == ()


def test_from_date_comes_from_the_stored_statement(
    database: Database, clean_env: Path
) -> None:
    rows = (
        "<Trades></Trades>"
        '<CashTransactions><CashTransaction transactionID="1" amount="5"/>'
        '<CashTransaction transactionID="2" amount="6"/></CashTransactions>'
    )
    import_raw(database, one_account_statement("20250110", rows), "one.xml")

    calendar = coverage_calendar(database)

    (statement,) = calendar.statements
    # fromDate="20250101" (a Wednesday) .. toDate="20250110": eight weekdays.
    assert (statement.from_date, statement.to_date) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 10),
    )
    assert [(s.section_name, s.row_count) for s in statement.sections] == [
        ("AccountInformation", 1),
        ("CashTransactions", 2),
        ("Trades", 0),
    ]
    assert len(calendar.days) == 8
    assert calendar.empty_sections == ()


def test_a_second_report_reads_no_payload(
    database: Database, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_raw(database, one_account_statement("20250110", ""), "one.xml")
    first = coverage_calendar(database)

    def refuse(self: CoverageRepository, raw_artifact_id: uuid.UUID) -> None:
        raise AssertionError("payload read again")

    monkeypatch.setattr(CoverageRepository, "payload_stream", refuse)
    assert coverage_calendar(database) == first


def test_a_reversed_range_is_refused(database: Database) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        gaps_within(database, _DEC_31, _DEC_1)
    assert refused.value.code == "INVALID_FILTER"


def test_a_later_import_is_seen_at_once(database: Database, clean_env: Path) -> None:
    # The periods are cached per raw-data fingerprint: a new import must show.
    import_raw(database, daily_without_week(), "cut.xml")
    assert gaps_within(database, _DEC_1, _DEC_31) != ()
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)
    assert gaps_within(database, _DEC_1, _DEC_31) == ()
