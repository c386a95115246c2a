"""User flows in a real browser: labels, notes, drilldown, upload, cases."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import UABEAN, Browse

pytestmark = pytest.mark.browser


def _first_instrument(browse: Browse) -> str:
    browse.goto("/ui/instruments?active=1")
    link = browse.page.locator("table.list tbody a").first
    symbol = link.inner_text().strip()
    link.click()
    expect(browse.page.locator("h1")).to_contain_text(symbol)
    return symbol


def test_a_label_assigned_shows_in_the_label_report(browse: Browse) -> None:
    page = browse.page
    browse.goto("/ui/labels")
    page.locator("#create-label input[name=name]").fill("Core holdings")
    page.locator("#create-label button").click()
    expect(page.locator(".flash.ok")).to_contain_text("created")

    symbol = _first_instrument(browse)
    page.locator("#assign-label").select_option(label="Core holdings")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#labels .chip")).to_have_text("Core holdings")

    browse.goto("/ui/labels")
    row = page.locator("table.report tbody tr", has_text="Core holdings")
    expect(row.locator("td").nth(1)).to_have_text("1")
    row.get_by_role("link", name="Core holdings").click()
    expect(page.locator("table.report tbody")).to_contain_text(symbol)
    browse.shot()
    browse.assert_clean()


def test_a_note_is_added_edited_and_deleted(browse: Browse) -> None:
    page = browse.page
    _first_instrument(browse)
    notes = page.locator("#notes")
    notes.locator("textarea[name=content]").fill(
        "Bought for the dividend; review in June."
    )
    notes.get_by_role("button", name="Add note").click()
    expect(page.locator(".note-text")).to_have_text(
        "Bought for the dividend; review in June."
    )
    browse.shot("added")
    page.locator("#notes").get_by_role("link", name="edit").click()
    page.locator("#notes textarea").first.fill("Review in September instead.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".note-text")).to_have_text("Review in September instead.")
    page.locator("#notes").get_by_role("button", name="delete").click()
    expect(page.locator("#notes")).to_contain_text("No notes yet.")
    browse.assert_clean()


def test_a_dashboard_figure_drills_down_to_a_raw_row(browse: Browse) -> None:
    page = browse.page
    browse.goto("/ui/")
    page.locator("#fig-realized a").click()
    expect(page.locator("h1")).to_have_text("P&L by instrument")
    expect(page.locator("th.focus")).to_have_text("Realized")
    page.locator("table.report tbody tr").first.locator("td.num a").first.click()
    expect(page.locator("h1")).to_have_text("Where this figure comes from")
    raw = page.locator("details.raw").first
    expect(raw).to_contain_text("Artifact SHA-256")
    sha = raw.locator("code.wrap").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    expect(raw.locator("dl.attrs")).to_contain_text("conid")
    raw.get_by_role("link", name=re.compile("run of")).click()
    expect(page.locator("h2", has_text="Stage timeline")).to_be_visible()
    browse.shot()
    browse.assert_clean()


def test_an_uploaded_statement_becomes_a_successful_run(browse_empty: Browse) -> None:
    browse = browse_empty
    page = browse.page
    browse.goto("/ui/ingestion/runs")
    page.locator("#upload-form input[type=file]").set_input_files(str(UABEAN))
    page.locator("#upload-form input[name=allow_missing_sections]").check()
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/ingestion/runs/[0-9a-f-]{36}"))
    expect(page.locator("h1 .badge")).to_have_text("success")
    expect(page.locator(".flash.ok")).to_contain_text("Imported")
    expect(page.locator("#findings")).to_be_visible()
    page.locator("button[data-copy]").first.click()
    expect(page.locator("button[data-copy]").first).to_have_text("Copied")
    browse.shot()
    browse.goto("/ui/instruments")
    expect(page.locator("table.list tbody tr")).not_to_have_count(0)
    browse.assert_clean()


def test_upload_works_without_javascript(
    browse_empty: Browse,
) -> None:
    browse = browse_empty
    context = browse.page.context.browser
    assert context is not None
    page = context.new_page(java_script_enabled=False)
    try:
        page.goto(browse.base_url + "/ui/ingestion/runs")
        page.locator("#upload-form input[type=file]").set_input_files(str(UABEAN))
        page.locator("#upload-form input[name=allow_missing_sections]").check()
        page.locator("#upload-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/ui/ingestion/runs/[0-9a-f-]{36}"))
        expect(page.locator("h1 .badge")).to_have_text("success")
    finally:
        page.close()


def test_resolving_a_case_ends_the_provisional_state(browse_cases: Browse) -> None:
    browse = browse_cases
    page = browse.page
    browse.goto("/ui/instruments?search=MRGR")
    page.get_by_role("link", name="MRGR").click()
    expect(page.locator("#provisional-warning")).to_be_visible()
    instrument_url = page.url
    browse.shot("before")

    browse.goto("/ui/cases")
    case = page.locator("article.case", has_text="MRGR")
    case.locator("textarea[name=note]").first.fill(
        "Merger booked by hand: 10 MRGR → 5 ACQ."
    )
    case.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash.ok")).to_contain_text("MRGR has no open case left")
    expect(page.locator("article.case", has_text="MRGR")).to_have_count(0)
    browse.shot("cases")

    page.goto(instrument_url)
    expect(page.locator("#provisional-warning")).to_have_count(0)
    expect(page.locator("h1 ~ p .badge.warn")).to_have_count(0)
    browse.shot("after")
    browse.assert_clean()
