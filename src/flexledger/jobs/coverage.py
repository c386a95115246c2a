"""The coverage calendar of the ledger's account, and the gaps a date range crosses.

Reads the stored statements (sections and row counts aggregated in SQL), takes each
statement's `fromDate`, `period` and `whenGenerated` from its artifact's exact
stored bytes, and hands the periods to `flexledger.analytics.coverage`.

Why the bytes: the stored rows carry only their statement's `toDate`; the opening
`<FlexStatement>` tag, with `fromDate`, is kept nowhere else. Raw data is
immutable (SPEC R1), so an artifact's statement headers never change once read:
they are kept in a small in-process cache, and a second report reads no payload.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flexledger.adapter.statement_reader import StatementReader
from flexledger.analytics.coverage import (
    CoverageCalendar,
    DateRange,
    SectionRows,
    StatementPeriod,
    build_calendar,
)
from flexledger.db.database import Database
from flexledger.db.repositories.accounts import AccountRepository
from flexledger.db.repositories.coverage import CoverageRepository, StoredStatement
from flexledger.domain.errors import InvalidRequestError
from flexledger.domain.flex_dates import parse_flex_date
from flexledger.jobs.cache import BoundedCache

# Headers are a few dozen bytes per statement: this bounds the cache to a few MB.
_CACHE_ARTIFACTS = 4096


@dataclass(frozen=True, slots=True)
class _Header:
    """What a `<FlexStatement>` tag says about its period."""

    from_date: dt.date
    period: str | None
    when_generated: str | None


_Headers = dict[dt.date, _Header]


# Statement headers per (artifact, account): artifacts never change (R1).
_CACHE: BoundedCache[tuple[uuid.UUID, str], _Headers] = BoundedCache(_CACHE_ARTIFACTS)
# Every statement period per (database, account, raw-data fingerprint): raw data
# only grows, and every addition is a run, so a new fingerprint means new rows. Reading
# them aggregates every raw row; a report over a 100k-trade account would pay
# ~0.7 s each time.
_PERIODS: BoundedCache[tuple[str, str, tuple[object, ...]], list[StatementPeriod]] = (
    BoundedCache(8)
)
# Calendars per window of those: every P&L report asks for its range's gaps.
_CALENDARS: BoundedCache[tuple[object, ...], CoverageCalendar] = BoundedCache(32)


def coverage_calendar(
    database: Database,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> CoverageCalendar:
    """The coverage calendar of the ledger's account over a business-date window.

    Args:
        database: the ledger.
        date_from: first business date (inclusive); None: from the first statement.
        date_to: last business date (inclusive); None: to the last statement.

    Returns:
        The calendar; empty before the first import.

    Raises:
        InvalidRequestError: INVALID_FILTER, `date_from` is after `date_to`.
    """
    if date_from and date_to and date_from > date_to:
        raise InvalidRequestError(
            "report_date_from must not be after report_date_to.",
            code="INVALID_FILTER",
        )
    with database.unit_of_work() as uow:
        account = AccountRepository(uow).find()
        if account is None:
            return build_calendar(())
        fingerprint = CoverageRepository(uow).fingerprint(account.account_id)
    key = (database.url, account.account_id, fingerprint)
    every = _PERIODS.get(key)
    if every is None:
        with database.unit_of_work() as uow:
            stored = CoverageRepository(uow).statements(account.account_id)
        every = _periods(database, account.account_id, stored)
        _PERIODS.put(key, every)
    window = (*key, date_from, date_to)
    calendar = _CALENDARS.get(window)
    if calendar is None:
        periods = [p for p in every if date_from is None or p.to_date >= date_from]
        earlier = date_from is not None and any(p.to_date < date_from for p in every)
        calendar = build_calendar(
            periods, date_from=date_from, date_to=date_to, earlier_coverage=earlier
        )
        _CALENDARS.put(window, calendar)
    return calendar


def gaps_within(
    database: Database, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[DateRange, ...]:
    """The coverage gaps inside [date_from, date_to] (None: open at that end).

    For the P&L reports: a range crossing a gap is computed without the missing
    statements' activity, and says so.

    Raises:
        InvalidRequestError: INVALID_FILTER, `date_from` is after `date_to`.
    """
    return coverage_calendar(database, date_from, date_to).gaps


def _periods(
    database: Database, account_id: str, stored: Iterable[StoredStatement]
) -> list[StatementPeriod]:
    periods = []
    for statement in stored:
        headers = _headers(database, statement.raw_artifact_id, account_id)
        # A statement the payload does not describe cannot occur for stored rows;
        # if it did, its rows still prove coverage of their own `toDate`.
        header = headers.get(statement.to_date) or _Header(
            statement.to_date, None, None
        )
        periods.append(
            StatementPeriod(
                raw_artifact_id=statement.raw_artifact_id,
                payload_sha256=statement.payload_sha256,
                ingestion_run_ids=statement.ingestion_run_ids,
                from_date=min(header.from_date, statement.to_date),
                to_date=statement.to_date,
                period=header.period,
                when_generated=header.when_generated,
                sections=tuple(SectionRows(n, c) for n, c in statement.sections),
            )
        )
    return periods


def _headers(
    database: Database, raw_artifact_id: uuid.UUID, account_id: str
) -> _Headers:
    key = (raw_artifact_id, account_id)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with database.unit_of_work() as uow:
        stream = CoverageRepository(uow).payload_stream(raw_artifact_id)
    with stream:
        reader = StatementReader(stream)
        for _ in reader.record_chunks():
            pass  # only the statement headers are wanted, known at the end
    headers: _Headers = {}
    for info in reader.info.statements:
        if info.account_id not in (None, account_id):
            continue  # another account's statement: its rows were never stored
        to_date = parse_flex_date(info.to_date)
        if to_date is None:
            continue
        from_date = parse_flex_date(info.from_date) or to_date
        known = headers.get(to_date)
        if known is not None:
            # Two statements ending on one day share their stored rows' date:
            # together they cover from the earlier start.
            from_date = min(from_date, known.from_date)
        headers[to_date] = _Header(from_date, info.period, info.when_generated)
    _CACHE.put(key, headers)
    return headers
