"""Settings: defaults, environment over `.env`, per-capability requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from flexledger.config import Capability, load_settings
from flexledger.domain.errors import ConfigError

TOKEN = "123456789012345678901234"


def test_defaults_work_with_nothing_set(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.effective_database_url == (
        f"sqlite:///{clean_env / 'xdg' / 'flexledger' / 'flexledger.sqlite3'}"
    )
    assert settings.business_timezone == "Asia/Jerusalem"
    assert settings.flex_source_timezone == "America/New_York"
    assert settings.base_currency == "USD"
    assert (settings.api_default_limit, settings.api_max_limit) == (50, 200)
    assert settings.api_default_sort_dir == "asc"
    assert (settings.application_host, settings.application_port) == ("127.0.0.1", 8000)
    assert settings.ibkr_flex_initial_wait_seconds == 5.0
    assert settings.ibkr_flex_retry_attempts == 7
    assert settings.ibkr_flex_backoff_base_seconds == 10.0
    assert settings.ibkr_flex_backoff_max_seconds == 60.0
    assert settings.ibkr_flex_jitter_min_multiplier == 0.5
    assert settings.ibkr_flex_jitter_max_multiplier == 1.5
    assert settings.ibkr_flex_base_url.endswith("/AccountManagement/FlexWebService")


@pytest.mark.parametrize(
    "capability", [Capability.SERVE, Capability.IMPORT, Capability.REPORTS]
)
def test_serving_import_and_reports_need_no_ibkr_settings(
    clean_env: Path, capability: Capability
) -> None:
    load_settings().require(capability)


def test_fetching_names_every_missing_variable(clean_env: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings().require(Capability.FETCH)
    message = caught.value.message
    for variable in ("ACCOUNT_ID", "IBKR_FLEX_TOKEN", "IBKR_FLEX_QUERY_ID"):
        assert variable in message
    assert "Client Portal" in message


def test_fetching_is_ready_when_all_three_are_set(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOUNT_ID", "U1234567")
    monkeypatch.setenv("IBKR_FLEX_TOKEN", TOKEN)
    monkeypatch.setenv("IBKR_FLEX_QUERY_ID", "987654")
    settings = load_settings()
    settings.require(Capability.FETCH)
    assert settings.missing_for(Capability.FETCH) == []


def test_empty_values_count_as_unset(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOUNT_ID", "")
    monkeypatch.setenv("IBKR_FLEX_QUERY_ID", "   ")
    missing = {item.variable for item in load_settings().missing_for(Capability.FETCH)}
    assert {"ACCOUNT_ID", "IBKR_FLEX_QUERY_ID"} <= missing


def test_environment_overrides_dotenv(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / ".env").write_text(
        "BASE_CURRENCY=EUR\nBUSINESS_TIMEZONE=Europe/London\n"
    )
    monkeypatch.setenv("BASE_CURRENCY", "chf")
    settings = load_settings()
    assert settings.base_currency == "CHF"
    assert settings.business_timezone == "Europe/London"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BUSINESS_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("BASE_CURRENCY", "DOLLARS", "3-letter ISO 4217"),
        ("IBKR_FLEX_RETRY_ATTEMPTS", "0", "greater than or equal to 1"),
        ("API_MAX_LIMIT", "10", "API_MAX_LIMIT must be >= API_DEFAULT_LIMIT"),
        (
            "IBKR_FLEX_BACKOFF_MAX_SECONDS",
            "5",
            "IBKR_FLEX_BACKOFF_MAX_SECONDS must be >=",
        ),
        (
            "IBKR_FLEX_JITTER_MAX_MULTIPLIER",
            "0.4",
            "IBKR_FLEX_JITTER_MAX_MULTIPLIER must be >=",
        ),
        ("API_DEFAULT_SORT_DIR", "sideways", "API_DEFAULT_SORT_DIR"),
        ("APPLICATION_PORT", "70000", "APPLICATION_PORT"),
        ("DATABASE_URL", "mysql://root@db/x", "postgresql+psycopg://"),
    ],
)
def test_invalid_values_fail_with_one_readable_message(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in caught.value.message
    assert caught.value.message.startswith("Invalid settings:")
    assert ".env" in caught.value.hint


def test_the_token_is_never_shown(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBKR_FLEX_TOKEN", TOKEN)
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql+psycopg://ledger:pw-secret@db:5432/fl"
    )
    settings = load_settings()
    shown = "\n".join(f"{name} {value}" for name, value in settings.describe())
    assert TOKEN not in shown
    assert "pw-secret" not in shown
    assert TOKEN not in repr(settings)
    assert "IBKR_FLEX_TOKEN ******** (set)" in shown


def test_an_invalid_token_value_is_not_echoed(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBKR_FLEX_TOKEN", TOKEN)
    monkeypatch.setenv("IBKR_FLEX_RETRY_ATTEMPTS", "many")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert TOKEN not in str(caught.value)
    assert "IBKR_FLEX_RETRY_ATTEMPTS" in str(caught.value)


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    root = Path(__file__).resolve().parents[1]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name, _ in load_settings(_env_file=None).describe():
        assert f"{name}=" in example or f"# {name}=" in example, name
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        (
            "https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService",
            True,
        ),
        ("http://127.0.0.1:8765/AccountManagement/FlexWebService", True),
        (
            "http://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService",
            False,
        ),
    ],
)
def test_the_token_is_only_sent_in_clear_to_this_machine(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, url: str, accepted: bool
) -> None:
    monkeypatch.setenv("IBKR_FLEX_BASE_URL", url)
    if accepted:
        assert load_settings().ibkr_flex_base_url == url
    else:
        with pytest.raises(ConfigError, match="https"):
            load_settings()


def test_a_blank_token_counts_as_missing(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBKR_FLEX_TOKEN", "   ")
    missing = {item.variable for item in load_settings().missing_for(Capability.FETCH)}
    assert "IBKR_FLEX_TOKEN" in missing


def test_a_time_zone_folder_is_not_a_zone(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUSINESS_TIMEZONE", "America")
    with pytest.raises(ConfigError, match="IANA time zone"):
        load_settings()
