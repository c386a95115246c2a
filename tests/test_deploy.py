"""Deployment files: the compose file parses, names its services, holds no secrets.

There is no Docker engine on our machines, so these checks read the files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEYS = re.compile(r"PASSWORD|TOKEN|SECRET", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z_]+(:[-?][^}]*)?\}$")


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_names_the_app_postgres_and_scheduler_with_healthchecks() -> None:
    services = _compose()["services"]
    assert set(services) == {"app", "postgres", "scheduler"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["scheduler"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert services["scheduler"]["command"][:2] == ["flexledger", "schedule"]


def test_compose_holds_no_literal_secrets() -> None:
    for name, service in _compose()["services"].items():
        for key, value in service.get("environment", {}).items():
            if SECRET_KEYS.search(key):
                assert INTERPOLATION.match(str(value)), f"{name}.{key} is a literal"
    database_url = _compose()["services"]["app"]["environment"]["DATABASE_URL"]
    credentials = re.match(r"^[a-z+]+://(\$\{[^}]+\}):(\$\{[^}]+\})@", database_url)
    assert credentials, "DATABASE_URL must take user and password from variables"
    assert all(INTERPOLATION.match(part) for part in credentials.groups())


def test_app_reaches_postgres_inside_the_compose_network() -> None:
    app = _compose()["services"]["app"]
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
    assert all(str(port).startswith("127.0.0.1:") for port in app["ports"])


def test_dockerfile_applies_migrations_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "flexledger db upgrade" in dockerfile
    assert "flexledger serve" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert not SECRET_KEYS.search(dockerfile.replace("POSTGRES_PASSWORD", ""))


def test_dotenv_is_ignored_and_its_example_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    assert (ROOT / ".env.example").is_file()
