"""Content negotiation, one table: (offers, Accept, format=) -> chosen format or error status."""

from __future__ import annotations

import pytest

from phenkg.serve.http import HttpError
from phenkg.serve.negotiate import GRAPH, PAGE, RESULTS, negotiate, parse_accept

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

CASES = [
    # offers, Accept, format, expected format name (or error status)
    (RESULTS, None, None, "json"),
    (RESULTS, "", None, "json"),
    (RESULTS, "*/*", None, "json"),
    (RESULTS, "application/sparql-results+json", None, "json"),
    (RESULTS, "application/json", None, "json"),
    (RESULTS, "application/sparql-results+xml", None, "xml"),
    (RESULTS, "application/xml", None, "xml"),
    (RESULTS, "text/csv", None, "csv"),
    (RESULTS, "text/tab-separated-values", None, "tsv"),
    (RESULTS, "text/csv;q=0.5, text/tab-separated-values", None, "tsv"),
    (RESULTS, "text/csv, text/tab-separated-values;q=0.5", None, "csv"),
    (RESULTS, "text/*", None, "csv"),
    (RESULTS, "text/*, text/tab-separated-values", None, "tsv"),        # specific beats range
    (RESULTS, "text/tab-separated-values;q=0, text/*", None, "csv"),    # q=0 excludes
    (RESULTS, "application/sparql-results+xml, application/sparql-results+json", None, "xml"),  # header order
    (RESULTS, BROWSER, None, "xml"),
    (RESULTS, "image/png", None, 406),
    (RESULTS, "application/json;q=0", None, 406),
    (RESULTS, "text/turtle", None, 406),
    (RESULTS, "text/csv", "json", "json"),                                # format wins over Accept
    (RESULTS, "image/png", "tsv", "tsv"),
    (RESULTS, None, "TSV", "tsv"),
    (RESULTS, None, "text/csv", "csv"),
    (RESULTS, None, "yaml", 400),
    (RESULTS, None, "ttl", 400),
    (GRAPH, None, None, "ttl"),
    (GRAPH, "*/*", None, "ttl"),
    (GRAPH, "text/turtle", None, "ttl"),
    (GRAPH, "application/n-triples", None, "nt"),
    (GRAPH, "text/plain", None, "nt"),
    (GRAPH, "application/ld+json", None, "jsonld"),
    (GRAPH, "application/json", None, "jsonld"),
    (GRAPH, "application/rdf+xml", None, "rdfxml"),
    (GRAPH, "application/rdf+xml;q=0.2, text/turtle;q=0.9", None, "ttl"),
    (GRAPH, "application/sparql-results+json", None, 406),
    (GRAPH, None, "jsonld", "jsonld"),
    (GRAPH, None, "csv", 400),
    (PAGE, None, None, "html"),
    (PAGE, BROWSER, None, "html"),
    (PAGE, "text/turtle", None, "ttl"),
    (PAGE, "application/ld+json", None, "jsonld"),
    (PAGE, "application/n-triples", None, "nt"),
    (PAGE, "text/turtle;q=0.8, text/html;q=0.9", None, "html"),
    (PAGE, "text/html;q=0.1, text/turtle", None, "ttl"),
    (PAGE, BROWSER, "ttl", "ttl"),
    (PAGE, "text/turtle", "html", "html"),
    (PAGE, "application/rdf+xml", None, "rdfxml"),        # RDF/XML-only clients get the entity
    (PAGE, "text/n3", None, "n3"),
    (PAGE, None, "rdfxml", "rdfxml"),
    (PAGE, "image/png", None, 406),
    (PAGE, None, "srj", 400),
    (PAGE, "text/turtle;q=abc, text/html", None, "html"),                 # a bad q counts as 0
]


@pytest.mark.parametrize(("offers", "accept", "fmt", "expected"), CASES)
def test_negotiate(offers, accept, fmt, expected):
    if isinstance(expected, int):
        with pytest.raises(HttpError) as info:
            negotiate(offers, accept, fmt)
        assert info.value.status == expected
        listed = [o.name for o in offers] if expected == 400 else [o.media_type for o in offers]
        assert all(name in info.value.detail for name in listed), info.value.detail
    else:
        assert negotiate(offers, accept, fmt).name == expected


def test_parse_accept_keeps_order_and_q():
    assert parse_accept("text/html;q=0.9, */*;q=0.1,application/json") == [
        ("text/html", 0.9), ("*/*", 0.1), ("application/json", 1.0)]
