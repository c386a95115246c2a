"""Browser-test fixtures: the real app on loopback, Debian's chromium, screenshots.

Each test gets a fresh database of the dialect under test, the app served over
real HTTP by uvicorn in a thread, and a chromium page that records every console
error, failed request and HTTP error answer, so a test can assert there were none.

The demo fixtures serve `flexledger demo`'s sample account (SQLite, built once per
session by `build_demo` into a temporary folder, behind the strict
Content-Security-Policy); tests on it only read, so they can share it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    sync_playwright,
)
from playwright.sync_api import Response as PageResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexledger import __version__
from flexledger.config import load_settings
from flexledger.db.database import Database
from flexledger.demo.build import build_demo
from flexledger.jobs.ingest import IngestOptions, ingest_payload, read_payload_file
from flexledger.web.app import create_app
from flexledger.web.context import AppContext
from tests.fixtures.corporate import import_cases_statement
from tests.fixtures.environment import SETTING_VARIABLES
from tests.fixtures.flex_files import FLEX_DIR
from tests.fixtures.live_server import serve_in_thread
from tests.fixtures.registry import installed_registry

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# The demo's history ends on a fixed day, so it has the same 30 statements each run.
DEMO_END = dt.date(2025, 11, 20)
# A real account's statement: trades, dividends with withholding, several currencies.
UABEAN = FLEX_DIR / "OSadovy__uabean__beancount.xml"


@dataclass
class Browse:
    """A chromium page on the app, with what went wrong while it was used."""

    page: Page
    base_url: str
    name: str
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        """Open `path` of the app and wait until it has loaded."""
        self.page.goto(self.base_url + path, wait_until="load")

    def shot(self, label: str = "") -> Path:
        """Save a full-page screenshot under tests/ui/screenshots/."""
        SCREENSHOTS.mkdir(exist_ok=True)
        stem = re.sub(
            r"[^A-Za-z0-9_.-]+", "_", f"{self.name}{'-' + label if label else ''}"
        )
        path = SCREENSHOTS / f"{stem}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        """No console error, no failed request, no HTTP error answer so far."""
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    """One Playwright driver for the session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless."""
    launched = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    launched.close()


def _context(database: Database) -> AppContext:
    return AppContext(
        settings=load_settings(_env_file=None),
        database=database,
        version=__version__,
        registry=installed_registry(),
    )


def import_file(context: AppContext, path: Path) -> None:
    """Import a statement with every post-persist stage, as `flexledger import`."""
    outcome = ingest_payload(
        context.database,
        context.settings,
        read_payload_file(path),
        IngestOptions(allow_missing_sections=True),
        hooks=context.stages(),
    )
    assert outcome.succeeded, outcome.run.diagnostics[-1]


@pytest.fixture
def empty_app(database: Database, clean_env: Path) -> Iterator[str]:
    """The app over an empty database; yields its base URL."""
    with serve_in_thread(create_app(_context(database))) as base_url:
        yield base_url


@pytest.fixture
def app_url(database: Database, clean_env: Path) -> Iterator[str]:
    """The app with the uabean statement imported; yields its base URL."""
    context = _context(database)
    import_file(context, UABEAN)
    with serve_in_thread(create_app(context)) as base_url:
        yield base_url


STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def with_strict_csp(app: ASGIApp) -> ASGIApp:
    """`app` answering every response with the strict policy the UI is built for."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", STRICT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_policy)

    return wrapped


@pytest.fixture
def csp_app(database: Database, clean_env: Path) -> Iterator[str]:
    """The uabean app behind a strict Content-Security-Policy."""
    context = _context(database)
    import_file(context, UABEAN)
    with serve_in_thread(with_strict_csp(create_app(context))) as base_url:
        yield base_url


@pytest.fixture
def cases_app(database: Database, clean_env: Path) -> Iterator[str]:
    """The app with a statement whose two mergers open manual cases."""
    import_cases_statement(database)
    with serve_in_thread(create_app(_context(database))) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo account served behind the strict policy; yields its base URL."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        # As clean_env does, for the session: no developer setting, no `.env`.
        for name in SETTING_VARIABLES:
            patch.delenv(name, raising=False)
        patch.chdir(folder)
        result = build_demo(folder / "data", installed_registry(), end=DEMO_END)
    database = Database(result.settings.effective_database_url)
    context = AppContext(
        settings=result.settings,
        database=database,
        version=__version__,
        registry=installed_registry(),
    )
    try:
        with serve_in_thread(with_strict_csp(create_app(context))) as base_url:
            yield base_url
    finally:
        database.dispose()


def open_browse(browser: Browser, base_url: str, name: str) -> Browse:
    """A fresh page on `base_url` that records problems."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    browse = Browse(page=page, base_url=base_url, name=name)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            browse.problems.append(f"console: {message.text}")

    def on_failed(request: Request) -> None:
        # Chromium fetches the icon after load; the next navigation cancels it.
        if request.url.endswith("favicon.svg") and "ERR_ABORTED" in str(
            request.failure
        ):
            return
        browse.problems.append(
            f"failed: {request.method} {request.url} {request.failure}"
        )

    def on_response(response: PageResponse) -> None:
        if response.status >= 400:
            browse.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: browse.problems.append(f"page error: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return browse


def _test_name(request: pytest.FixtureRequest) -> str:
    return str(request.node.name)


@pytest.fixture
def browse(
    browser: Browser, app_url: str, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """A page on the app with the uabean data."""
    opened = open_browse(browser, app_url, _test_name(request))
    yield opened
    opened.page.close()


@pytest.fixture
def browse_empty(
    browser: Browser, empty_app: str, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """A page on the app over an empty database."""
    opened = open_browse(browser, empty_app, _test_name(request))
    yield opened
    opened.page.close()


@pytest.fixture
def browse_csp(
    browser: Browser, csp_app: str, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """A page on the app served with a strict Content-Security-Policy."""
    opened = open_browse(browser, csp_app, _test_name(request))
    yield opened
    opened.page.close()


@pytest.fixture
def browse_cases(
    browser: Browser, cases_app: str, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """A page on the app whose data has open corporate-action cases."""
    opened = open_browse(browser, cases_app, _test_name(request))
    yield opened
    opened.page.close()


@pytest.fixture
def browse_demo(
    browser: Browser, demo_app: str, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """A page on the demo account (read-only: the demo is shared by the session)."""
    opened = open_browse(browser, demo_app, f"demo-{_test_name(request)}")
    yield opened
    opened.page.close()
