"""Settings from the environment and `.env`, checked per capability (SPEC §0 P2, §3).

Nothing is required to start: serving, file import, reprocess and reports work with
no IBKR settings at all. Fetching from the Flex Web Service needs the account, the
token and the query id, and says which of them are missing when asked to fetch.
Environment variables override values in `.env`.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from flexledger.domain.errors import ConfigError
from flexledger.domain.passwords import parse_hash

DEFAULT_FLEX_BASE_URL = (
    "https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService"
)
SQLITE_FILE_NAME = "flexledger.sqlite3"


def default_data_dir() -> Path:
    """Return the folder for the embedded SQLite database when none is configured.

    Follows the XDG base-directory convention: ``$XDG_DATA_HOME/flexledger``, else
    ``~/.local/share/flexledger``.
    """
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "flexledger"


class Capability(enum.StrEnum):
    """Something the app can be asked to do; each needs its own settings."""

    FETCH = "fetch"
    SERVE = "serve"
    IMPORT = "import"
    REPORTS = "reports"
    REPROCESS = "reprocess"


@dataclass(frozen=True, slots=True)
class MissingSetting:
    """A setting a capability needs but does not have.

    Attributes:
        variable: the environment variable to set.
        what_to_set: a sentence telling the user what value it takes.
    """

    variable: str
    what_to_set: str


_FETCH_REQUIREMENTS: tuple[tuple[str, MissingSetting], ...] = (
    (
        "account_id",
        MissingSetting(
            "ACCOUNT_ID",
            "your IBKR account id, e.g. U1234567 (Client Portal, top right)",
        ),
    ),
    (
        "ibkr_flex_token",
        MissingSetting(
            "IBKR_FLEX_TOKEN",
            "the Flex Web Service token from Client Portal → Settings → "
            "Account Settings → Reporting → Flex Web Service",
        ),
    ),
    (
        "ibkr_flex_query_id",
        MissingSetting(
            "IBKR_FLEX_QUERY_ID",
            "the numeric id of your Activity Flex Query (Client Portal → "
            "Performance & Reports → Flex Queries)",
        ),
    ),
)


class Settings(BaseSettings):
    """Every flexledger setting; field names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    database_url: str | None = None
    flexledger_data_dir: Path = Field(default_factory=default_data_dir)

    account_id: str | None = None
    ibkr_flex_token: SecretStr | None = None
    ibkr_flex_query_id: str | None = None
    ibkr_flex_base_url: str = DEFAULT_FLEX_BASE_URL
    ibkr_flex_request_timeout_seconds: float = Field(default=30.0, gt=0)
    ibkr_flex_initial_wait_seconds: float = Field(default=5.0, ge=0)
    ibkr_flex_retry_attempts: int = Field(default=7, ge=1)
    ibkr_flex_backoff_base_seconds: float = Field(default=10.0, ge=0)
    ibkr_flex_backoff_max_seconds: float = Field(default=60.0, gt=0)
    ibkr_flex_jitter_min_multiplier: float = Field(default=0.5, gt=0)
    ibkr_flex_jitter_max_multiplier: float = Field(default=1.5, gt=0)
    # The day the Flex token stops working (Client Portal shows it); when set,
    # `config check`, fetch runs and /metrics warn as it nears.
    ibkr_flex_token_expires: dt.date | None = None

    base_currency: str = "USD"
    business_timezone: str = "Asia/Jerusalem"
    flex_source_timezone: str = "America/New_York"
    reconciliation_enabled: bool = False
    # A big ledger (jobs/ledger_parts.py) is computed in two processes at once;
    # false keeps it in one, for less peak memory.
    ledger_parallel: bool = True

    api_default_limit: int = Field(default=50, ge=1)
    api_max_limit: int = Field(default=200, ge=1)
    api_default_sort_dir: Literal["asc", "desc"] = "asc"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    # The issue overrides SPEC §3's 0.0.0.0: a portfolio is private by default.
    application_host: str = "127.0.0.1"
    application_port: int = Field(default=8000, ge=1, le=65535)

    # Built-in authentication (SPEC §0 P6): off unless one of the two is set.
    flexledger_admin_password_hash: SecretStr | None = None
    flexledger_api_token: SecretStr | None = None
    # Signs the session cookie; a random one per process when unset (sessions
    # then end when the server restarts).
    flexledger_session_secret: SecretStr | None = None
    flexledger_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    flexledger_cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Host names the server answers to: a DNS-rebinding page reaches 127.0.0.1
    # under its own name, which this list refuses. `*` allows any.
    flexledger_allowed_hosts: str = "localhost,127.0.0.1,::1"

    @field_validator("account_id", "ibkr_flex_query_id")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.strip() or None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("base_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(
                f"must be a 3-letter ISO 4217 code such as USD, got {value!r}"
            )
        return code

    @field_validator("business_timezone", "flex_source_timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"must be an IANA time zone such as Asia/Jerusalem, got {value!r}"
            ) from None
        return value

    @field_validator("ibkr_flex_base_url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        host = urlsplit(url).hostname or ""
        # The token travels in the query string: plain http only to this machine.
        if url.startswith("https://") or (
            url.startswith("http://") and host in ("127.0.0.1", "localhost", "::1")
        ):
            return url
        raise ValueError(
            f"must be an https URL (http only for a local fake service), got {value!r}"
        )

    @field_validator("ibkr_flex_token", mode="before")
    @classmethod
    def _strip_token(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("flexledger_admin_password_hash")
    @classmethod
    def _password_hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_hash(value.get_secret_value())
        return SecretStr(value.get_secret_value().strip())

    @field_validator("flexledger_api_token", "flexledger_session_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if len(secret) < 32:
            # Neither value is shown: the message names only the rule.
            raise ValueError(
                "must be at least 32 characters "
                "(make one with `flexledger auth new-token`)"
            )
        return SecretStr(secret)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.strip()
        if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// "
                "(e.g. postgresql+psycopg://user:password@host:5432/flexledger)"
            )
        return url

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Settings:
        if self.ibkr_flex_backoff_max_seconds < self.ibkr_flex_backoff_base_seconds:
            raise ValueError(
                "IBKR_FLEX_BACKOFF_MAX_SECONDS must be >= "
                "IBKR_FLEX_BACKOFF_BASE_SECONDS"
            )
        if self.ibkr_flex_jitter_max_multiplier < self.ibkr_flex_jitter_min_multiplier:
            raise ValueError(
                "IBKR_FLEX_JITTER_MAX_MULTIPLIER must be >= "
                "IBKR_FLEX_JITTER_MIN_MULTIPLIER"
            )
        if self.api_max_limit < self.api_default_limit:
            raise ValueError("API_MAX_LIMIT must be >= API_DEFAULT_LIMIT")
        return self

    @property
    def auth_enabled(self) -> bool:
        """Whether the web app requires a login or a bearer token."""
        return bool(self.flexledger_admin_password_hash or self.flexledger_api_token)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The Host names the web app answers to (lower case; `*` for any)."""
        hosts = {
            host.strip().lower().strip("[]")
            for host in self.flexledger_allowed_hosts.split(",")
            if host.strip()
        }
        # A specific bind address is reachable under its own name.
        if self.application_host not in ("0.0.0.0", "::"):  # noqa: S104 - compared
            hosts.add(self.application_host.lower().strip("[]"))
        return frozenset(hosts)

    @property
    def effective_database_url(self) -> str:
        """The database to use: `DATABASE_URL`, else the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.flexledger_data_dir / SQLITE_FILE_NAME}"

    def describe(self) -> list[tuple[str, str]]:
        """Every setting as (VARIABLE, value to show), secrets masked.

        The token is shown only as set or unset, and a database password never.
        """
        rows: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "database_url":
                shown = (
                    _hide_password(value)
                    if value
                    else f"(unset: embedded SQLite {self.effective_database_url})"
                )
            elif isinstance(value, SecretStr):
                shown = "******** (set)"
            elif value is None:
                shown = "(unset)"
            else:
                shown = str(value)
            rows.append((name.upper(), shown))
        return rows

    def missing_for(self, capability: Capability) -> list[MissingSetting]:
        """List the settings `capability` still needs, in a stable order."""
        if capability is not Capability.FETCH:
            return []
        return [
            requirement
            for field_name, requirement in _FETCH_REQUIREMENTS
            if getattr(self, field_name) is None
        ]

    def require(self, capability: Capability) -> None:
        """Raise if `capability` cannot run with these settings.

        Raises:
            ConfigError: naming every missing variable and what to set.
        """
        missing = self.missing_for(capability)
        if not missing:
            return
        lines = [f"  {item.variable}: {item.what_to_set}" for item in missing]
        raise ConfigError(
            f"Cannot {capability.value}: these settings are missing:\n"
            + "\n".join(lines)
        )


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `.env`.

    Args:
        overrides: explicit values that win over both (used by tests and the CLI).

    Returns:
        The validated settings.

    Raises:
        ConfigError: one message naming each invalid variable and why.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _hide_password(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        location = error.get("loc") or ()
        variable = str(location[0]).upper() if location else "settings"
        reason = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {variable}: {reason}")
    return "Invalid settings:\n" + "\n".join(lines)
