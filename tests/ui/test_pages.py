"""Every page renders in a real browser with no console error or failed request."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import Browse

pytestmark = pytest.mark.browser

STATIC_PAGES = [
    ("dashboard", "/ui/", "Portfolio"),
    ("report", "/ui/reports/instruments", "P&L by instrument"),
    ("instruments", "/ui/instruments", "Instruments"),
    ("labels", "/ui/labels", "Labels"),
    ("reconciliation", "/ui/reconciliation", "Reconciliation"),
    ("coverage", "/ui/coverage", "Coverage calendar"),
    ("runs", "/ui/ingestion/runs", "Ingestion"),
    ("cases", "/ui/cases?status=all", "Corporate-action cases"),
    ("drift", "/ui/drift", "Schema drift"),
    ("setup", "/ui/setup", "Setup"),
]


def test_every_page_renders_cleanly(browse: Browse) -> None:
    page = browse.page
    for name, path, heading in STATIC_PAGES:
        browse.goto(path)
        expect(page.locator("h1")).to_contain_text(heading)
        browse.shot(name)

    browse.goto("/ui/instruments?active=1")
    page.locator("table.list tbody a").first.click()
    expect(page.locator("h2", has_text="Closed lots")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    browse.shot("instrument")

    page.get_by_role("link", name="Every event with its raw Flex rows").click()
    expect(page.locator("h1")).to_have_text("Where this figure comes from")
    expect(page.locator("details.raw").first).to_be_visible()
    browse.shot("provenance")

    page.locator("details.raw a.raw-link").first.click()
    expect(page.locator("h1")).to_contain_text("Raw Flex row")
    expect(page.locator("dl.attrs")).to_contain_text("conid")
    browse.shot("raw-row")

    browse.goto("/ui/ingestion/runs")
    page.locator("table.list tbody a").first.click()
    expect(page.locator("h2", has_text="Stage timeline")).to_be_visible()
    browse.shot("run")

    browse.goto("/ui/ingestion/runs")
    page.locator("#reprocess").click()
    expect(page.locator("h1")).to_have_text("What the reprocess changed")
    browse.shot("reprocess-changes")

    browse.goto("/ui/labels")
    page.locator("#create-label input[name=name]").fill("Income")
    page.locator("#create-label button").click()
    page.get_by_role("link", name="Income").first.click()
    expect(page.locator("h1")).to_contain_text("Income")
    browse.shot("label")

    browse.goto("/ui/instruments/00000000-0000-0000-0000-000000000000")
    expect(page.locator("h1")).to_have_text("That did not work")
    # The one expected error: the unknown instrument answers 404 with its page.
    browse.problems = [p for p in browse.problems if "404" not in p]
    browse.shot("not-found")
    browse.assert_clean()


def test_pages_fit_a_phone(browse: Browse) -> None:
    page = browse.page
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path, _ in STATIC_PAGES[:4]:
        browse.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
        browse.shot(f"phone-{name}")
    browse.assert_clean()


def test_empty_database_pages_guide_the_user(browse_empty: Browse) -> None:
    browse = browse_empty
    browse.goto("/ui/")
    expect(browse.page.get_by_text("No figures yet")).to_be_visible()
    browse.shot("dashboard")
    browse.goto("/ui/ingestion/runs")
    expect(
        browse.page.get_by_text("Fetching from IBKR is not configured")
    ).to_be_visible()
    browse.goto("/ui/setup")
    expect(browse.page.get_by_text("IBKR_FLEX_TOKEN").first).to_be_visible()
    browse.shot("setup")
    browse.assert_clean()


def test_pages_hold_under_a_strict_content_security_policy(browse_csp: Browse) -> None:
    browse = browse_csp
    page = browse.page
    for _, path, heading in STATIC_PAGES:
        browse.goto(path)
        expect(page.locator("h1")).to_contain_text(heading)
    browse.goto("/ui/ingestion/runs")
    page.locator("table.list tbody a").first.click()
    page.locator("button[data-copy]").first.click()
    expect(page.locator("button[data-copy]").first).to_have_text("Copied")
    browse.assert_clean()
