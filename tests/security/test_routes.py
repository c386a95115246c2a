"""Every GET route, page and API: no state change, and the security headers.

The walk covers each GET route of the app (from its routes, checked against the
OpenAPI document) with real ids from a populated database, then the error and
login pages and a static file. T17: 0 GET mutations; headers on 100 % of HTML
answers, nosniff on every answer.
"""

from __future__ import annotations

import httpx
import pytest

from flexledger.db.database import Database
from flexledger.web.security.middleware import CONTENT_SECURITY_POLICY
from tests.fixtures.api_errors import assert_error
from tests.security.conftest import (
    SAFE_METHODS,
    database_hash,
    documented_refusal,
    fill,
    routes,
    sample_ids,
    serve,
)

HTML_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
# Routes that need a query to do their work get it too.
QUERIES = {
    "/reports/provenance": "?instrument_id={instrument_id}",
    "/ui/provenance": "?instrument_id={instrument_id}",
}
# Pages beyond the route templates: an error page, the login page, a query.
EXTRA_PATHS = [
    "/ui/instruments/not-an-id",
    "/ui/no-such-page",
    "/ui/login",
    "/ui/ingestion/runs?status=failed",
    "/ui/static/app.css",
    "/ui/static/app.js",
    "/no-such-route",
]


def _paths(templates: list[str], ids: dict[str, str]) -> list[str]:
    return [fill(p + QUERIES.get(p, ""), ids) for p in templates]


def _walk(base_url: str, paths: list[str]) -> list[httpx.Response]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return [client.get(path) for path in paths]


def test_no_get_route_changes_the_database(
    populated: Database, figures: list[str]
) -> None:
    with serve(populated) as served:
        templates = [p for m, p in routes(served.app) if m in SAFE_METHODS]
        ids = sample_ids(populated)
        paths = _paths(templates, ids) + EXTRA_PATHS
        before = database_hash(populated)
        answers = _walk(served.url, paths)
        after = database_hash(populated)
    assert before == after
    statuses = {str(r.url): r.status_code for r in answers}
    assert all(status < 500 for status in statuses.values()), statuses
    not_ok = {
        url: status
        for url, status in list(statuses.items())[: len(templates)]
        if status != 200
    }
    # The root and login redirect; an event's page redirects to its trail.
    assert set(not_ok.values()) <= {303, 307}, not_ok
    figures.append(
        f"GET walk: {len(templates)} GET routes + {len(EXTRA_PATHS)} extra, 0 changes"
    )


def test_every_answer_carries_the_security_headers(
    populated: Database, figures: list[str]
) -> None:
    with serve(populated) as served:
        templates = [p for m, p in routes(served.app) if m in SAFE_METHODS]
        paths = _paths(templates, sample_ids(populated)) + EXTRA_PATHS
        answers = _walk(served.url, paths)
    html = [
        r for r in answers if r.headers.get("content-type", "").startswith("text/html")
    ]
    assert len(html) >= 15
    for response in html:
        for name, value in HTML_HEADERS.items():
            assert response.headers.get(name) == value, (response.url, name)
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
    figures.append(f"headers: {len(html)} HTML answers, {len(answers)} answers in all")


@pytest.mark.parametrize(
    "host", ["evil.example", "rebind.attacker.test:8000", "127.0.0.1.evil.example"]
)
def test_a_foreign_host_name_is_refused(populated: Database, host: str) -> None:
    # A DNS-rebinding page reaches 127.0.0.1 under its own name.
    with serve(populated) as served:
        refused = httpx.get(f"{served.url}/instruments", headers={"host": host})
        health = httpx.get(f"{served.url}/health", headers={"host": host})
        ours = httpx.get(f"{served.url}/instruments", headers={"host": "localhost"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "HOST_NOT_ALLOWED"
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert health.status_code == 200
    assert ours.status_code == 200


def test_every_route_but_health_refuses_a_foreign_host_as_documented(
    database: Database, clean_env: object, figures: list[str]
) -> None:
    checked = 0
    with serve(database) as served:
        for method, template in routes(served.app):
            response = httpx.request(
                method, served.url + fill(template, {}), headers={"host": "x.example"}
            )
            if template == "/health":
                assert response.status_code == 200
                continue
            checked += 1
            assert_error(response, 400, "HOST_NOT_ALLOWED")
            is_page = template == "/" or template.startswith("/ui")
            if not is_page:
                documented_refusal(served.app, method, template, "400")
                described = served.app.openapi()["paths"][template][method.lower()]
                assert (
                    "HOST_NOT_ALLOWED" in described["responses"]["400"]["description"]
                )
    assert checked >= 55
    figures.append(f"hosts: {checked} route/method pairs refused for a foreign host")


def test_allowed_hosts_can_be_widened(database: Database, clean_env: object) -> None:
    with serve(database, flexledger_allowed_hosts="ledger.lan") as served:
        lan = httpx.get(f"{served.url}/labels", headers={"host": "ledger.lan:8000"})
        # The bind address (127.0.0.1) always answers; the default names go.
        bound = httpx.get(f"{served.url}/labels")
        localhost = httpx.get(f"{served.url}/labels", headers={"host": "localhost"})
    with serve(database, flexledger_allowed_hosts="*") as served:
        anything = httpx.get(f"{served.url}/labels", headers={"host": "x.example"})
    assert (lan.status_code, bound.status_code, localhost.status_code) == (
        200,
        200,
        400,
    )
    assert anything.status_code == 200
