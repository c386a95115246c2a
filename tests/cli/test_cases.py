"""`flexledger cases` as a real process: list, resolve, dismiss, exit codes."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from flexledger.db.database import Database
from flexledger.domain.cases import CaseStatus
from flexledger.jobs.cases import get_case, list_cases
from tests.fixtures.cli import run_cli
from tests.fixtures.corporate import import_cases_statement, snapshots


def _cases(
    database: Database, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_cli(database, tmp_path, "cases", *args)


@pytest.fixture
def case_ids(database: Database) -> dict[str, uuid.UUID]:
    import_cases_statement(database)
    return {c.symbol or "": c.case_id for c in list_cases(database).cases}


def test_list_shows_open_cases_and_filters(
    database: Database, tmp_path: Path, case_ids: dict[str, uuid.UUID]
) -> None:
    result = _cases(database, tmp_path, "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2 case(s):"
    for symbol, case_id in case_ids.items():
        (line,) = [line for line in result.stdout.splitlines() if str(case_id) in line]
        assert all(word in line for word in ("open", "TC", symbol))
    resolved = _cases(database, tmp_path, "list", "--status", "resolved")
    assert (resolved.returncode, resolved.stdout.strip()) == (0, "No resolved cases.")
    bad = _cases(database, tmp_path, "list", "--status", "closed")
    assert bad.returncode == 2


def test_resolve_then_refuse_a_second_close(
    database: Database, tmp_path: Path, case_ids: dict[str, uuid.UUID]
) -> None:
    case_id = str(case_ids["MRGR"])
    result = _cases(
        database,
        tmp_path,
        "resolve",
        case_id,
        "--note",
        "basis carried to ACQR",
        "--owner",
        "dana",
        "--quantity-adjustment",
        "-10",
        "--cost-adjustment",
        "1001.5",
    )
    assert result.returncode == 0, result.stderr
    assert f"case {case_id} resolved by dana: basis carried to ACQR" in result.stdout
    assert "quantity -10.00000000, cost 1001.50000000" in result.stdout
    assert "recomputed, no open cases left" in result.stdout
    assert not any(r["provisional"] for r in snapshots(database, "MRGR"))
    assert all(r["provisional"] for r in snapshots(database, "OTHR"))

    again = _cases(database, tmp_path, "dismiss", case_id, "--note", "again")
    assert again.returncode == 1
    assert "Error [CASE_ALREADY_CLOSED]" in again.stderr
    assert "already resolved" in again.stderr


def test_dismiss(
    database: Database, tmp_path: Path, case_ids: dict[str, uuid.UUID]
) -> None:
    case_id = case_ids["OTHR"]
    result = _cases(database, tmp_path, "dismiss", str(case_id), "--note", "no-op")
    assert result.returncode == 0, result.stderr
    assert f"case {case_id} dismissed: no-op" in result.stdout
    assert get_case(database, case_id).status is CaseStatus.DISMISSED


def test_errors_exit_non_zero_with_a_message(
    database: Database, tmp_path: Path, case_ids: dict[str, uuid.UUID]
) -> None:
    case_id = str(case_ids["MRGR"])
    blank = _cases(database, tmp_path, "resolve", case_id, "--note", "  ")
    assert blank.returncode == 1
    assert "Error [CASE_NOTE_REQUIRED]" in blank.stderr
    unknown = _cases(database, tmp_path, "resolve", str(uuid.uuid4()), "--note", "x")
    assert unknown.returncode == 1
    assert "Error [NOT_FOUND]" in unknown.stderr
    assert "flexledger cases list" in unknown.stderr
    # Usage errors (Typer/Click) exit 2.
    for args in (
        ("resolve", case_id),
        ("resolve", case_id, "--note", "x", "--quantity-adjustment", "ten"),
    ):
        assert _cases(database, tmp_path, *args).returncode == 2, args
    assert get_case(database, case_ids["MRGR"]).is_open
