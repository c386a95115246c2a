"""Optional built-in authentication: off by default; when on, every route but
/health needs a session or the bearer token (T17), with a throttled login.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from flexledger.db.database import Database
from flexledger.web.security.sessions import COOKIE_NAME
from tests.fixtures.api_errors import assert_error
from tests.security.conftest import (
    API_TOKEN,
    AUTH_SETTINGS,
    PASSWORD,
    SAFE_METHODS,
    csrf_token,
    documented_refusal,
    fill,
    routes,
    serve,
    sign_in,
)

OPEN_PATHS = {"/health", "/ui/login"}
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


def test_auth_is_off_by_default(database: Database, clean_env: Path) -> None:
    with serve(database) as served:
        assert httpx.get(f"{served.url}/labels").status_code == 200
        assert httpx.get(f"{served.url}/ui/labels").status_code == 200
        # With auth off the login page just goes on to the app.
        login = httpx.get(f"{served.url}/ui/login")
    assert (login.status_code, login.headers["location"]) == (303, "/ui/")


def test_every_route_but_health_needs_auth(
    database: Database, clean_env: Path, figures: list[str]
) -> None:
    checked = 0
    with serve(database, **AUTH_SETTINGS) as served:
        for method, template in routes(served.app):
            if template in OPEN_PATHS:
                continue
            path = fill(template, {})
            response = httpx.request(method, served.url + path)
            checked += 1
            is_page = template == "/" or template.startswith("/ui")
            if method in SAFE_METHODS and is_page:
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/ui/login?next="), path
            else:
                assert_error(response, 401, "AUTHENTICATION_REQUIRED")
                assert response.headers["www-authenticate"].startswith("Bearer")
                if not is_page:
                    documented_refusal(served.app, method, template, "401")
        assert httpx.get(f"{served.url}/health").status_code == 200
        assert httpx.get(f"{served.url}/ui/login").status_code == 200
        assert httpx.get(f"{served.url}/ui/static/app.css").status_code == 200
    assert checked >= 55
    figures.append(f"auth: {checked} route/method pairs refused without credentials")


def test_the_bearer_token_opens_the_api(database: Database, clean_env: Path) -> None:
    with serve(database, **AUTH_SETTINGS) as served:
        ok = httpx.get(f"{served.url}/labels", headers=BEARER)
        created = httpx.post(
            f"{served.url}/labels", json={"name": "Scripted"}, headers=BEARER
        )
        wrong = httpx.get(
            f"{served.url}/labels", headers={"Authorization": "Bearer nope"}
        )
        basic = httpx.get(
            f"{served.url}/labels", headers={"Authorization": "Basic YWRtaW46eA=="}
        )
    assert ok.status_code == 200
    assert created.status_code == 201, created.text
    assert_error(wrong, 401, "AUTHENTICATION_REQUIRED")
    assert_error(basic, 401, "AUTHENTICATION_REQUIRED")


def test_forged_proxy_identity_headers_are_ignored(
    database: Database, clean_env: Path
) -> None:
    forged = {
        "Remote-User": "admin",
        "X-Forwarded-User": "admin",
        "X-Remote-User": "admin",
        "X-Forwarded-For": "127.0.0.1",
    }
    with serve(database, **AUTH_SETTINGS) as served:
        response = httpx.get(f"{served.url}/labels", headers=forged)
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


def test_a_browser_signs_in_and_out(database: Database, clean_env: Path) -> None:
    with (
        serve(database, **AUTH_SETTINGS) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        first = client.get("/ui/labels")
        assert first.headers["location"] == "/ui/login?next=%2Fui%2Flabels"
        assert client.get("/ui/login").status_code == 200
        before = client.cookies[COOKIE_NAME]
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http on loopback

        wrong = sign_in(client, "not the password")
        assert wrong.status_code == 401
        assert "That password is not right." in wrong.text

        signed_in = sign_in(client)
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/ui/")
        # A new session id on sign-in: a planted cookie is not carried over.
        assert client.cookies[COOKIE_NAME] != before
        page = client.get("/ui/labels")
        assert page.status_code == 200
        assert "Sign out" in page.text
        # The session opens the API too.
        assert client.get("/labels").status_code == 200

        out = client.post("/ui/logout", data={"csrf_token": csrf_token(page)})
        assert out.headers["location"].startswith("/ui/login")
        assert client.get("/labels").status_code == 401


def test_a_session_cookie_is_secure_behind_https(
    database: Database, clean_env: Path
) -> None:
    with serve(database, flexledger_cookie_secure="always", **AUTH_SETTINGS) as s:
        cookie = httpx.get(f"{s.url}/ui/login").headers["set-cookie"]
    assert "; Secure" in cookie


def test_a_forged_or_foreign_cookie_is_no_session(
    database: Database, clean_env: Path
) -> None:
    with (
        serve(database, **AUTH_SETTINGS) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        sign_in(client)
        stolen = client.cookies[COOKIE_NAME]
    # Another server (another secret) does not take it, nor a tampered one.
    with serve(database, **AUTH_SETTINGS) as other:
        for value in (stolen, stolen[:-2] + "xx", "garbage"):
            response = httpx.get(
                f"{other.url}/labels", headers={"cookie": f"{COOKIE_NAME}={value}"}
            )
            assert response.status_code == 401


def test_a_configured_session_secret_survives_a_restart(
    database: Database, clean_env: Path
) -> None:
    settings: dict[str, Any] = {**AUTH_SETTINGS, "flexledger_session_secret": "s" * 40}
    with (
        serve(database, **settings) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        sign_in(client)
        cookie = client.cookies[COOKIE_NAME]
    with serve(database, **settings) as restarted:
        response = httpx.get(
            f"{restarted.url}/labels", headers={"cookie": f"{COOKIE_NAME}={cookie}"}
        )
    assert response.status_code == 200


def test_the_token_signs_in_when_no_password_is_set(
    database: Database, clean_env: Path
) -> None:
    with (
        serve(database, flexledger_api_token=API_TOKEN) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        assert sign_in(client, PASSWORD).status_code == 401
        assert sign_in(client, API_TOKEN).status_code == 303


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "x"]
)
def test_sign_in_never_redirects_off_site(
    database: Database, clean_env: Path, target: str
) -> None:
    with (
        serve(database, **AUTH_SETTINGS) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        token = csrf_token(client.get("/ui/login"))
        response = client.post(
            "/ui/login",
            data={"password": PASSWORD, "csrf_token": token, "next": target},
        )
    assert response.headers["location"] == "/ui/"


def test_login_is_throttled_after_five_failures(
    database: Database, clean_env: Path
) -> None:
    with (
        serve(database, **AUTH_SETTINGS) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        statuses = [sign_in(client, f"guess {n}").status_code for n in range(5)]
        # The sixth try is refused without checking, even the right password.
        throttled = sign_in(client)
        assert statuses == [401] * 5
        assert_error(throttled, 429, "LOGIN_THROTTLED")
        assert int(throttled.headers["retry-after"]) == 30
        # Another address is not locked out by this one.
        other = httpx.Client(
            base_url=served.url, headers={"x-forwarded-for": "192.0.2.7"}
        )
        with other:
            assert sign_in(other).status_code == 303
        # Nor are scripts with the token.
        assert client.get("/labels", headers=BEARER).status_code == 200


def test_no_password_or_token_is_logged(
    database: Database, clean_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        serve(database, **AUTH_SETTINGS) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        sign_in(client, "wrong-" + PASSWORD)
        sign_in(client)
        client.get("/labels", headers={"Authorization": "Bearer wrong" + API_TOKEN})
        client.get("/labels", headers=BEARER)
    assert "sign-in from 127.0.0.1 failed" in caplog.text
    for secret in (PASSWORD, API_TOKEN):
        assert secret not in caplog.text
