"""Warnings before the Flex token's configured expiry (IBKR_FLEX_TOKEN_EXPIRES)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.db.repositories.runs import RunRepository
from flexledger.domain.clock import utc_now
from flexledger.jobs.fetch import fetch_and_ingest
from flexledger.jobs.ingest import business_date
from flexledger.jobs.token_expiry import (
    WARNING_DAYS,
    token_days_left,
    token_expiry_warning,
)
from tests.fixtures.environment import clean_environ
from tests.fixtures.flex_server import QUERY_ID, FlexWorld

FLEXLEDGER = str(Path(sys.executable).with_name("flexledger"))
TODAY = dt.date(2026, 3, 1)


def _today() -> dt.date:
    """The business date the CLI and the jobs count days from (SPEC §4)."""
    return business_date(utc_now(), load_settings(_env_file=None).business_timezone)


def _warning(expires: dt.date | None) -> str | None:
    settings = load_settings(_env_file=None, ibkr_flex_token_expires=expires)
    return token_expiry_warning(settings, today=TODAY)


def test_no_expiry_configured_means_no_warning_and_no_days(clean_env: Path) -> None:
    settings = load_settings(_env_file=None)
    assert settings.ibkr_flex_token_expires is None
    assert token_days_left(settings, TODAY) is None
    assert _warning(None) is None


def test_quiet_until_the_warning_window(clean_env: Path) -> None:
    assert _warning(TODAY + dt.timedelta(days=WARNING_DAYS + 1)) is None


@pytest.mark.parametrize(
    ("days", "says"),
    [
        (WARNING_DAYS, f"expires on 2026-03-15, in {WARNING_DAYS} day(s)"),
        (1, "expires on 2026-03-02, in 1 day(s)"),
        (0, "expires today (2026-03-01)"),
        (-3, "expired on 2026-02-26 (3 day(s) ago): fetches will fail"),
    ],
)
def test_the_warning_says_when_and_what_to_do(
    clean_env: Path, days: int, says: str
) -> None:
    warning = _warning(TODAY + dt.timedelta(days=days))
    assert warning is not None
    assert says in warning
    assert "Client Portal" in warning
    assert "IBKR_FLEX_TOKEN_EXPIRES" in warning


def test_days_left_is_negative_once_past(clean_env: Path) -> None:
    settings = load_settings(
        _env_file=None, ibkr_flex_token_expires=TODAY - dt.timedelta(days=2)
    )
    assert token_days_left(settings, TODAY) == -2


def test_a_malformed_date_is_a_config_error(tmp_path: Path) -> None:
    result = _config_check(IBKR_FLEX_TOKEN_EXPIRES="2026-02-30", cwd=tmp_path)
    assert result.returncode == 3
    assert "IBKR_FLEX_TOKEN_EXPIRES" in result.stderr


def _config_check(*, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLEXLEDGER, "config", "check"],
        cwd=cwd,
        env=clean_environ(XDG_DATA_HOME=str(cwd / "xdg"), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_config_check_warns_near_the_expiry(tmp_path: Path) -> None:
    soon = (_today() + dt.timedelta(days=5)).isoformat()
    result = _config_check(IBKR_FLEX_TOKEN_EXPIRES=soon, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (shown,) = [
        line
        for line in result.stdout.splitlines()
        if line.strip().startswith("IBKR_FLEX_TOKEN_EXPIRES")
    ]
    assert shown.split() == ["IBKR_FLEX_TOKEN_EXPIRES", soon]
    assert "Warning: The IBKR Flex token expires on" in result.stdout
    assert "Client Portal" in result.stdout


def test_config_check_is_quiet_far_from_the_expiry(tmp_path: Path) -> None:
    later = (_today() + dt.timedelta(days=200)).isoformat()
    result = _config_check(IBKR_FLEX_TOKEN_EXPIRES=later, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning:" not in result.stdout


def test_a_fetch_run_records_the_warning_in_its_timeline(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    settings = load_settings(
        _env_file=None,
        account_id="U1234567",
        ibkr_flex_token=flex_world.token,
        ibkr_flex_query_id=QUERY_ID,
        ibkr_flex_base_url=flex_world.base_url,
        ibkr_flex_token_expires=_today() + dt.timedelta(days=3),
    )
    outcome = fetch_and_ingest(
        database,
        settings,
        client=flex_world.client(),
        from_date=dt.date(2025, 1, 1),
        to_date=dt.date(2025, 1, 15),
    )
    assert outcome.succeeded, outcome.run.error_message
    request = outcome.run.diagnostics[1]
    assert (request["stage"], request["status"]) == ("request", "started")
    (warning,) = request["details"]["warnings"]
    assert "The IBKR Flex token expires on" in warning
    assert flex_world.token not in warning
    # The stored run, which the runs API and the run page read, carries it.
    with database.unit_of_work() as uow:
        stored = RunRepository(uow).get(outcome.run.ingestion_run_id)
    assert stored.diagnostics[1]["details"]["warnings"] == [warning]


def test_a_fetch_run_without_an_expiry_adds_no_warning(
    database: Database, clean_env: Path, flex_world: FlexWorld
) -> None:
    settings = load_settings(
        _env_file=None,
        account_id="U1234567",
        ibkr_flex_token=flex_world.token,
        ibkr_flex_query_id=QUERY_ID,
        ibkr_flex_base_url=flex_world.base_url,
    )
    outcome = fetch_and_ingest(
        database,
        settings,
        client=flex_world.client(),
        from_date=dt.date(2025, 1, 1),
        to_date=dt.date(2025, 1, 15),
    )
    assert "warnings" not in outcome.run.diagnostics[1]["details"]
