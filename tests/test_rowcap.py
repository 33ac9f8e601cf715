"""The row cap inside the query: the rewrite, and the same answers as reading every row in Python."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from phenkg.serve.results import write_select
from phenkg.serve.rowcap import FORMATS, cut, limited
from phenkg.serve.worker import Job, execute

from .conftest import BASE, DATA

P = f"PREFIX phenkg: <{BASE}ontology#> PREFIX schema: <https://schema.org/> "


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o }\nLIMIT 6\n"),
    ("SELECT * { ?s ?p ?o } LIMIT 3", "SELECT * { ?s ?p ?o } LIMIT 3"),
    ("SELECT * { ?s ?p ?o } limit 600 OFFSET 2", "SELECT * { ?s ?p ?o } limit 6 OFFSET 2"),
    ("SELECT * { ?s ?p ?o } OFFSET 2", "SELECT * { ?s ?p ?o } OFFSET 2\nLIMIT 6\n"),
    ("SELECT ?s { ?s ?p ?o } VALUES ?s { <http://a/> }",
     "SELECT ?s { ?s ?p ?o } \nLIMIT 6\nVALUES ?s { <http://a/> }"),
    ("SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 100 } } # LIMIT 1",
     "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 100 } } # LIMIT 1\nLIMIT 6\n"),
    ('SELECT * { ?s ?p "} LIMIT 1" . ?s <http://x/{limit}> ?o }',
     'SELECT * { ?s ?p "} LIMIT 1" . ?s <http://x/{limit}> ?o }\nLIMIT 6\n'),
    ("PREFIX limit: <http://x/> SELECT * { ?s limit:p ?o } ORDER BY ?o",
     "PREFIX limit: <http://x/> SELECT * { ?s limit:p ?o } ORDER BY ?o\nLIMIT 6\n"),
    ("SELECT * { ?s ?p ?o \\u007D", None),        # SPARQL decodes \u escapes before parsing
    ("SELECT * { ?s ?p ?o ", None),               # never closed: left for the parser to report
    ("SELECT * { ?s ?p ?o } LIMIT ?x", None),
    # '<' as less-than before a quote reads as an IRI to the grammar's lexer, not to the strict one
    ("SELECT * { ?s ?p ?o FILTER(?o<'>' || STR(?o) != '} limit 99999 ') }", None),
    ("SELECT * { ?s ?p ?o FILTER(?o<'>' || ?o != '}') } LIMIT 100", None),
    ("PREFIX ex: <http://x/> SELECT ?s { ?s ?p ?o } ORDER BY ex:f\u00b7values(?s)",
     "PREFIX ex: <http://x/> SELECT ?s { ?s ?p ?o } ORDER BY ex:f\u00b7values(?s)\nLIMIT 6\n"),
    ("SELECT * { ?s <http://x/a#b> ?o } # }", "SELECT * { ?s <http://x/a#b> ?o } # }\nLIMIT 6\n"),
])
def test_limited(query, expected):
    assert limited(query, 6) == expected


QUERIES = [
    P + "SELECT ?paper ?title WHERE { ?paper a phenkg:Paper ; schema:name ?title } ORDER BY ?title",
    P + "SELECT ?paper WHERE { ?paper a phenkg:Paper } ORDER BY ?paper LIMIT 4",
    P + "SELECT ?paper WHERE { ?paper a phenkg:Paper } ORDER BY DESC(?paper) LIMIT 50 OFFSET 3",
    P + "SELECT ?t (COUNT(?p) AS ?n) WHERE { ?p schema:about ?t } GROUP BY ?t ORDER BY DESC(?n) ?t",
    P + "SELECT ?x ?y WHERE { ?x schema:name ?y } ORDER BY ?y VALUES ?x { <x:none> }",
    P + 'SELECT ?s ?v WHERE { VALUES (?s ?v) { (<http://a/> "x\\ny\\t\\"z") (<http://b/> "<result>") '
        '(<http://c/> "é") } } ORDER BY ?s',
    P + "SELECT ?o WHERE { { SELECT ?o WHERE { ?s schema:name ?o } ORDER BY ?o LIMIT 30 } } ORDER BY ?o",
    P + "SELECT * WHERE { ?s ?p ?o FILTER(false) }",
]


@pytest.fixture(scope="module")
def store():
    from phenkg.graph import build_store
    from phenkg.store import read_catalog
    return build_store(read_catalog(DATA), BASE)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("cap", [1, 5, 10000])
@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_same_rows_and_cut_as_reading_them_in_python(store, fmt, cap, index):
    query = QUERIES[index]
    outcome = execute(store, Job(query, "select", fmt, cap))
    reference, reference_truncated = write_select(store.query(query), fmt, cap)
    body, truncated = outcome.body, outcome.truncated
    parse_format = getattr(ox.QueryResultsFormat, FORMATS[fmt])
    got = [list(map(str, row)) for row in ox.parse_query_results(body, format=parse_format)]
    want = [list(map(str, row)) for row in ox.parse_query_results(reference, format=parse_format)]
    assert got == want
    assert truncated == reference_truncated
    assert len(got) <= cap


def test_a_rewrite_that_does_not_parse_falls_back_to_the_query_as_sent(store, monkeypatch):
    query = QUERIES[0]
    reference, _ = write_select(store.query(query), "json", 3)
    monkeypatch.setattr("phenkg.serve.rowcap.limited", lambda text, rows: text + " LIMIT LIMIT")
    outcome = execute(store, Job(query, "select", "json", 3))
    assert outcome.truncated
    assert outcome.body == reference


def test_cut_keeps_whole_rows():
    store = ox.Store()
    rows = " ".join(f'"{i}<result>\\n"' for i in range(7))
    solutions = f"SELECT ?v WHERE {{ VALUES ?v {{ {rows} }} }}"
    for fmt, name in FORMATS.items():
        body = store.query(solutions).serialize(format=getattr(ox.QueryResultsFormat, name))
        kept, was_cut = cut(body, fmt, 3)
        values = [row[0].value for row in ox.parse_query_results(kept, format=getattr(ox.QueryResultsFormat, name))]
        assert was_cut
        assert values == [f"{i}<result>\n" for i in range(3)]
        assert cut(body, fmt, 7) == (body, False)
