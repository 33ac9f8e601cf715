"""`phenkg site`: the whole linked-data site as files, for any static host (GitHub Pages, a bucket).

    data/ -> phenkg build (site/dist/: dumps, VoID/DCAT, ontology) -> an in-memory store of the dump
          -> every entity IRI under the base: {path}.html .ttl .jsonld .nt .rdf
          -> home, browse, query, dataset (VoID) and ontology pages; sitemap.xml, robots.txt, 404.html
          -> w3id/.htaccess: the redirects of the IRIs to these files (phenkg.w3id)

Every page is rendered by the server's own functions (phenkg.serve.pages and .browse) over a store,
with the links of a static host (`Links`: `{root}paper/x.html`), so `serve` and `site` cannot drift.
The output directory is replaced as a whole, atomically (phenkg.atomic.replacing_dir).
"""

from __future__ import annotations

import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from phenkg import atomic
from phenkg.errors import PhenkgError
from phenkg.formats import EXPORTS, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE
from phenkg.markup import is_web_url
from phenkg.model import Catalog
from phenkg.progress import Progress
from phenkg.vocab import KINDS, base_iri

# the files of one entity, in the order the w3id rules and the pages list them
ENTITY_FORMATS = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
PAGE_SUFFIX = "." + HTML.extension
WRITERS = 4            # threads creating files (each open waits on the file system, without the GIL)
WRITE_QUEUE = 2_000    # files waiting to be written at most (their bodies are held in memory)
ROOT_FILES = {"index.html", "404.html", "sitemap.xml", "robots.txt", "favicon.ico", ".nojekyll", ".htaccess"}


@dataclass
class SiteResult:
    out: Path
    entities: int = 0
    files: int = 0
    conforms: bool = True
    pages: list[str] = field(default_factory=list)     # every HTML page's path, for the sitemap and tests


def site_links(base_url: str | None):
    """The links of a site published at `base_url` (its path is every link's root)."""
    from phenkg.serve.pages import Links

    root = urlsplit(base_url).path if base_url else "/"
    return Links(root=root if root.endswith("/") else root + "/", suffix=PAGE_SUFFIX)


