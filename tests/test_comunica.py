"""Comunica (@comunica/query-sparql v4), given `http://127.0.0.1:PORT/sparql` as a plain URL source, finds
the SPARQL endpoint by itself and returns the same rows as SPARQLWrapper (issue 13).

Comunica's auto-detection GETs the source URL with an Accept header that lists text/html at a low q. When
/sparql redirected every Accept naming text/html to the query page, Comunica read that HTML page as an RDF
document (with no triples) and every query silently came back empty; this test fails on that behaviour.
All queries run in one Node process (tests/js/comunica_query.mjs --batch), against one real `phenkg serve`.
The script hands Comunica an rdf-data-factory 2 term factory: stock Comunica 4 drops every language tag of
an endpoint's results (an upstream dependency mismatch; the last test checks that it still does).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from phenkg.serve.examples import examples
from phenkg.vocab import sparql_prefixes

from .conftest import ROOT
from .test_serve_support import live_server

SCRIPT = ROOT / "tests" / "js" / "comunica_query.mjs"
PACKAGES = ("@comunica/query-sparql", "rdf-data-factory")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _missing() -> str | None:
    if not shutil.which("node"):
        return "needs Node.js: `node` is not on PATH (install Node 20+, then run scripts/setup)"
    absent = [name for name in PACKAGES if not (ROOT / "node_modules" / name / "package.json").is_file()]
    if absent:
        return f"needs the npm packages {', '.join(absent)}: run scripts/setup (npm ci) in the repository"
    return None


MISSING = _missing()
pytestmark = [pytest.mark.node, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

OWN = [
    ("OPTIONAL: papers with their code repository when they have one", """
SELECT ?paper ?title ?repo WHERE {
  ?paper a phenkg:Paper ; schema:name ?title .
  OPTIONAL { ?paper phenkg:code ?repo }
}"""),
    ("ASK that is true", "ASK { ?paper a phenkg:Paper ; phenkg:code ?repo }"),
    ("ASK that is false", 'ASK { ?paper a phenkg:Paper ; schema:name "no paper has this title" }'),
    ("Language-tagged literals and typed numbers", """
SELECT ?topic ?label ?order ?half ?scaled ?tagged ?number WHERE {
  ?topic a phenkg:Topic ; skos:prefLabel ?name ; phenkg:order ?order .
  BIND (STRLANG(?name, "en") AS ?label)
  BIND (?order / 2 AS ?half)
  BIND (xsd:double(?order) * 1.5e0 AS ?scaled)
  VALUES (?tagged ?number) {
    ("Phénomènes de l'apprentissage profond"@fr "2.50"^^xsd:decimal)
    ("deep learning phenomena"@en-GB -7)
    ("深層学習"@ja 1.0e-3)
  }
}"""),
    ("Dates and numbers from the data, with UNION, FILTER, ORDER BY and LIMIT", """
SELECT ?thing ?date ?position WHERE {
  { ?thing dcterms:date ?date }
  UNION
  { ?thing phenkg:position ?position FILTER (?position >= 10) }
}
ORDER BY DESC(?position) STR(?thing)
LIMIT 6"""),
]
QUERIES = [(title, query) for title, query in examples()] + [
    (title, sparql_prefixes() + body.strip() + "\n") for title, body in OWN]


def normalise(binding: dict) -> tuple:
    """One SPARQL JSON binding as a hashable, comparable value (plain literals without a datatype)."""
    row = []
    for name, term in sorted(binding.items()):
        kind = "literal" if term["type"] == "typed-literal" else term["type"]
        datatype = term.get("datatype")
        if datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        row.append((name, kind, term["value"], term.get("xml:lang"), datatype))
    return tuple(row)


def comunica(*args: str, stdin: str | None = None) -> dict:
    done = subprocess.run(["node", str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          timeout=180, cwd=ROOT, check=False)
    assert done.returncode == 0, f"comunica_query.mjs failed: {done.stderr[-3000:]}"
    return json.loads(done.stdout)


def sparqlwrapper(endpoint: str, query: str) -> dict:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(JSON)
    return sparql.query().convert()


@pytest.fixture(scope="module")
def endpoint():
    with live_server() as base_url:
        yield base_url + "/sparql"


@pytest.fixture(scope="module")
def answers(endpoint):
    """(endpoint, Comunica's batch output, SPARQLWrapper's JSON results), for QUERIES in order; all the
    queries go through one Node process (Comunica's start-up is the slow part)."""
    batch = comunica("--batch", endpoint, stdin=json.dumps([query for _, query in QUERIES]))
    return endpoint, batch, [sparqlwrapper(endpoint, query) for _, query in QUERIES]


@pytest.mark.parametrize("index", range(len(QUERIES)), ids=[title for title, _ in QUERIES])
def test_comunica_returns_the_same_rows_as_sparqlwrapper(answers, index):
    _, comunica, wrapper = answers
    theirs, ours = comunica["results"][index], wrapper[index]
    assert "error" not in theirs, f"Comunica failed on {QUERIES[index][0]!r}: {theirs['error']}"
    if "boolean" in ours:
        assert theirs == {"boolean": ours["boolean"]}
        return
    rows = ours["results"]["bindings"]
    assert rows, "the query should have rows (else the comparison proves nothing)"
    assert theirs.get("vars") == ours["head"]["vars"]
    assert Counter(map(normalise, theirs["rows"])) == Counter(map(normalise, rows))


def test_the_ask_queries_differ(answers):
    """The two ASK queries answer true and false, so a constant answer cannot pass."""
    _, comunica, _ = answers
    asks = [r["boolean"] for r, (title, _) in zip(comunica["results"], QUERIES, strict=True) if "ASK" in title]
    assert asks == [True, False]


def test_comunica_detects_the_endpoint_from_the_url(answers):
    """Comunica's first request is the auto-detection GET of the bare URL, with text/html in its Accept
    (the case the old redirect got wrong); it gets the service description, not a redirect, and every
    later request is a query to the same endpoint."""
    endpoint, comunica, _ = answers
    first, *rest = comunica["requests"]
    assert (first["method"], first["url"]) == ("GET", endpoint)
    assert "text/html" in first["accept"], ("Comunica no longer lists text/html when it probes a source, so "
                                            "this test no longer covers the old redirect: " + first["accept"])
    assert first["status"] == 200, first
    assert first["contentType"].split(";")[0] != "text/html", first
    assert rest, "no query reached the endpoint"
    assert all(r["url"].split("?")[0] == endpoint and r["status"] == 200 for r in rest), rest


@pytest.mark.xfail(strict=True, reason="upstream: Comunica 4 builds terms with rdf-data-factory 1 but parses "
                   "endpoint results with sparqljson-parse 3 (rdf-data-factory 2 API), so language tags are "
                   "dropped; comunica_query.mjs works around it. If this passes, drop the workaround")
def test_stock_comunica4_keeps_language_tags(endpoint):
    query = sparql_prefixes() + ('SELECT ?name ?label WHERE { ?topic a phenkg:Topic ; skos:prefLabel ?name . '
                                 'BIND (STRLANG(?name, "en") AS ?label) }')    # the endpoint evaluates it
    theirs = comunica("--stock-data-factory", endpoint, query)
    ours = sparqlwrapper(endpoint, query)["results"]["bindings"]
    assert ours
    assert Counter(map(normalise, theirs["rows"])) == Counter(map(normalise, ours))
