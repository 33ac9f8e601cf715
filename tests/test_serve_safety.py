"""Regression tests for issues 12 and 13: what a request or the data can make the server do.

Each test names the class of bug it closes: files outside --dist, the Host header in RDF, data text
that HTML parsers read as markup, non-http(s) links, the /sparql redirect, the prefix error, the
order of SELECT * columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from html.parser import HTMLParser
from urllib.parse import urlencode

import pyoxigraph
import pytest
import yaml

from phenkg.serve import Executor, Settings, build_disk_store, call, create_app
from phenkg.serve.pages import Describer
from phenkg.vocab import SCHEMA, encoded_iri

from .conftest import BASE, DATA

HOSTILE_DIGEST = "Before <!--<script> inside </script> after & <b>bold</b> ]]> -->"
HOSTILE_URLS = ("javascript:alert(1)", "JaVaScRiPt:alert(2)", "data:text/html,<script>alert(3)</script>",
                "vbscript:msgbox(4)")


def empty_app(**settings):
    store = pyoxigraph.Store()
    return create_app(Executor(store), Settings(base=BASE, **settings), store)


# -- 1. /dist serves only regular files inside the folder -------------------------------------------
@pytest.fixture
def dist(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ttl").write_text("<urn:s> <urn:p> 'secret' .\n")
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "phenkg.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (folder / ".env.txt").write_text("TOKEN=1\n")
    (folder / "leak.ttl").symlink_to(outside / "secret.ttl")
    (folder / "passwd.txt").symlink_to(outside / "passwd")
    (folder / "inside.ttl").symlink_to(folder / "phenkg.ttl")   # even one pointing inside: not a regular file
    (folder / "sub").symlink_to(outside, target_is_directory=True)
    (tmp_path / "linked-dist").symlink_to(folder, target_is_directory=True)
    return tmp_path


@pytest.mark.parametrize("name", ["leak.ttl", "passwd.txt", "inside.ttl", ".env.txt", "sub", "sub/passwd",
                                  "sub%2Fpasswd", "..%2Foutside%2Fpasswd", "../outside/passwd"])
def test_dist_serves_no_symlink_dotfile_or_path_outside(dist, name):
    for folder in (dist / "dist", dist / "linked-dist"):
        status, _, body = call(empty_app(dist=folder), "/dist/" + name)
        assert status == 404, (folder, name, body[:200])
        assert b"root:x" not in body
        assert b"secret" not in body


def test_dist_serves_regular_files_also_from_a_symlinked_dist_folder(dist):
    for folder in (dist / "dist", dist / "linked-dist"):
        status, headers, body = call(empty_app(dist=folder), "/dist/phenkg.ttl")
        assert status == 200
        assert body == b"<urn:a> <urn:b> <urn:c> .\n"
        assert headers["Content-Type"].startswith("text/turtle")


# -- 2. the Host header never reaches RDF ---------------------------------------------------------
SD_ENDPOINT = "SELECT ?s ?e WHERE { ?s <http://www.w3.org/ns/sparql-service-description#endpoint> ?e }"
HOSTILE_HOSTS = ['evil.example> . <urn:x> <urn:y> "injected', "a b", 'q"uote', "x>y", "e%0Avil\r\n.example",
                 "<script>", "evil.example:80/path?x#frag", ""]


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_host_header_is_not_the_endpoint(host):
    for settings, endpoint in (({}, BASE + "sparql"),
                               ({"public_url": "https://data.example/kg/"}, "https://data.example/kg/sparql")):
        app = empty_app(**settings)
        status, _, body = call(app, "/sparql", "application/n-triples", headers={"Host": host})
        assert status == 200, body
        graph = pyoxigraph.Store()
        graph.load(body, format=pyoxigraph.RdfFormat.N_TRIPLES)
        assert [(r["s"].value, r["e"].value) for r in graph.query(SD_ENDPOINT)] == [(endpoint, endpoint)]
        assert not any("injected" in str(q) or "urn:x" in str(q) for q in graph)
        # relative IRIs in a query resolve against the public URL, not the Host either
        status, _, body = call(app, "/sparql?" + urlencode({"query": "SELECT ?x WHERE { BIND(<rel> AS ?x) }"}),
                               "application/sparql-results+json", headers={"Host": host})
        assert status == 200, body
        value = json.loads(body)["results"]["bindings"][0]["x"]["value"]
        assert value == endpoint.rsplit("/", 1)[0] + "/rel"


# -- 3 and 4. data text and data URLs on pages -----------------------------------------------------
def make_hostile_app(tmp):
    """The app over the seed data with one paper's digest and links made hostile (serve builds from data
    as it is, whatever validate would say about it), and that paper's IRI."""
    data = tmp / "data"
    shutil.copytree(DATA, data)
    papers = yaml.safe_load((data / "papers.yaml").read_text(encoding="utf-8"))
    paper = papers[0]
    paper["digest"] = HOSTILE_DIGEST
    paper["title"] = "Title with <!--<script> in it"
    (data / "papers.yaml").write_text(yaml.safe_dump(papers, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    build_disk_store(tmp / "store", data, BASE)
    # data/ refuses URLs that are not http(s) (tests/test_hostile_data.py); a store loaded from elsewhere
    # (`serve --dist` of someone's build) may still hold them, so the pages must not link them
    writable = pyoxigraph.Store(str(tmp / "store"))
    subject = pyoxigraph.NamedNode(BASE + "paper/" + paper["key"])
    for url in HOSTILE_URLS:
        writable.add(pyoxigraph.Quad(subject, pyoxigraph.NamedNode(SCHEMA + "url"),
                                     pyoxigraph.NamedNode(encoded_iri(url))))
    writable.flush()
    del writable
    store = pyoxigraph.Store.read_only(str(tmp / "store"))
    app = create_app(Executor(store), Settings(base=BASE), store)
    return app, BASE + "paper/" + paper["key"]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    return make_hostile_app(tmp_path_factory.mktemp("hostile"))


class Landmarks(HTMLParser):
    """The elements, links and script texts of a page, as a parser of the HTML reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a" and dict(attrs).get("href") is not None:
            self.hrefs.append(dict(attrs)["href"])
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def landmarks(body: bytes) -> Landmarks:
    parser = Landmarks()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser


def assert_script_data_is_inert(script: str) -> None:
    """No text in a script element that an HTML parser reads as its end or as an escaped section."""
    for bad in ("<", ">", "&", "\u2028"):
        assert bad not in script, f"{bad!r} in a script element: {script[:200]!r}"


def test_entity_page_json_ld_cannot_swallow_the_page(hostile_app):
    app, iri = hostile_app
    status, _, body = call(app, iri[len(BASE) - 1:], "text/html")
    assert status == 200
    page = landmarks(body)
    (data,) = [s for s in page.scripts if s.strip().startswith(("{", "["))]
    assert_script_data_is_inert(data)
    describer = Describer(app.store, BASE)
    assert json.loads(data) == describer.jsonld(iri)
    assert HOSTILE_DIGEST in json.dumps(json.loads(data), ensure_ascii=False)
    for landmark in ("nav", "main", "h1", "table"):
        assert landmark in page.tags
    assert b"<!--<script>" not in body


def test_query_page_scripts_are_inert():
    status, _, body = call(empty_app(), "/query", "text/html")
    assert status == 200
    page = landmarks(body)
    inline = [s for s in page.scripts if s.strip()]
    assert inline
    for script in inline:
        assert_script_data_is_inert(script)
    examples = json.loads(inline[0])
    assert any("<" in example["query"] for example in examples)     # the \u003c escapes parse back


def web_or_local(href: str) -> bool:
    return href.startswith(("/", "?", "#", "http://", "https://")) and not href.startswith("//")


def test_entity_page_links_only_http_urls(hostile_app):
    app, iri = hostile_app
    seen = []
    for target in [iri, *(BASE + f"link/{iri.rsplit('/', 1)[1]}/{n}" for n in range(1, 4))]:
        status, _, body = call(app, target[len(BASE) - 1:], "text/html")
        if status != 200:
            continue
        hrefs = landmarks(body).hrefs
        assert all(web_or_local(h) for h in hrefs), [h for h in hrefs if not web_or_local(h)]
        seen.append(body.decode())
    text = "".join(seen)
    assert "javascript:alert(1)" in text       # shown, as text
    assert "vbscript:msgbox(4)" in text


def test_local_href_never_points_at_another_host():
    from phenkg.serve.pages import iri_link, local_href
    assert local_href(BASE + "paper/x", BASE) == "/paper/x"
    assert local_href(BASE + "/evil.example/x", BASE) is None
    assert 'href="//' not in iri_link(BASE + "/evil.example/x", "x", BASE)


def test_ontology_page_links_only_http_urls():
    import rdflib

    from phenkg.ontodoc import PHENKG, render_html

    graph = rdflib.Graph()
    term = PHENKG.Thing
    graph.add((term, rdflib.RDF.type, rdflib.OWL.Class))
    graph.add((term, rdflib.RDFS.subClassOf, rdflib.URIRef("javascript:alert(1)")))
    graph.add((term, rdflib.OWL.equivalentClass, rdflib.URIRef("https://schema.org/Thing")))
    graph.add((term, rdflib.RDFS.comment, rdflib.Literal("a <!--<script> comment")))
    page = landmarks(render_html(graph).encode())
    assert "https://schema.org/Thing" in page.hrefs
    assert all(web_or_local(h) for h in page.hrefs), page.hrefs
    assert "script" not in page.tags


# -- 5. /sparql without a query: HTML only when it ranks above every RDF type ------------------------
COMUNICA = ("application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
            "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,"
            "image/svg+xml;q=0.3,text/xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18")
RAPPER = ("application/rdf+xml, text/rdf;q=0.6, application/n-triples, text/plain;q=0.1, text/turtle, "
          "text/n3;q=0.3, application/xml;q=0.3, text/xml;q=0.3, text/html;q=0.2, application/xhtml+xml;q=0.4, "
          "*/*;q=0.1")
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
          "application/signed-exchange;v=b3;q=0.7")


@pytest.mark.parametrize(("accept", "expected"), [
    (COMUNICA, "application/ld+json"),
    (RAPPER, "application/rdf+xml"),
    ("text/turtle, text/html;q=0.5", "text/turtle"),
    ("text/html;q=0.5, text/turtle", "text/turtle"),
    ("text/html;q=0.9, */*;q=0.1", "html"),
    ("text/html;q=0, text/turtle", "text/turtle"),
    ("text/html", "html"),
    (FIREFOX, "html"),
    (CHROME, "html"),
    ("*/*", "text/turtle"),
    ("text/turtle;q=0.5, application/xhtml+xml", "html"),
])
def test_service_description_or_the_query_page(accept, expected):
    status, headers, body = call(empty_app(), "/sparql", accept)
    assert "Accept" in headers.get("Vary", ""), headers
    if expected == "html":
        assert status == 303
        assert headers["Location"] == "/query"
    else:
        assert status == 200, body
        assert headers["Content-Type"].split(";")[0] == expected
    status, headers, _ = call(empty_app(), "/sparql?format=ttl", accept)  # format= wins
    assert status == 200
    assert headers["Content-Type"].startswith("text/turtle")


# -- 6. an undeclared prefix is named, with the PREFIX line to add ----------------------------------
@pytest.mark.parametrize(("query", "says"), [
    ("SELECT * WHERE { ?s schema:name ?o }", "PREFIX schema: <https://schema.org/>"),
    ("PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s schema:name ?o ; phenkg:x ?y }",
     "PREFIX phenkg: <https://w3id.org/phenkg/ontology#>"),
    ("SELECT * WHERE { ?s ex:name ?o }", "declare it with PREFIX ex: <...>"),
    ("SELECT * WHERE { ?s :name ?o }", "PREFIX : <...>"),
])
def test_undeclared_prefix_is_a_400_that_says_what_to_add(query, says):
    status, _, body = call(empty_app(), "/sparql?" + urlencode({"query": query}), "application/json")
    assert status == 400
    detail = json.loads(body)["error"]["detail"]
    assert says in detail, detail
    assert "\\u{" not in detail, detail      # no Rust character classes
    assert "'..=" not in detail, detail


def test_explain_query_error_is_pure_and_keeps_other_messages():
    from phenkg.serve.query_errors import explain_query_error
    query = 'PREFIX s: <https://schema.org/> SELECT * WHERE { ?x s:name "schema:name" } # foaf:knows'
    message = "error at 1:60: expected something"
    assert explain_query_error(query, message) == message
    assert "schema:" in explain_query_error("ASK { ?x schema:name ?y }", "error at 1:10: whatever")
    noisy = explain_query_error("ASK { ?x ?y 1x }", "error at 1:14: expected one of ['\\u{00B7}'..='\\u{036F}']")
    assert noisy.startswith("error at 1:14: the query does not parse here")
    assert "\\u{" not in noisy
    assert noisy.endswith("ASK { ?x ?y 1x }\n                 ^")


# -- 7. SELECT * columns in the order the variables first appear ------------------------------------
STAR = ("SELECT * WHERE { ?zeta ?alpha ?mid . OPTIONAL { ?zeta <urn:none> ?beta } "
        "FILTER(!BOUND(?nope)) } LIMIT 3")


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("max_rows", [10000, 2])
def test_select_star_columns_follow_the_query(fmt, max_rows):
    store = pyoxigraph.Store()
    for n in range(3):
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"urn:s{n}"), pyoxigraph.NamedNode("urn:p"),
                                  pyoxigraph.Literal(f"o,{n}\t\"x\"\n")))
    app = create_app(Executor(store), Settings(base=BASE, max_rows=max_rows), store)
    status, _, body = call(app, "/sparql?" + urlencode({"query": STAR, "format": fmt}))
    assert status == 200, body
    expected = ["zeta", "alpha", "mid", "beta"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert rows[0] == expected
        assert len(rows) == 1 + min(3, max_rows)
        assert rows[1][2].startswith("o,")
        assert rows[1][0].startswith("urn:s")
        return
    if fmt == "tsv":
        lines = body.decode().split("\n")
        assert lines[0].split("\t") == ["?" + v for v in expected]
        assert lines[1].split("\t")[0].startswith("<urn:s")
        assert lines[1].split("\t")[2].startswith('"o,')
        return
    results = pyoxigraph.parse_query_results(body, format=getattr(pyoxigraph.QueryResultsFormat, fmt.upper()))
    assert [v.value for v in results.variables] == expected
    rows = list(results)
    assert len(rows) == min(3, max_rows)
    assert rows[0]["zeta"].value.startswith("urn:s")
    assert rows[0]["mid"].value.startswith("o,")


def test_explicit_projection_keeps_its_order():
    _, _, body = call(empty_app(), "/sparql?" + urlencode(
        {"query": "SELECT ?b ?a WHERE { BIND(1 AS ?a) BIND(2 AS ?b) }", "format": "json"}))
    assert json.loads(body)["head"]["vars"] == ["b", "a"]




@pytest.mark.parametrize(("extra", "endpoint"), [
    (["--public-url", "https://data.example/kg/"], "https://data.example/kg/sparql"),
    (["--host", "127.0.0.1", "--port", "8123"], "http://127.0.0.1:8123/sparql"),
])
def test_public_url_option_sets_the_endpoint(extra, endpoint):
    import subprocess
    import sys

    from .conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "serve", "--data", str(DATA), *extra,
                           "--get", "/sparql", "--accept", "application/n-triples"],
                          capture_output=True, cwd=ROOT, timeout=120, check=False,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert done.returncode == 0, done.stderr[-2000:]
    graph = pyoxigraph.Store()
    graph.load(done.stdout, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert [r["e"].value for r in graph.query(SD_ENDPOINT)] == [endpoint]


def test_public_url_must_be_an_http_url():
    from phenkg.errors import PhenkgError
    for bad in ("javascript:alert(1)", "https://a b/", "https://x/>", "ftp://x/"):
        with pytest.raises(PhenkgError):
            Settings(public_url=bad)