def check_base_url(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    if not is_web_url(base_url) or urlsplit(base_url).query or urlsplit(base_url).fragment:
        raise PhenkgError(f"the site URL {base_url!r} is not an http(s) URL",
                          hint="pass --base-url like https://you.github.io/phenkg/")
    return base_url if base_url.endswith("/") else base_url + "/"


def build_site(catalog: Catalog, out: Path, base: str, *, base_url: str | None = None, shapes=None,
               ontology: Path | None = None, endpoint: str | None = None) -> SiteResult:
    """Write the site of `catalog` into `out` (replaced whole when the site is complete)."""
    base = base_iri(base)
    base_url = check_base_url(base_url)
    if endpoint is not None and not is_web_url(endpoint):
        raise PhenkgError(f"the endpoint {endpoint!r} is not an http(s) URL", hint="pass --endpoint like "
                          "https://example.org/sparql, or leave it out to query in the browser")
    out = Path(out)
    with atomic.replacing_dir(out, owns=_owned) as staging:
        result = _write_site(catalog, staging, base, base_url, (shapes, ontology, endpoint))
    result.out = out
    return result


def _owned(name: str) -> bool:
    """What a site replaces in an existing output directory: its own files and folders."""
    return (name in ROOT_FILES or name in KINDS or name.partition(".")[0] in SITE_DIRS
            or (name.startswith(".") and name.endswith(".tmp")))


SITE_DIRS = {"phenkg", "CITATION", "dist", "static", "dataset", "void", "ontology", "shapes", "query", "w3id",
             "context", "graph", "topics", "keywords", "authors", "venues", "years", "repositories"}


def _write_site(catalog: Catalog, out: Path, base: str, base_url: str | None, resources: tuple) -> SiteResult:
    import pyoxigraph

    from phenkg.charts.html import charts_folder
    from phenkg.export import CHARTS, build_into
    from phenkg.serve.documents import load_documents
    from phenkg.serve.pages import Describer

    shapes, ontology, endpoint = resources
    (out / "dist").mkdir()            # `out` is the site's staging folder: the build goes straight in
    built = build_into(catalog, out / "dist", base, shapes, ontology, formats=frozenset({*EXPORTS, CHARTS}))
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / "dist" / "phenkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    links = site_links(base_url)
    describer = Describer(store, base, charts_folder(out / "dist"), links=links)
    documents = load_documents(store, base, shapes, ontology, out / "dist")
    described = Describer(documents.void_store(), base, links=links)
    result = SiteResult(out, conforms=built.conforms)
    result.files = sum(1 for path in (out / "dist").rglob("*") if path.is_file())   # the build's, counted too
    with ThreadPoolExecutor(WRITERS) as pool:
        write = _Writer(out, result, pool)
        _write_pages(write, describer, described, documents, base=base, base_url=base_url, links=links,
                     endpoint=endpoint)
        write.drain()
    return result


def _write_pages(write: _Writer, describer, described, documents, *, base: str, base_url: str | None,
                 links, endpoint: str | None) -> None:
    from phenkg import w3id
    from phenkg.charts.html import chart_html
    from phenkg.serve import browse
    from phenkg.serve.documents import with_nav
    from phenkg.serve.files import STATIC_FILES
    from phenkg.serve.pages import not_found_page, void_response
    from phenkg.serve.query_page import dataset_script, query_page

    out, result, store = write.out, write.result, describer.store

    entities = sorted(entity_iris(store, base))
    progress = Progress("site", total=len(entities), unit="entities")
    for done, iri in enumerate(entities, 1):
        write_entity(write, describer, iri)
        progress(done)
    progress.done(f"{len(entities):,} entities")
    result.entities = len(entities)
    for iri in sorted(entity_iris(described.store, base)):   # the description's parts: {base}dataset/...
        if iri.startswith(described.iris.dataset + "/"):
            write_entity(write, described, iri)

    dataset = _dataset_document(out / "dist")
    charts = chart_html("home", None, describer.charts, links.page("query"))
    write.page("", browse.home_page(describer, dataset, charts))
    for name in browse.PAGES:
        write.page(name, browse.list_page(describer, name))
    write.page("query", query_page(base, dataset, links=links, endpoint=endpoint))
    from phenkg import cite
    for name, body in cite.citation_files(store, base).items():     # CITATION.cff, phenkg.bib, {path}.bib ...
        write.file(name, body)
    for name in ("dataset", "void"):
        for fmt in ENTITY_FORMATS:
            response = void_response(described, documents.void, "/" + name, None, fmt.name,
                                     head=dataset_script(dataset))
            write.entity_file(name, fmt, response.body)
    if documents.ontology_html:
        write.page("ontology", with_nav(documents.ontology_html, links))
    write_documents(write, documents, links)
    write.page("404", not_found_page("There is no page at this address.", links), listed=False)
    for static in sorted(STATIC_FILES.iterdir()):
        if static.is_file() and not static.name.startswith("."):
            write.file(f"static/{static.name}", static.read_bytes())
    write.file("favicon.ico", (STATIC_FILES / "favicon.ico").read_bytes())
    _copy_wasm(out, write)
    write.file(".nojekyll", b"")       # GitHub Pages: serve the files as they are (no Jekyll)
    write.file("robots.txt", robots(base_url or base))
    write.file("sitemap.xml", sitemap(base_url or base, result.pages))
    if base_url is not None and base_url != base:   # a site elsewhere, its IRIs redirected to it
        write.file("w3id/.htaccess", w3id.htaccess(base, base_url))
        write.file("w3id/README.md", w3id.readme(base, base_url))
    write.file(".htaccess", w3id.site_htaccess())       # for a site hosted on Apache itself


def write_documents(write: _Writer, documents, links) -> None:
    """The ontology and the shapes in every format, the JSON-LD context, the named graph's page."""
    from phenkg.serve.documents import turtle_page
    from phenkg.serve.results import serialize

    for fmt in ENTITY_FORMATS[1:]:
        write.file(f"ontology.{fmt.extension}", serialize(documents.ontology, fmt.name))
        write.file(f"shapes.{fmt.extension}", serialize(documents.shapes, fmt.name))
    write.page("shapes", turtle_page("SHACL shapes", documents.shapes, ENTITY_FORMATS[1:], links=links, files="shapes"))
    write.file("context.jsonld", documents.context)
    write.page("graph", _moved_page(links.page("void"), "The named graph of the dumps is the dataset", links))


def entity_iris(store, base: str) -> set[str]:
    """Every IRI under the base that a page describes: subjects and objects of the entity kinds."""
    kinds = tuple(f"{base}{kind}/" for kind in (*KINDS, "dataset"))
    found: set[str] = set()
    for quad in store:
        for term in (quad.subject, quad.object):
            if type(term).__name__ == "NamedNode" and term.value.startswith(kinds):
                found.add(term.value)
    return found


def write_entity(write: _Writer, describer, iri: str) -> None:
    from phenkg.serve.pages import entity_answer

    path = describer.iris.relative(iri) or ""
    describer.memo = {}                      # one description, five formats
    try:
        for fmt in ENTITY_FORMATS:
            write.entity_file(path, fmt, entity_answer(describer, iri, fmt).body)
    finally:
        describer.memo = None


class _Writer:
    """Files into the staging directory; every path stays inside it."""

    def __init__(self, out: Path, result: SiteResult, pool: ThreadPoolExecutor) -> None:
        self.out, self.result, self.pool = out, result, pool
        self.folders: set[Path] = set()
        self.pending: list[Future] = []

    def file(self, path: str, body: bytes) -> None:
        relative = PurePosixPath(unquote(path))
        if relative.is_absolute() or ".." in relative.parts or "\x00" in path:
            raise PhenkgError(f"the page path {path!r} leads outside the site", path=str(self.out))
        target = self.out / relative
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        self.pending.append(self.pool.submit(_write, target, body))   # creating files waits on the disk
        if len(self.pending) > WRITE_QUEUE:
            self.drain()
        self.result.files += 1

    def drain(self) -> None:
        for done in self.pending:
            done.result()                         # an error writing stops the site
        self.pending = []

    def entity_file(self, path: str, fmt, body: bytes) -> None:
        self.file(f"{path}.{fmt.extension}", body)
        if fmt is HTML:
            self.result.pages.append(path)

    def page(self, path: str, body: bytes, *, listed: bool = True) -> None:
        self.file(f"{path or 'index'}.html", body)
        if listed:
            self.result.pages.append(path)


def _write(target: Path, body: bytes) -> None:
    with open(target, "wb") as out:
        out.write(body)


def _dataset_document(dist: Path) -> dict | None:
    import json
    found = dist / "dataset.jsonld"
    return json.loads(found.read_text(encoding="utf-8")) if found.is_file() else None


def _moved_page(href: str, title: str, links) -> bytes:
    from phenkg.serve.pages import page
    target = escape(href, quote=True)
    return page(title, f'<h1>{escape(title)}</h1><p>See <a href="{target}">the dataset\'s description</a>.</p>',
                f'<meta http-equiv="refresh" content="0; url={target}">', links)


def _copy_wasm(out: Path, write: _Writer) -> None:
    """The in-browser SPARQL engine (Oxigraph compiled to WebAssembly, npm `oxigraph`), when installed."""
    from phenkg.wasm import engine_files

    for name, source in engine_files():
        target = out / "static" / "oxigraph" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        write.result.files += 1


def page_url(site: str, path: str) -> str:
    return site + (path + PAGE_SUFFIX if path else "")


def robots(site: str) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {site}sitemap.xml\n".encode()


def sitemap(site: str, pages: list[str]) -> bytes:
    """sitemaps.org 0.9: every page (a sitemap holds up to 50,000 URLs; a larger site needs an index)."""
    urls = "".join(f"<url><loc>{escape(page_url(site, p))}</loc></url>\n" for p in sorted(set(pages))[:50_000])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n').encode()


__all__ = ["SiteResult", "build_site", "entity_iris", "site_links"]
