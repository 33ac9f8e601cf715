"""In-process tests of the serve app: every route, every negotiation case, RDF parsed back."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat

from phenkg.serve import call
from phenkg.serve.examples import examples
from phenkg.serve.guard import check_query
from phenkg.serve.http import HttpError
from phenkg.vocab import PHENKG, sparql_prefixes

from .conftest import BASE
from .test_serve_support import app_over_seed

RDF_TYPES = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
             "application/ld+json": RdfFormat.JSON_LD, "application/rdf+xml": RdfFormat.RDF_XML}
RESULT_TYPES = {"application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
                "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
                "text/csv": pyoxigraph.QueryResultsFormat.CSV,
                "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV}
KIND_CLASSES = {"paper": "Paper", "author": "Author", "topic": "Topic", "keyword": "Keyword",
                "venue": "Venue",
                "repo": "CodeRepository", "authorship": "Authorship", "listing": "Listing", "link": "Link",
                "source": "SourceList"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("serve")) as served:
        yield served


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    with app_over_seed(tmp_path_factory.mktemp("capped"), max_rows=5) as served:
        yield served


def media(headers: dict) -> str:
    return headers["Content-Type"].split(";")[0]


def parse_rdf(body: bytes, media_type: str) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(body, format=RDF_TYPES[media_type])
    return store


def result_rows(body: bytes, media_type: str) -> list[dict[str, str]]:
    """Rows of a SELECT result as {variable: value}; CSV through the csv module (pyoxigraph won't)."""
    if media_type == "text/csv":
        import csv
        import io
        return list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    rows = pyoxigraph.parse_query_results(body, format=RESULT_TYPES[media_type])
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def get(app, target, accept="*/*", **kw):
    return call(app, target, accept, **kw)


def sparql_get(app, query, accept="*/*", **params):
    return get(app, "/sparql?" + urlencode({"query": query, **params}), accept)


def iri_of(app, kind: str) -> str:
    found = one_iri_per_kind(app)
    if kind not in found:
        pytest.skip(f"the seed data has no {kind} entity")
    return found[kind]


def one_iri_per_kind(app) -> dict[str, str]:
    query = sparql_prefixes() + "SELECT ?class (MIN(STR(?s)) AS ?iri) WHERE { ?s a ?class } GROUP BY ?class"
    status, _, body = sparql_get(app, query)
    assert status == 200
    found = {row["class"]["value"]: row["iri"]["value"] for row in json.loads(body)["results"]["bindings"]}
    return {kind: found[PHENKG + cls] for kind, cls in KIND_CLASSES.items() if PHENKG + cls in found}


# -- SPARQL protocol ---------------------------------------------------------------------------------
SELECT = sparql_prefixes() + ("SELECT ?paper ?title WHERE { ?paper a phenkg:Paper ; schema:name ?title } "
                              "LIMIT 7")
CONSTRUCT = sparql_prefixes() + ("CONSTRUCT { ?paper schema:name ?title } WHERE { ?paper a phenkg:Paper ; "
                                 "schema:name ?title } LIMIT 9")


@pytest.mark.parametrize("accept", list(RESULT_TYPES))
def test_select_in_each_result_format(app, accept):
    status, headers, body = sparql_get(app, SELECT, accept)
    assert status == 200
    assert media(headers) == accept
    assert headers["Vary"] == "Accept"
    assert headers["Access-Control-Allow-Origin"] == "*"
    rows = result_rows(body, accept)
    assert len(rows) == 7
    assert all(row["paper"].startswith(BASE + "paper/") and row["title"] for row in rows)


@pytest.mark.parametrize(("fmt", "media_type"), [("json", "application/sparql-results+json"),
                                                 ("xml", "application/sparql-results+xml"),
                                                 ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter_wins_over_accept(app, fmt, media_type):
    status, headers, body = sparql_get(app, SELECT, "image/png", format=fmt)
    assert status == 200
    assert media(headers) == media_type
    assert len(result_rows(body, media_type)) == 7


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_construct_in_each_graph_format(app, accept):
    status, headers, body = sparql_get(app, CONSTRUCT, accept)
    assert status == 200
    assert media(headers) == accept
    graph = parse_rdf(body, accept)
    assert len(graph) == 9
    assert len(list(graph.query("SELECT ?p WHERE { ?p <https://schema.org/name> ?t }"))) == 9


def test_describe_and_ask(app):
    iri = one_iri_per_kind(app)["paper"]
    status, _, body = sparql_get(app, f"DESCRIBE <{iri}>", "text/turtle")
    assert status == 200
    assert bool(parse_rdf(body, "text/turtle").query(f"ASK {{ <{iri}> a ?t }}"))
    status, _, body = sparql_get(app, f"ASK {{ <{iri}> ?p ?o }}", "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["boolean"] is True
    status, _headers, body = sparql_get(app, "ASK { <http://example.org/none> ?p ?o }", "application/xml")
    assert status == 200
    assert not bool(pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.XML))


def test_post_form_and_direct(app):
    form = urlencode({"query": SELECT}).encode()
    status, _, body = get(app, "/sparql", "application/sparql-results+json", method="POST", body=form,
                          content_type="application/x-www-form-urlencoded")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 7
    status, _, body = get(app, "/sparql", "text/csv", method="POST", body=SELECT.encode(),
                          content_type="application/sparql-query; charset=utf-8")
    assert status == 200
    assert body.decode().count("\r\n") == 8


def test_service_description(app):
    status, headers, body = get(app, "/sparql", "text/turtle")
    assert status == 200
    assert media(headers) == "text/turtle"
    graph = parse_rdf(body, "text/turtle")
    assert bool(graph.query("PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
                            "ASK { ?s a sd:Service ; sd:endpoint ?e ; "
                            "sd:supportedLanguage sd:SPARQL11Query }"))
    status, headers, _ = get(app, "/sparql", "text/html,*/*;q=0.8")
    assert status == 303
    assert headers["Location"] == "/query"     # the query page (/ is the dataset's home)


def test_row_cap_cuts_with_a_signal(capped):
    status, headers, body = sparql_get(capped, "SELECT * WHERE { ?s ?p ?o }", "application/json")
    assert status == 200
    assert "X-Result-Truncated" in headers
    assert len(json.loads(body)["results"]["bindings"]) == 5
    status, headers, body = sparql_get(capped, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert "X-Result-Truncated" in headers
    assert len(parse_rdf(body, "application/n-triples")) == 5
    status, headers, body = sparql_get(capped, "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "application/json")
    assert "X-Result-Truncated" not in headers
    assert len(json.loads(body)["results"]["bindings"]) == 5


def test_cors_preflight_and_head(app):
    status, headers, body = get(app, "/sparql", method="OPTIONS")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in headers
    status, headers, body = get(app, "/", method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) > 0


# -- the one error shape -----------------------------------------------------------------------------
ERROR_CASES = [
    ("malformed query", {"target": "/sparql?query=" + quote("SELECT * WHERE { ?s ?p }")}, 400),
    ("not a query", {"target": "/sparql?query=hello"}, 400),
    ("empty query", {"target": "/sparql?query="}, 400),
    ("two queries", {"target": "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"}, 400),
    ("SERVICE", {"target": "/sparql?query="
                 + quote("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")},
     400),
    ("FROM a file", {"target": "/sparql?query="
                     + quote("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }")}, 400),
    ("FROM NAMED", {"target": "/sparql?query=" + quote("SELECT * FROM NAMED <http://x/> { ?s ?p ?o }")}, 400),
    ("default-graph-uri", {"target": "/sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx%2F"}, 400),
    ("named-graph-uri", {"target": "/sparql?query=ASK%7B%7D&named-graph-uri=file%3A%2F%2F%2Fetc"}, 400),
    ("update in query", {"target": "/sparql?query=" + quote("INSERT DATA { <a:b> <a:c> <a:d> }")}, 403),
    ("update param", {"target": "/sparql?update=" + quote("CLEAR ALL")}, 403),
    ("update POST", {"target": "/sparql", "method": "POST", "body": b"CLEAR ALL",
                         "content_type": "application/sparql-update"}, 403),
    ("update form", {"target": "/sparql", "method": "POST", "body": b"update=CLEAR%20ALL",
                         "content_type": "application/x-www-form-urlencoded"}, 403),
    ("wrong content type", {"target": "/sparql", "method": "POST", "body": b"ASK {}",
                            "content_type": "text/plain"}, 415),
    ("no content type", {"target": "/sparql", "method": "POST", "body": b"ASK {}"}, 415),
    ("latin-1 charset", {"target": "/sparql", "method": "POST", "body": "ASK {}".encode("latin-1"),
                             "content_type": "application/sparql-query; charset=ISO-8859-1"}, 415),
    ("non-UTF-8 body", {"target": "/sparql", "method": "POST", "body": b"ASK { \xff }",
                            "content_type": "application/sparql-query"}, 400),
    ("POST without query", {"target": "/sparql", "method": "POST", "body": b"",
                                "content_type": "application/x-www-form-urlencoded"}, 400),
    ("PUT", {"target": "/sparql", "method": "PUT", "body": b"ASK {}",
             "content_type": "application/sparql-query"}, 405),
    ("DELETE a page", {"target": "/paper/x", "method": "DELETE"}, 405),
    ("oversized body", {"target": "/sparql", "method": "POST", "body": b"query=" + b"A" * 1_100_000,
                            "content_type": "application/x-www-form-urlencoded"}, 413),
    ("unknown format", {"target": "/sparql?format=yaml&query=ASK%7B%7D"}, 400),
    ("unacceptable", {"target": "/sparql?query=ASK%7B%7D", "accept": "image/png"}, 406),
    ("unacceptable page", {"target": "/void", "accept": "image/png"}, 406),
    ("unknown entity", {"target": "/paper/no-such-paper", "accept": "application/json"}, 404),
    ("unknown path", {"target": "/nothing/here"}, 404),
    ("unknown static", {"target": "/static/..%2Fapp.py"}, 404),
]


@pytest.mark.parametrize(("name", "request_args", "status"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_every_error_has_the_one_json_shape(app, name, request_args, status):
    args = dict(request_args)
    target = args.pop("target")
    accept = args.pop("accept", "application/json")
    got, headers, body = get(app, target, accept, **args)
    assert got == status, body
    assert media(headers) == "application/json"
    problem = json.loads(body)
    assert set(problem) == {"error"}
    assert set(problem["error"]) == {"status", "title", "detail"}
    assert problem["error"]["status"] == status
    assert problem["error"]["detail"]


def test_406_and_400_list_what_is_offered(app):
    _, _, body = sparql_get(app, "ASK {}", "image/png")
    assert "application/sparql-results+json" in json.loads(body)["error"]["detail"]
    _, _, body = sparql_get(app, "ASK {}", format="yaml")
    assert all(f in json.loads(body)["error"]["detail"] for f in ("json", "xml", "csv", "tsv"))


# -- the guard ---------------------------------------------------------------------------------------
GUARD = [
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', "select"),
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>", "select"),
    ("PREFIX from: <http://x/> SELECT ?from WHERE { ?from from:service ?o }", "select"),
    ("SELECT * WHERE { ?s <http://x/SERVICE/FROM> ?o }", "select"),
    ('ASK { ?s ?p """a\n service FROM""" }', "ask"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
    ("describe <http://x/>", "describe"),
    ("SELECT * { service <http://127.0.0.1:1/> { ?s ?p ?o } }", 400),
    ("SELECT * { SeRvIcE SILENT <http://x/> { ?s ?p ?o } }", 400),
    ("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", 400),
    # a less-than before a quote lexes as an IRI (<'>) and hides the clause in a fake string
    ("SELECT * { ?s ?p ?o FILTER(?o<'>' || true) SERVICE <http://x/> { ?a ?b ?c } FILTER(?o != 'x') }", 400),
    ("SELECT * { ?s ?p ?o FILTER(?o<'>' || ?q = <http://x/#>) SERVICE <http://y/> { ?a ?b ?c } "
     "FILTER(?o != 'x') }", 400),
    ("PREFIX ex: <http://e/> SELECT * { ?s ex:p\\' ?o . SERVICE <http://x/> { ?a ?b ?c } FILTER(?o != 'x') }", 400),
    ("SELECT * { SERVICE # why\n  SILENT ?endpoint { ?s ?p ?o } }", 400),
    ('SELECT * { ?s <http://x/service/y> ?o ; <https://schema.org/serviceType> "customer service" }', "select"),
    ("PREFIX : <http://x/> INSERT DATA { :a :b :c }", 403),
    ("delete where { ?s ?p ?o }", 403),
    ("LOAD <http://x/>", 403),
    ("WITH <http://x/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 403),
    ("hello", 400),
]


@pytest.mark.parametrize(("query", "expected"), GUARD)
def test_guard(query, expected):
    if isinstance(expected, int):
        with pytest.raises(HttpError) as info:
            check_query(query)
        assert info.value.status == expected
    else:
        assert check_query(query).form == expected


def test_guard_memoises_only_short_queries():
    from phenkg import sparql

    before = sparql.check_query.cache_info().currsize
    long_query = "SELECT * { ?s ?p ?o } # " + "x" * sparql.MEMO_TEXT
    assert check_query(long_query).form == "select"
    assert sparql.check_query.cache_info().currsize == before        # a 1 MB query is not kept 1,024 times
    check_query("SELECT * { ?s ?p ?o } # short and new")
    assert sparql.check_query.cache_info().currsize == before + 1


def test_guard_reads_from_graphs():
    checked = check_query("SELECT * FROM <http://a/> FROM NAMED <http://b/> from named <http://c/> "
                          "{ ?s ?p ?o }")
    assert checked.default_graphs == ("http://a/",)
    assert checked.named_graphs == ("http://b/", "http://c/")


# -- linked data -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KIND_CLASSES))
@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_entity_rdf_round_trips(app, kind, accept):
    iri = iri_of(app, kind)
    status, headers, body = get(app, "/" + iri[len(BASE):], accept)
    assert status == 200
    assert media(headers) == accept
    assert headers["Vary"] == "Accept"
    graph = parse_rdf(body, accept)
    assert bool(graph.query(f"ASK {{ <{iri}> a <{PHENKG}{KIND_CLASSES[kind]}> }}")), body[:500]


@pytest.mark.parametrize("kind", list(KIND_CLASSES))
def test_entity_html_embeds_json_ld_and_links(app, kind):
    iri = iri_of(app, kind)
    status, headers, body = get(app, "/" + iri[len(BASE):], "text/html,*/*;q=0.8")
    assert status == 200
    assert media(headers) == "text/html"
    html = body.decode()
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    document = json.loads(html[start:html.index("</script>", start)])
    embedded = parse_rdf(json.dumps(document).encode(), "application/ld+json")
    assert len(embedded) > 0
    assert 'href="/' in html        # links to neighbours on this server


@pytest.mark.parametrize("kind", ["topic", "author", "keyword", "venue", "repo"])
def test_collection_pages_list_their_papers(app, kind):
    iri = iri_of(app, kind)
    _status, _, body = get(app, "/" + iri[len(BASE):], "text/html")
    query = (f"SELECT DISTINCT ?p WHERE {{ {{ ?p ?x <{iri}> }} UNION {{ <{iri}> ?x ?p }} "
             f"?p a <{PHENKG}Paper> }}")
    _, _, rows = sparql_get(app, query, "application/json")
    papers = [b["p"]["value"] for b in json.loads(rows)["results"]["bindings"]]
    assert papers
    for paper in papers:
        assert f'href="/{paper[len(BASE):]}"' in body.decode()


def test_paper_page_lists_authors_in_order(app, catalog):
    paper = next(p for p in catalog.papers if len(p.authors) >= 3)
    _, _, body = get(app, f"/paper/{paper.key}", "text/html")
    html = body.decode()
    row = html[html.index("authors, in order"):]
    positions = [row.index(">" + name + "<") for name in paper.authors]
    assert positions == sorted(positions)


def test_unknown_entity_is_html_404_for_browsers(app):
    status, headers, body = get(app, "/paper/no-such-paper", "text/html")
    assert status == 404
    assert media(headers) == "text/html"
    assert b"Not found" in body


@pytest.mark.parametrize(("path", "accept", "expected"), [
    ("/ontology", "text/turtle", "text/turtle"),
    ("/ontology", "application/n-triples", "application/n-triples"),
    ("/ontology", "text/html", "text/html"),
    ("/shapes", "text/turtle", "text/turtle"),
    ("/void", "text/turtle", "text/turtle"),
    ("/void", "application/ld+json", "application/ld+json"),
    ("/void", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html"),
    ("/shapes", "text/html", "text/html"),
    ("/dataset", "*/*", "text/html"),        # the dataset is an entity: a browser's default is its page
    ("/void", "application/rdf+xml", "application/rdf+xml"),
    ("/dataset.ttl", "*/*", "text/turtle"),
    ("/context.jsonld", "*/*", "application/ld+json"),
    ("/", "*/*", "text/html"),
    ("/static/query.js", "*/*", "text/javascript"),
    ("/static/style.css", "*/*", "text/css"),
])
def test_documents(app, path, accept, expected):
    status, headers, body = get(app, path, accept)
    assert status == 200
    assert media(headers) == expected
    if expected in RDF_TYPES and path != "/context.jsonld":
        graph = parse_rdf(body, expected)
        if path != "/shapes":
            assert len(graph) > 0
    if path == "/context.jsonld":
        assert "@context" in json.loads(body)
    if expected == "text/html" and path in ("/void", "/shapes"):   # the nav's "dataset" link, in a browser
        html = body.decode()
        assert ("/dataset.ttl" if path == "/void" else "?format=ttl") in html
        assert "void:triples" in html if path == "/void" else "shacl#NodeShape" in html
        return
    if path == "/void":
        graph = parse_rdf(body, expected)
        assert bool(graph.query(f"ASK {{ <{BASE}dataset> a <http://rdfs.org/ns/void#Dataset> ; "
                                "<http://rdfs.org/ns/void#triples> ?n }"))


def test_query_page_offers_every_example(app):
    _, _, body = get(app, "/query", "text/html")
    html = body.decode()
    for title, _ in examples(BASE):
        assert title.replace("'", "&#x27;") in html
    assert "<script src=\"/static/query.js\">" in html
    assert "cdn" not in html.lower()


# -- the example queries: same answers on pyoxigraph (the server) and rdflib ------------------------------
def _rows_json(body: bytes) -> list[tuple]:
    data = json.loads(body)
    names = data["head"]["vars"]
    return sorted(tuple(b.get(n, {}).get("value") for n in names) for b in data["results"]["bindings"])


@pytest.mark.parametrize("index", range(len(examples(BASE))))
def test_examples_same_on_pyoxigraph_and_rdflib(app, catalog, index):
    from phenkg.graph import to_rdflib
    title, query = examples(BASE)[index]
    status, _, body = sparql_get(app, query, "application/json")
    assert status == 200
    served = _rows_json(body)
    assert served, f"example {title!r} returned no rows"
    graph = _rdflib_graph(catalog, to_rdflib)
    result = json.loads(graph.query(query).serialize(format="json"))
    names = result["head"]["vars"]
    by_rdflib = sorted(tuple(b.get(n, {}).get("value") for n in names) for b in result["results"]["bindings"])
    assert served == by_rdflib, title


_GRAPHS: dict = {}


def _rdflib_graph(catalog, to_rdflib):
    if "g" not in _GRAPHS:
        _GRAPHS["g"] = to_rdflib(catalog, BASE)
    return _GRAPHS["g"]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_entity_rdf_has_no_repeats_and_labels_its_neighbours(app, accept):
    """A paper's Turtle names its authors, topics and venue, as its HTML and JSON-LD pages do."""
    iri = iri_of(app, "paper")
    _, _, body = get(app, "/" + iri[len(BASE):], accept)
    if accept == "application/n-triples":
        lines = [line for line in body.decode().splitlines() if line.strip()]
        assert len(lines) == len(set(lines))
    graph = parse_rdf(body, accept)
    unnamed = graph.query(f"""SELECT ?o WHERE {{ <{iri}> <https://schema.org/author> ?o
        FILTER NOT EXISTS {{ ?o <https://schema.org/name> ?name }} }}""")
    assert not list(unnamed)
    assert bool(graph.query(f"ASK {{ <{iri}> <https://schema.org/author> ?o }}"))


def test_dist_files_are_downloadable_where_void_says(tmp_path, catalog):
    """`serve --dist DIR` serves the dumps at /dist/{name}, the download URLs VoID and DCAT give."""
    import subprocess
    import sys

    from phenkg.export import build

    from .conftest import ROOT

    build(catalog, tmp_path / "dist", BASE)
    void = pyoxigraph.Store()
    void.load((tmp_path / "dist" / "void.ttl").read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
    dumps = [row[0].value for row in void.query(
        "SELECT ?d WHERE { ?s <http://rdfs.org/ns/void#dataDump> ?d }")]
    assert f"{BASE}dist/phenkg.ttl" in dumps
    for url in dumps:
        done = subprocess.run([sys.executable, "-m", "phenkg.cli", "serve", "--dist", str(tmp_path / "dist"),
                               "--get", url[len(BASE) - 1:]], capture_output=True, cwd=ROOT, timeout=120,
                              check=False)
        assert done.returncode == 0, (url, done.stdout[:300])
        assert done.stdout == (tmp_path / "dist" / url.rsplit("/", 1)[1]).read_bytes()


def test_downloads_without_a_built_dataset_say_how_to_get_them(app):
    status, _, body = get(app, "/dist/phenkg.ttl")
    assert status == 404
    assert b"phenkg build" in body
