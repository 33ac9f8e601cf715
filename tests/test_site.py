"""`phenkg site`: the static site of the seed, its files, its pages (the server's, by the same
functions), and a crawl of it on a plain static file server and of the server's pages."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pyoxigraph
import pytest

from phenkg.serve import call
from phenkg.serve.site import ENTITY_FORMATS, build_site, entity_iris

from .conftest import BASE, DATA
from .test_serve_support import app_over_seed

RDF = {f.extension: f.rdf_format for f in ENTITY_FORMATS if f.rdf}


@pytest.fixture(scope="module")
def site(tmp_path_factory, catalog) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(catalog, out, BASE)
    return out


@pytest.fixture(scope="module")
def iris(site) -> list[str]:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(site / "dist" / "phenkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return sorted(entity_iris(store, BASE))


@pytest.fixture(scope="module")
def app(tmp_path_factory, site):
    with app_over_seed(tmp_path_factory.mktemp("site-app"), dist=site / "dist") as served:   # its charts too
        yield served


@contextlib.contextmanager
def static_server(folder: Path):
    """A plain static file server (the standard library's) on a free loopback port."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None           # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_every_entity_has_its_five_files_and_each_parses(site, iris):
    assert len(iris) > 2000
    for iri in iris:
        path = site / unquote(iri[len(BASE):])
        html = path.with_name(path.name + ".html").read_text(encoding="utf-8")
        assert '<script type="application/ld+json">' in html, iri
        for extension, rdf_format in RDF.items():
            body = path.with_name(f"{path.name}.{extension}").read_bytes()
            store = pyoxigraph.Store()
            store.load(body, format=rdf_format)
            assert any(True for _ in store.quads_for_pattern(pyoxigraph.NamedNode(iri), None, None)) or \
                any(True for _ in store.quads_for_pattern(None, None, pyoxigraph.NamedNode(iri))), (iri, extension)


@pytest.mark.parametrize("kind", ["paper", "author", "topic", "keyword", "venue", "repo", "authorship"])
def test_site_page_is_the_servers_page(site, iris, app, kind):
    """One renderer: the site's file is the server's answer, but for the links' `.html` suffix."""
    iri = next(i for i in iris if i.startswith(f"{BASE}{kind}/"))
    path = iri[len(BASE):]
    status, _, served = call(app, "/" + path, "text/html")
    assert status == 200
    written = (site / unquote(path + ".html")).read_text(encoding="utf-8")
    cite = re.compile(r'<p class="cite">.*?</p>')     # citations: negotiated on the server, files on the site
    for href in re.findall(r'<p class="cite">.*?</p>', written)[:1]:
        for file in re.findall(r'href="/([^"]+)"', href):
            assert (site / unquote(file)).is_file(), file
    assert cite.sub("", re.sub(r'(href="/[^"#?]*?)\.html([#"?])', r"\1\2", written)) == cite.sub("", served.decode())


def test_site_files_for_crawlers(site, iris):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for iri in iris:
        assert f"<loc>{iri}.html</loc>" in sitemap.replace("&amp;", "&")
    assert "Sitemap: https://w3id.org/phenkg/sitemap.xml" in (site / "robots.txt").read_text()
    assert "Not found" in (site / "404.html").read_text()
    assert (site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (site / ".nojekyll").exists()
    assert not (site / "w3id").exists()          # no --base-url: the site lives at the base itself


def test_rebuilding_replaces_the_site_and_refuses_foreign_folders(site, catalog, tmp_path):
    out = tmp_path / "s"
    build_site(catalog, out, BASE, base_url="https://example.org/phenkg/")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="/phenkg/topics.html"' in page           # links under the site's own path
    assert "RewriteRule" in (out / "w3id" / ".htaccess").read_text()
    (out / "stale.txt").write_text("a file the site does not write")
    with pytest.raises(Exception, match=r"replaces its whole output directory|holds files"):
        build_site(catalog, out, BASE)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def crawl(start: str, fetch) -> tuple[set[str], list[tuple[str, str, int]]]:
    """Every local page reachable from `start` (a path); broken links as (page, link, status). `fetch`
    gives (status, the Content-Type or for a redirect the Location, body)."""
    seen, broken, queue = {start}, [], [start]
    while queue:
        here = queue.pop()
        status, media, body = fetch(here)
        if status in (302, 303) and media.startswith("/"):       # a redirect: follow it
            if media not in seen:
                seen.add(media)
                queue.append(media)
            continue
        if status != 200:
            broken.append(("?", here, status))
            continue
        if not media.startswith("text/html"):
            continue
        parser = Links()
        parser.feed(body.decode("utf-8"))
        for href in parser.links:
            target = urljoin("http://site" + here, href)
            parts = urlsplit(target)
            if parts.netloc != "site":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in seen:
                seen.add(path)
                queue.append(path)
    return seen, broken


@pytest.mark.slow
def test_crawl_of_the_static_site_reaches_every_entity(site, iris):
    with static_server(site) as url:
        def fetch(path):
            try:
                with urllib.request.urlopen(url + path, timeout=30) as answer:
                    return answer.status, answer.headers.get("Content-Type", ""), answer.read()
            except urllib.error.HTTPError as error:
                return error.code, "", b""
        seen, broken = crawl("/", fetch)
    assert not broken, broken[:10]
    pages = {unquote(p) for p in seen}
    missing = [i for i in iris if unquote("/" + i[len(BASE):] + ".html") not in pages]
    assert not missing, missing[:10]


@pytest.mark.slow
def test_crawl_of_the_server_reaches_every_entity(app, iris):
    def fetch(path):
        status, headers, body = call(app, path, "text/html")
        return status, headers.get("Location") or headers.get("Content-Type", ""), body
    seen, broken = crawl("/", fetch)
    assert not broken, broken[:10]
    missing = [i for i in iris if "/" + i[len(BASE):] not in seen and not i.startswith(BASE + "dataset/")]
    assert not missing, missing[:10]


@pytest.mark.slow
def test_cli_site(tmp_path):
    out = tmp_path / "cli-site"
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "site", "--data", str(DATA), "--out", str(out),
                           "--base-url", "https://example.org/x/"], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "entities" in done.stderr
    assert (out / "paper").is_dir()
    assert (out / "w3id" / ".htaccess").is_file()


def test_every_iri_the_void_and_the_ontology_mint_dereferences(tmp_path, catalog):
    """On the server over a build: each IRI under the base that void.ttl or ontology.ttl names answers."""
    from phenkg.export import build
    from phenkg.serve import Executor, Settings, create_app

    dist = tmp_path / "dist"
    build(catalog, dist, BASE)
    store = pyoxigraph.Store.read_only(str(dist / "store"))
    served = create_app(Executor(store), Settings(base=BASE, dist=dist), store)
    minted = set()
    for name in ("void.ttl", "ontology.ttl"):
        for quad in pyoxigraph.parse(path=str(dist / name), format=pyoxigraph.RdfFormat.TURTLE):
            minted |= {t.value for t in (quad.subject, quad.predicate, quad.object)
                       if isinstance(t, pyoxigraph.NamedNode) and t.value.startswith(BASE)}
    assert len(minted) > 60
    failing = {}
    for iri in sorted(minted):
        for accept in ("text/html", "text/turtle"):
            status, _, _ = call(served, "/" + iri[len(BASE):].split("#")[0], accept)
            if status not in (200, 303):
                failing[(iri, accept)] = status
    assert not failing, failing


def test_site_pages_carry_their_charts_and_run_them_on_its_query_page(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    assert home.count("<svg") >= 5, "the home page's charts are drawn in the page"
    runs = re.findall(r'href="([^"]*)\?query=', home)
    assert runs, "each chart links its query"
    assert set(runs) == {"/query.html"}, "a static site has no endpoint: its queries run on its query page"
    topic = next((site / "topic").glob("*.html")).read_text(encoding="utf-8")
    assert "<svg" in topic
    assert (site / "dist" / "charts").is_dir()


def test_the_site_ships_the_browser_engine_pinned_by_package_json(site):
    """The query page's engine is in the package (a wheel install has no npm), and it is the npm
    package's own files, at the version package.json pins."""
    from phenkg.wasm import FILES, SHIPPED

    for name in FILES:
        assert (site / "static" / "oxigraph" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    root = Path(__file__).resolve().parents[1]
    npm = root / "node_modules" / "oxigraph"
    if not npm.is_dir():
        pytest.skip("npm packages not installed (scripts/setup runs npm ci)")
    import json
    pinned = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))["packages"]["node_modules/oxigraph"]
    assert json.loads((npm / "package.json").read_text(encoding="utf-8"))["version"] == pinned["version"]
    assert f"version {pinned['version']}" in (SHIPPED / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        assert (npm / name).read_bytes() == (SHIPPED / name).read_bytes(), f"{name} differs from npm's: copy it again"
