"""A real browser (headless Debian chromium via Playwright) uses the query page of a live server."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_serve_support import live_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="Debian chromium (/usr/bin/chromium) is not installed")]


@pytest.fixture(scope="module")
def url():
    with live_server() as base_url:
        yield base_url


def test_example_query_then_paper_page(url):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
            page.goto(url + "/")
            page.get_by_role("button", name="Papers of a topic").click()
            page.wait_for_selector("table.results tbody tr")
            rows = page.locator("table.results tbody tr")
            assert rows.count() > 0
            assert page.locator("#downloads a[data-format=csv]").get_attribute("href").startswith("/sparql?")
            link = page.locator("table.results a.local[href^='/paper/']").first
            href = link.get_attribute("href")
            link.click()
            page.wait_for_url(url + href)
            assert page.locator("h1").inner_text().strip()
            assert page.locator('script[type="application/ld+json"]').count() == 1
            assert page.locator("a[href^='/author/']").count() > 0      # neighbours are links
            assert outside == [], f"the pages fetched outside resources: {outside}"
        finally:
            browser.close()
