"""The charts in a real browser (headless Debian chromium via Playwright): with JavaScript off, the
home, a topic and an author page show their chart SVGs (screenshots kept for a person to look at:
set PHENKG_SCREENSHOTS=DIR); with it on, a chart's "run it" link fills the query page, runs the
query and draws its result as a chart. Nothing is fetched from outside the server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_browser import ARGS, CHROMIUM
from .test_serve_support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="Debian chromium (/usr/bin/chromium) is not installed")]

PAGES = {"home": ("/", 9), "topic": ("/topic/lottery-ticket-hypothesis", 3),
         "author": ("/author/jonathan-frankle", 1),
         "author-one-coauthor": ("/author/ali-borji", 1)}     # far from the most prolific: drawn too


@pytest.fixture(scope="module")
def url():
    with live_server() as base_url:
        yield base_url


def test_pages_show_their_charts_without_javascript(url, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("PHENKG_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
            for name, (path, count) in PAGES.items():
                page.goto(url + path)
                charts = page.locator("section.charts svg[role=img]")
                assert charts.count() == count, name
                for i in range(count):
                    box = charts.nth(i).bounding_box()
                    assert box is not None, (name, i)
                    assert min(box["width"], box["height"]) > 100, (name, i)
                assert page.locator("section.charts pre code").count() == count
                page.locator("section.charts").first.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"charts-{name}.png"), full_page=True)
            assert outside == [], f"the pages fetched outside resources: {outside}"
        finally:
            browser.close()


def test_a_charts_query_link_runs_it_and_draws_the_result(url):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "/topic/lottery-ticket-hypothesis")
            link = page.locator("#chart-topic-papers-per-list-year--lottery-ticket-hypothesis a", has_text="run it")
            link.click()
            page.wait_for_selector("table.results tbody tr")
            assert "VALUES ?topic" in page.locator("#query").input_value()
            chart = page.locator("#results svg.result-chart")
            assert chart.count() == 1
            assert chart.locator("polyline").count() == 1        # years: a line
            page.get_by_role("button", name="Keywords by number of papers").click()
            page.wait_for_selector("#results svg.result-chart rect")
            assert page.locator("#results svg.result-chart rect").count() == 25
        finally:
            browser.close()
