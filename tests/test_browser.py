"""A real browser (headless Debian chromium via Playwright) uses the query page of a live server."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_serve_safety import make_hostile_app
from .test_serve_support import live_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
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
            page.goto(url + "/query")
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


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    return make_hostile_app(tmp_path_factory.mktemp("hostile"))


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def test_json_ld_in_an_entity_page_leaves_the_body_to_chromium(hostile_app):
    """A digest with `<!--<script>` must not turn the rest of the page into script data."""
    import json

    from phenkg.serve import call
    from phenkg.serve.pages import Describer

    from .conftest import BASE

    playwright_api = pytest.importorskip("playwright.sync_api")
    app, iri = hostile_app
    status, _, body = call(app, iri[len(BASE) - 1:], "text/html")
    assert status == 200
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())          # the page alone, nothing fetched
            page.set_content(body.decode("utf-8"))
            assert page.locator("body > main > h1").count() == 1
            assert page.locator("main table.props tr").count() > 3
            assert page.locator("nav a[href='/ontology']").count() == 1
            scripts = page.locator('script[type="application/ld+json"]')
            assert scripts.count() == 1
            assert json.loads(scripts.first.text_content()) == Describer(app.store, BASE).jsonld(iri)
            assert page.locator("a[href^='javascript:' i], a[href^='data:' i]").count() == 0
        finally:
            browser.close()


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "data:text/html,hi", "vbscript:msgbox(1)"])
def test_query_results_link_only_http_iris(url, iri):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.goto(url + "/query")
            page.fill("#query", f'SELECT ?bad ?good WHERE {{ BIND(IRI("{iri}") AS ?bad) '
                                'BIND(IRI("https://example.org/x") AS ?good) }')
            page.click("#run")
            page.wait_for_selector("table.results tbody tr")
            bad, good = page.locator("table.results tbody tr td").all()
            assert bad.inner_text() == iri
            assert bad.locator("a").count() == 0
            assert good.locator("a").get_attribute("href") == "https://example.org/x"
        finally:
            browser.close()
