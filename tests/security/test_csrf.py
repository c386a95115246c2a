"""CSRF: every state-changing route refuses a forged cross-site request (T17).

Forgeries per route: a foreign Origin, `Origin: null`, `Sec-Fetch-Site:
cross-site` and `same-site` (another port on localhost is same-site), and for the
UI also a missing and a wrong form token. Nothing may change in the database.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from flexledger.db.database import Database
from flexledger.web.api import ingestion as ingestion_api
from tests.fixtures.api_errors import assert_error
from tests.fixtures.flex_files import FLEX_DIR
from tests.security.conftest import (
    SAFE_METHODS,
    csrf_token,
    database_hash,
    documented_refusal,
    fill,
    routes,
    sample_ids,
    serve,
)

STATEMENT = FLEX_DIR / "clifton__ib-flex__activity_daily_portfolio.xml"
CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


def test_every_state_changing_route_refuses_a_forged_request(
    populated: Database, figures: list[str]
) -> None:
    refused = 0
    with serve(populated) as served, httpx.Client(base_url=served.url) as client:
        token = csrf_token(client.get("/ui/labels"))  # a real session and token
        ids = sample_ids(populated)
        unsafe = [(m, p) for m, p in routes(served.app) if m not in SAFE_METHODS]
        before = database_hash(populated)
        for method, template in unsafe:
            path = fill(template, ids)
            for headers in CROSS_SITE:
                # Even with the victim's cookie and a valid token.
                response = client.request(
                    method, path, headers=headers, data={"csrf_token": token}
                )
                assert_error(response, 403, "CSRF_REJECTED")
                refused += 1
            if not template.startswith("/ui"):
                documented_refusal(served.app, method, template, "403")
            if template.startswith("/ui"):
                for data in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
                    response = client.request(method, path, data=data)
                    assert_error(response, 403, "CSRF_REJECTED")
                    refused += 1
                # A token without its session's cookie is no token.
                cookieless = httpx.request(
                    method, served.url + path, data={"csrf_token": token}
                )
                assert_error(cookieless, 403, "CSRF_REJECTED")
                refused += 1
        assert database_hash(populated) == before
    ui = sum(1 for _, p in unsafe if p.startswith("/ui"))
    assert len(unsafe) >= 25
    assert ui >= 15
    figures.append(
        f"CSRF: {len(unsafe)} state-changing routes ({ui} UI, {len(unsafe) - ui} "
        f"API), {refused} forged requests refused"
    )


def test_same_origin_forms_and_scripts_still_work(
    database: Database, clean_env: Path
) -> None:
    with serve(database) as served, httpx.Client(base_url=served.url) as client:
        page = client.get("/ui/labels")
        form = client.post(
            "/ui/labels",
            data={"name": "Mine", "csrf_token": csrf_token(page)},
            headers={"Origin": served.url, "Sec-Fetch-Site": "same-origin"},
        )
        script = httpx.post(f"{served.url}/labels", json={"name": "Script"})
        same = httpx.post(
            f"{served.url}/labels",
            json={"name": "Same origin"},
            headers={"Origin": served.url},
        )
        header_token = client.post(
            "/ui/labels",
            data={"name": "Header"},
            headers={"X-CSRF-Token": csrf_token(page)},
        )
    assert form.status_code == 303
    assert "created" in form.headers["location"]
    assert (script.status_code, same.status_code) == (201, 201)
    assert header_token.status_code == 303


def test_a_hostile_page_cannot_upload(database: Database, clean_env: Path) -> None:
    with serve(database) as served:
        for path in ("/ingestion/upload", "/ui/ingestion/upload"):
            response = httpx.post(
                served.url + path,
                files={"file": (STATEMENT.name, STATEMENT.read_bytes())},
                headers={
                    "Origin": "http://evil.example",
                    "Sec-Fetch-Site": "cross-site",
                },
            )
            assert_error(response, 403, "CSRF_REJECTED")
        assert httpx.get(f"{served.url}/ingestion/runs").json()["page"]["total"] == 0


def test_a_stale_form_shows_the_error_page_in_a_browser(
    database: Database, clean_env: Path
) -> None:
    with serve(database) as served, httpx.Client(base_url=served.url) as client:
        client.get("/ui/labels")
        response = client.post(
            "/ui/labels",
            data={"name": "x", "csrf_token": "stale"},
            headers={"Accept": "text/html,application/xhtml+xml"},
        )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "CSRF_REJECTED" in response.text
    assert "Reload the page" in response.text


def test_the_ui_upload_takes_the_size_limit(
    database: Database, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingestion_api, "MAX_UPLOAD_BYTES", 1_000)
    with serve(database) as served, httpx.Client(base_url=served.url) as client:
        token = csrf_token(client.get("/ui/ingestion/runs"))
        response = client.post(
            "/ui/ingestion/upload",
            files={"file": (STATEMENT.name, STATEMENT.read_bytes())},
            data={"csrf_token": token},
        )
        assert_error(response, 413, "STATEMENT_TOO_LARGE")
        assert client.get("/ingestion/runs").json()["page"]["total"] == 0
