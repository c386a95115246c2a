"""`GET /reports/coverage` over real HTTP, on the cquillen statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.api_errors import assert_error
from tests.fixtures.coverage import (
    CQUILLEN_CONSOLIDATED,
    CQUILLEN_DAILY,
    DAILY_FIRST,
    DAILY_LAST,
    DAILY_STATEMENTS,
    daily_without_week,
    import_raw,
)
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

COVERAGE = "/reports/coverage"
# The days of the cquillen daily file with a CashTransaction row.
_DAYS_WITH_CASH = {"2026-02-02", "2026-03-04", "2026-04-06"}


@pytest.fixture
def api(database: Database, clean_env: Path) -> Iterator[str]:
    context = AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    with serve_in_thread(create_app(context)) as base_url:
        yield base_url


def _get(api: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{api}{COVERAGE}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_daily_file_is_128_covered_days(api: str, database: Database) -> None:
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)

    body = _get(api)

    assert body["summary"] == {
        "statement_count": DAILY_STATEMENTS,
        "covered_days": DAILY_STATEMENTS,
        "overlap_days": 0,
        "gap_days": 0,
        "empty_section_count": 0,
    }
    assert body["filters"] == {"report_date_from": None, "report_date_to": None}
    assert (body["first_covered_date"], body["last_covered_date"]) == (
        DAILY_FIRST,
        DAILY_LAST,
    )
    assert body["covered_ranges"] == [
        {
            "first_date": DAILY_FIRST,
            "last_date": DAILY_LAST,
            "day_count": DAILY_STATEMENTS,
            "statement_ids": [],
        }
    ]
    assert body["gaps"] == []
    assert body["overlaps"] == []
    # Every weekday of the span has its own statement, holidays included.
    days = body["days"]
    assert len(days) == DAILY_STATEMENTS
    assert {d["status"] for d in days} == {"covered"}
    statements = {s["statement_id"]: s for s in body["statements"]}
    for day in days:
        (statement_id,) = day["statement_ids"]
        statement = statements[statement_id]
        assert statement["from_date"] == statement["to_date"] == day["date"]
    # One artifact, one run, and IBKR's own header of each statement.
    assert len({s["raw_artifact_id"] for s in statements.values()}) == 1
    assert len({tuple(s["ingestion_run_ids"]) for s in statements.values()}) == 1
    first = body["statements"][0]
    assert first["period"] == "Last365CalendarDays"
    assert first["when_generated"] == "20260409;135737"
    assert "Trades" in first["missing_required_sections"]
    assert "CashTransactions" not in first["missing_required_sections"]
    cash_rows = {
        s["to_date"]: s["sections"][0]["row_count"] for s in body["statements"]
    }
    assert {d for d, rows in cash_rows.items() if rows} == _DAYS_WITH_CASH
    assert set(cash_rows.values()) == {0, 1}
    assert all(
        s["sections"] == [{"section_name": "CashTransactions", "row_count": 0}]
        for s in body["statements"]
        if s["to_date"] not in _DAYS_WITH_CASH
    )


def test_missing_statements_are_a_gap(api: str, database: Database) -> None:
    import_raw(database, daily_without_week(), "cquillen-without-christmas-week.xml")

    body = _get(api)

    assert body["summary"]["statement_count"] == DAILY_STATEMENTS - 5
    assert body["summary"]["covered_days"] == DAILY_STATEMENTS - 5
    assert body["summary"]["gap_days"] == 5
    assert body["gaps"] == [
        {
            "first_date": "2025-12-22",
            "last_date": "2025-12-26",
            "day_count": 5,
            "statement_ids": [],
        }
    ]
    gap_days = [d for d in body["days"] if d["status"] == "gap"]
    assert [d["date"] for d in gap_days] == [
        "2025-12-22",
        "2025-12-23",
        "2025-12-24",
        "2025-12-25",
        "2025-12-26",
    ]
    assert all(d["statement_ids"] == [] for d in gap_days)
    assert [(r["first_date"], r["last_date"]) for r in body["covered_ranges"]] == [
        (DAILY_FIRST, "2025-12-19"),
        ("2025-12-29", DAILY_LAST),
    ]


def test_a_window_reports_its_own_days(api: str, database: Database) -> None:
    import_raw(database, daily_without_week(), "cquillen-without-christmas-week.xml")

    december = _get(api, report_date_from="2025-12-01", report_date_to="2025-12-31")
    assert december["filters"] == {
        "report_date_from": "2025-12-01",
        "report_date_to": "2025-12-31",
    }
    assert (december["first_date"], december["last_date"]) == (
        "2025-12-01",
        "2025-12-31",
    )
    assert december["summary"]["statement_count"] == 18
    assert december["summary"]["covered_days"] == 18
    assert len(december["days"]) == 23  # December 2025's weekdays

    # Starting inside the gap: the statements before the window make it a gap.
    inside = _get(api, report_date_from="2025-12-24", report_date_to="2025-12-31")
    assert [(g["first_date"], g["day_count"]) for g in inside["gaps"]] == [
        ("2025-12-24", 3)
    ]


def test_a_backfill_over_the_daily_statements_overlaps(
    api: str, database: Database
) -> None:
    import_raw(database, CQUILLEN_DAILY.read_bytes(), CQUILLEN_DAILY.name)
    import_raw(database, CQUILLEN_CONSOLIDATED.read_bytes(), CQUILLEN_CONSOLIDATED.name)

    body = _get(api)

    # fromDate of the one-year statement comes from its stored bytes.
    backfill = body["statements"][0]
    assert (backfill["from_date"], backfill["to_date"]) == ("2025-04-09", DAILY_LAST)
    assert backfill["sections"] == [
        {"section_name": "CashTransactions", "row_count": 3}
    ]
    assert body["summary"] == {
        "statement_count": DAILY_STATEMENTS + 1,
        "covered_days": 261,  # the weekdays from 2025-04-09 to 2026-04-08
        "overlap_days": DAILY_STATEMENTS,
        "gap_days": 0,
        "empty_section_count": 0,
    }
    (overlap,) = body["overlaps"]
    assert (overlap["first_date"], overlap["last_date"], overlap["day_count"]) == (
        DAILY_FIRST,
        DAILY_LAST,
        DAILY_STATEMENTS,
    )
    assert len(overlap["statement_ids"]) == DAILY_STATEMENTS + 1
    assert backfill["statement_id"] in overlap["statement_ids"]


def test_an_empty_ledger_has_an_empty_calendar(api: str) -> None:
    body = _get(api)

    assert body["summary"]["statement_count"] == 0
    assert body["days"] == []
    assert body["first_date"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"report_date_from": "2026-13-01"},
        {"report_date_to": "yesterday"},
        {"report_date_from": ""},
        {"report_date_from": "2026-02-01", "report_date_to": "2026-01-31"},
        {"format": "csv"},
    ],
)
def test_bad_parameters_are_invalid_filter(api: str, params: dict[str, str]) -> None:
    assert_error(httpx.get(f"{api}{COVERAGE}", params=params), 400, "INVALID_FILTER")


def test_the_openapi_document_describes_the_calendar(api: str) -> None:
    document = httpx.get(f"{api}/api/openapi.json").json()

    operation = document["paths"][COVERAGE]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "report_date_from",
        "report_date_to",
        "format",
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CoverageOut"}
    assert "400" in operation["responses"]
    schema = document["components"]["schemas"]["CoverageOut"]
    assert {"days", "gaps", "overlaps", "empty_sections", "statements"} <= set(
        schema["properties"]
    )


def test_pnl_reports_over_a_gap_say_so(api: str, database: Database) -> None:
    import_raw(database, daily_without_week(), "cut.xml")
    december = {"report_date_from": "2025-12-01", "report_date_to": "2025-12-31"}
    for path in ("/reports/pnl/by-instrument", "/reports/pnl/by-label"):
        body = httpx.get(f"{api}{path}", params=december).json()
        assert body["coverage"] == {
            "crosses_gap": True,
            "gaps": [
                {"first_date": "2025-12-22", "last_date": "2025-12-26", "day_count": 5}
            ],
        }
        exported = httpx.get(f"{api}{path}", params={**december, "format": "csv"})
        assert exported.headers["x-coverage-gaps"] == "2025-12-22..2025-12-26"
    january = {"report_date_from": "2026-01-05", "report_date_to": "2026-01-30"}
    body = httpx.get(f"{api}/reports/pnl/by-instrument", params=january).json()
    assert body["coverage"] == {"crosses_gap": False, "gaps": []}
    exported = httpx.get(
        f"{api}/reports/pnl/by-instrument", params={**january, "format": "csv"}
    )
    assert "x-coverage-gaps" not in exported.headers
