"""The static site in headless chromium (Debian's, through Playwright): the query page runs every
example in the browser (Oxigraph as WebAssembly over the site's dump, nothing fetched from elsewhere)
with the rows `phenkg serve` answers, and the pages fit a phone's width and a desktop's."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from phenkg.serve import call
from phenkg.serve.examples import examples
from phenkg.serve.site import build_site
from phenkg.wasm import engine_files

from .conftest import BASE
from .test_browser import ARGS, CHROMIUM
from .test_serve_support import app_over_seed
from .test_site import static_server

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed")]
PAGES = {"home": "/", "paper": "/paper/arxiv-1606.05340.html", "author": "/author/preetum-nakkiran.html",
         "topic": "/topic/empirical-study.html", "void": "/void.html", "years": "/years.html",
         "ontology": "/ontology.html", "query": "/query.html"}
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def site(tmp_path_factory, catalog):
    if not engine_files():
        pytest.skip("the npm package oxigraph is not installed (scripts/setup runs npm ci)")
    out = tmp_path_factory.mktemp("site-browser") / "site"
    build_site(catalog, out, BASE)
    with static_server(out) as url:
        yield url


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("site-browser-app")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def shown(term: dict | None) -> str:
    """A result cell as the query page shows it: an IRI under the base as its path, else the value."""
    if term is None:
        return ""
    value = term["value"]
    return value[len(BASE):] if term["type"] == "uri" and value.startswith(BASE) else value


def test_every_example_runs_in_the_browser_with_the_servers_rows(site, app, browser):
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)
    page.goto(site + "/query.html")
    for index, (title, query) in enumerate(examples(BASE)):
        page.evaluate("document.querySelector('#status').textContent = ''")
        page.locator(f"button.example[data-index='{index}']").click()
        page.wait_for_function("document.querySelector('#status').textContent.includes(' in ')", timeout=120_000)
        rows = page.evaluate("""Array.from(document.querySelectorAll('table.results tbody tr'))
            .map(tr => Array.from(tr.children).map(td => td.textContent))""")
        status, _, body = call(app, "/sparql?" + urlencode({"query": query}), "application/sparql-results+json")
        assert status == 200
        answer = json.loads(body)
        names = answer["head"]["vars"]
        expected = [[shown(b.get(n)) for n in names] for b in answer["results"]["bindings"]]
        assert expected, title
        assert sorted(rows) == sorted(expected), title
    assert outside == [], f"the query page fetched outside the site: {outside}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_fit_the_width(site, browser, tmp_path_factory, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site + PAGES[name])
    assert page.locator("nav a").count() >= 8, "one navigation bar on every page"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name} at {width} px scrolls sideways ({scroll} px)"
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.close()
