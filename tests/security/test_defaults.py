"""Defaults and secrets: loopback bind, the password hash, the auth settings."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

import flexledger.main
from flexledger.cli.commands import CliRuntime, build_cli
from flexledger.config import load_settings
from flexledger.domain.errors import ConfigError
from flexledger.domain.passwords import hash_password, parse_hash, verify_password
from flexledger.web.security.throttle import LoginThrottle
from tests.fixtures.cli import FLEXLEDGER
from tests.fixtures.environment import clean_environ
from tests.fixtures.registry import installed_registry


def test_serve_binds_loopback_unless_configured(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []
    cli = build_cli(
        CliRuntime(
            serve=lambda _s, host, port: calls.append((host, port)),
            registry=installed_registry(),
        )
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    monkeypatch.setenv("APPLICATION_HOST", "0.0.0.0")  # noqa: S104 - the point
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert runner.invoke(cli, ["serve", "--host", "192.0.2.1"]).exit_code == 0
    wildcard = "0.0.0.0"  # noqa: S104 - compared, not bound
    assert [host for host, _ in calls] == ["127.0.0.1", wildcard, "192.0.2.1"]


def test_the_composition_root_hands_the_host_to_uvicorn(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **kw: seen.update(kw))
    settings = load_settings(_env_file=None)
    from flexledger.db.database import Database  # noqa: PLC0415 - test setup only

    database = Database(settings.effective_database_url)
    database.upgrade()
    database.dispose()
    flexledger.main.serve(
        settings, settings.application_host, settings.application_port
    )
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8000)


def test_auth_settings_default_off_and_mask_their_values(clean_env: Path) -> None:
    assert not load_settings(_env_file=None).auth_enabled
    settings = load_settings(
        _env_file=None,
        flexledger_admin_password_hash=hash_password("x" * 12, n=2**4, r=1, p=1),
        flexledger_api_token="t" * 40,
    )
    assert settings.auth_enabled
    shown = dict(settings.describe())
    assert shown["FLEXLEDGER_API_TOKEN"] == "******** (set)"
    assert shown["FLEXLEDGER_ADMIN_PASSWORD_HASH"] == "******** (set)"
    assert "t" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FLEXLEDGER_ADMIN_PASSWORD_HASH", "plain-password-1", "hash-password"),
        ("FLEXLEDGER_ADMIN_PASSWORD_HASH", "scrypt:n=3,r=8,p=1:AAAA:AAAA", "power"),
        ("FLEXLEDGER_API_TOKEN", "short-token-value", "32 characters"),
        ("FLEXLEDGER_SESSION_SECRET", "short-secret-value", "32 characters"),
    ],
)
def test_bad_auth_settings_are_named_without_their_value(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert variable in str(caught.value)
    assert message in str(caught.value)
    assert value not in str(caught.value)


def test_password_hashes_verify_and_are_salted() -> None:
    first, second = (hash_password("correct horse", n=2**10) for _ in range(2))
    assert first != second
    assert first.startswith("scrypt:n=1024,r=8,p=3:")
    assert "$" not in first
    assert verify_password("correct horse", parse_hash(first))
    assert not verify_password("correct horsE", parse_hash(first))
    default = parse_hash(hash_password("p"))
    assert (default.n, default.r, default.p) == (2**15, 8, 3)
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


def test_hash_password_reads_stdin_and_prints_only_the_hash(tmp_path: Path) -> None:
    result = subprocess.run(
        [FLEXLEDGER, "auth", "hash-password"],
        input="a long admin password\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_environ(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip()
    assert verify_password("a long admin password", parse_hash(printed))
    assert "a long admin password" not in result.stdout + result.stderr
    # The printed line is a valid setting as is.
    settings = load_settings(_env_file=None, flexledger_admin_password_hash=printed)
    assert settings.auth_enabled
    short = subprocess.run(
        [FLEXLEDGER, "auth", "hash-password"],
        input="short\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_environ(),
        timeout=60,
        check=False,
    )
    assert short.returncode == 1
    assert "at least 12" in short.stderr
    token = subprocess.run(
        [FLEXLEDGER, "auth", "new-token"],
        capture_output=True,
        text=True,
        env=clean_environ(),
        timeout=60,
        check=True,
    ).stdout.strip()
    assert len(token) >= 40


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_locks_out_after_five_failures_doubling() -> None:
    clock = _Clock()
    throttle = LoginThrottle(clock=clock, base_lock_seconds=30, max_lock_seconds=120)
    for _ in range(4):
        throttle.failed("a")
        assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 30
    assert throttle.retry_after("b") == 0
    clock.now += 30
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 60
    clock.now += 60
    throttle.failed("a")
    assert throttle.retry_after("a") == 120  # capped
    throttle.succeeded("a")
    assert throttle.retry_after("a") == 0


def test_the_throttle_forgets_and_has_a_global_limit() -> None:
    clock = _Clock()
    throttle = LoginThrottle(
        clock=clock, global_free_failures=10, forget_seconds=600, max_addresses=3
    )
    for n in range(10):
        throttle.failed(f"10.0.0.{n}")
    # Ten addresses, two failures short of their own limits, trip the global one.
    assert throttle.retry_after("10.0.0.99") == 30
    clock.now += 601
    assert throttle.retry_after("10.0.0.99") == 0
    for _ in range(4):
        throttle.failed("a")
    clock.now += 601
    throttle.failed("a")  # the earlier four are forgotten
    assert throttle.retry_after("a") == 0
