"""The browser on `flexledger demo`'s sample account: pages, drilldown, verdicts.

The demo is built once per session (`demo_app`) and served behind the strict
Content-Security-Policy; these tests only read it.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from flexledger.demo.sample import MERGER_ACQUIRER, MERGER_TARGET
from tests.ui.conftest import Browse
from tests.ui.test_pages import STATIC_PAGES

pytestmark = pytest.mark.browser

DEMO_STATEMENTS = 30
PHONE_WIDTH = 390


def test_every_page_renders_cleanly_on_the_demo(browse_demo: Browse) -> None:
    browse = browse_demo
    page = browse.page
    for name, path, heading in STATIC_PAGES:
        browse.goto(path)
        expect(page.locator("h1")).to_contain_text(heading)
        browse.shot(name)

    browse.goto("/ui/instruments?search=BRDM")
    page.get_by_role("link", name="BRDM").first.click()
    expect(page.locator("h2", has_text="Closed lots")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    browse.shot("instrument")

    page.get_by_role("link", name="Every event with its raw Flex rows").click()
    expect(page.locator("details.raw").first).to_be_visible()
    browse.shot("provenance")

    browse.goto("/ui/labels")
    page.get_by_role("link", name="Dividend").first.click()
    expect(page.locator("h1")).to_contain_text("Dividend")
    browse.shot("label")

    browse.goto("/ui/cases")
    expect(page.locator("article.case")).to_have_count(1)
    browse.shot("open-cases")

    browse.goto("/ui/ingestion/runs")
    page.locator("table.list tbody a").first.click()
    expect(page.locator("h2", has_text="Stage timeline")).to_be_visible()
    browse.shot("run")

    browse.goto("/ui/reconciliation?within_tolerance=false")
    page.locator("#recon-table a.raw-link").first.click()
    expect(page.locator("h1")).to_contain_text("Raw Flex row")
    browse.shot("raw-row")
    browse.assert_clean()


def test_demo_pages_fit_a_phone(browse_demo: Browse) -> None:
    browse = browse_demo
    page = browse.page
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    for name, path, _ in STATIC_PAGES:
        browse.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH + 1, f"{path} scrolls sideways ({width}px)"
        if name in ("dashboard", "reconciliation", "coverage"):
            browse.shot(f"phone-{name}")
    browse.assert_clean()


def test_a_demo_dashboard_figure_drills_down_to_a_raw_row(
    browse_demo: Browse,
) -> None:
    browse = browse_demo
    page = browse.page
    browse.goto("/ui/")
    page.locator("#fig-dividends a").click()
    expect(page.locator("h1")).to_have_text("P&L by instrument")
    expect(page.locator("th.focus")).to_have_text("Dividends")
    row = page.locator("table.report tbody tr", has_text="HALC")
    row.locator("td.num a").nth(2).click()
    expect(page.locator("h1")).to_have_text("Where this figure comes from")
    dividend = page.locator("article.event", has_text="cashflow").first
    expect(dividend).to_be_visible()
    raw = dividend.locator("details.raw").first
    expect(raw.locator("dl.attrs")).to_contain_text("conid")
    raw.locator("a.raw-link").click()

    expect(page.locator("h1")).to_contain_text("Raw Flex row")
    expect(page.locator("dl.facts")).to_contain_text("CashTransactions")
    sha = page.locator("dl.facts code.wrap").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    expect(page.locator("dl.attrs")).to_contain_text("HALC")
    browse.shot("raw-row")
    page.get_by_role("link", name=re.compile("run of")).click()
    expect(page.locator("h2", has_text="Stage timeline")).to_be_visible()
    browse.shot("run")
    browse.assert_clean()


def test_demo_reconciliation_fails_only_where_the_merger_case_is(
    browse_demo: Browse,
) -> None:
    browse = browse_demo
    page = browse.page
    browse.goto("/ui/reconciliation")
    counts = page.locator("#recon-counts .card a.num")
    rows, within, out = (int(counts.nth(i).inner_text()) for i in range(3))
    assert rows > 1000
    assert 0 < out < rows
    assert within + out == rows
    reasons = page.locator("#reasons ul.reasons").first.locator("li")
    expect(reasons).to_have_count(1)
    expect(reasons).to_contain_text("corporate_action_adjustment")
    expect(reasons).to_contain_text(str(out))
    browse.shot("all")

    page.locator("#recon-filters select[name=within_tolerance]").select_option("false")
    page.locator("#recon-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"within_tolerance=false"))
    failing = page.locator("#recon-table tbody.diff")
    assert out <= 50, "the test reads one page of failing rows"
    expect(failing).to_have_count(out)
    expect(page.locator("#recon-table tbody.pass")).to_have_count(0)
    symbols = set(failing.locator("td:nth-child(2) strong").all_inner_texts())
    assert symbols
    assert symbols <= {MERGER_TARGET, MERGER_ACQUIRER}
    codes = set(failing.locator("td.reason code").all_inner_texts())
    assert codes == {"corporate_action_adjustment"}
    expect(failing.first.locator("td.reason")).to_contain_text("open case")
    expect(failing.first.locator("tr.context")).to_contain_text("our")
    browse.shot("failing")

    csv_link = page.locator("#csv-download")
    href = csv_link.get_attribute("href")
    assert href is not None
    assert href.startswith("/reports/reconciliation/diff?")
    assert "within_tolerance=false" in href
    assert "format=csv" in href
    answer = page.request.get(browse.base_url + href)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(answer.text())))
    assert len(table) == out
    # CSV v1 (SPEC §13) has no reason column; the verdict and instruments match.
    assert {line["within_tolerance"] for line in table} == {"false"}
    assert {line["symbol"] for line in table} == symbols

    browse.goto("/ui/reconciliation?within_tolerance=true")
    expect(page.locator("#recon-table tbody.fail")).to_have_count(0)
    expect(page.locator("#recon-total .muted")).to_have_text(str(within))
    browse.assert_clean()


def test_demo_coverage_has_30_statements_and_no_gaps(browse_demo: Browse) -> None:
    browse = browse_demo
    page = browse.page
    browse.goto("/ui/coverage")
    expect(page.locator("h1")).to_have_text("Coverage calendar")
    expect(page.locator("#statements tbody tr")).to_have_count(DEMO_STATEMENTS)
    expect(page.locator("#gap-count .num")).to_have_text("0")
    expect(page.locator("#gaps")).to_contain_text("No gaps")
    expect(page.locator("#calendar td.day-gap")).to_have_count(0)
    expect(page.locator("#calendar table.month")).to_have_count(DEMO_STATEMENTS)
    expect(page.locator("#calendar td.day-covered").first).to_be_visible()
    expect(page.locator("#statements tbody tr").first).to_contain_text("Trades")
    browse.shot()
    page.locator("#statements tbody tr a").first.click()
    expect(page.locator("h2", has_text="Stage timeline")).to_be_visible()
    browse.assert_clean()
