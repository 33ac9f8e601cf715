"""The seed graph answers the questions issue 3 asks of it, on both SPARQL engines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phenkg.graph import build_store, to_rdflib
from phenkg.vocab import sparql_prefixes

from .conftest import BASE


@pytest.fixture(scope="module")
def engines(catalog):
    store = build_store(catalog, BASE)
    graph = to_rdflib(catalog, BASE)

    def oxigraph(query):
        return [tuple(None if v is None else v.value for v in row) for row in store.query(sparql_prefixes() + query)]

    def rdflib_(query):
        return [tuple(None if v is None else str(v) for v in row) for row in graph.query(sparql_prefixes() + query)]

    return {"oxigraph": oxigraph, "rdflib": rdflib_}


@pytest.fixture(params=["oxigraph", "rdflib"])
def ask(request, engines):
    return engines[request.param]


def test_scholarly_articles(ask, catalog):
    assert ask("SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }") == [("209",)]
    assert len(catalog.papers) == 209


def test_topics(ask):
    rows = ask("SELECT ?t WHERE { ?t a skos:Concept ; skos:inScheme ?s . ?s skos:prefLabel 'Topics of the list' }")
    assert len(rows) == 7


def test_author_order_matches_the_list(ask, catalog):
    rows = ask("""SELECT ?paper ?name ?pos WHERE {
        ?paper phenkg:authorship ?a . ?a phenkg:position ?pos ; phenkg:author ?who . ?who schema:name ?name }
        ORDER BY ?paper ?pos""")
    got: dict[str, list[str]] = {}
    for paper, name, _ in rows:
        got.setdefault(paper.rsplit("/", 1)[1], []).append(name)
    for paper in catalog.papers:
        assert got.get(paper.key, []) == paper.authors, paper.key


def test_code_repositories_are_linked(ask, catalog):
    rows = ask("""SELECT DISTINCT ?url WHERE {
        ?paper a schema:ScholarlyArticle ; phenkg:code ?repo .
        ?repo a schema:SoftwareSourceCode ; schema:codeRepository ?url }""")
    expected = {url for paper in catalog.papers for url in paper.code_urls}
    assert {url for (url,) in rows} == expected
    assert len(expected) > 90


def test_no_blank_nodes(engines):
    rows = engines["oxigraph"]("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }")
    assert rows == [("0",)]


def test_years_compare_as_integers(ask):
    """rdflib drops rows comparing xsd:gYear; our years are xsd:integer so both engines agree."""
    rows = ask("SELECT (COUNT(?p) AS ?n) WHERE { ?p phenkg:publicationYear ?y FILTER(?y >= 2021) }")
    assert int(rows[0][0]) > 30


@given(st.text())
def test_iri_segments_are_percent_encoded_as_quote_does(text):
    from urllib.parse import quote

    from phenkg.vocab import _segment

    assert _segment(text) == quote(text, safe="-._~")
