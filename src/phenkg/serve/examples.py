"""The example queries, in one place: the query page shows them, tests run them on pyoxigraph and
rdflib (same answers), and the benchmark reuses them. `{topic}` and `{paper}` stand for the IRIs
vocab.Iris mints for the entities they name."""

from __future__ import annotations

from phenkg.vocab import DEFAULT_BASE, Iris, sparql_prefixes

TOPIC, PAPER = "lottery-ticket-hypothesis", "arxiv-1803.03635"   # the entities the examples name

EXAMPLES: list[tuple[str, str]] = [
    ("Topics with their number of papers", """
SELECT ?topic ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?topic a phenkg:Topic ; skos:prefLabel ?name ; phenkg:order ?order .
  OPTIONAL { ?paper schema:about ?topic }
}
GROUP BY ?topic ?name ?order
ORDER BY ?order"""),
    ("Papers of a topic", """
SELECT ?paper ?title ?year WHERE {
  VALUES ?topic { <{topic}> }
  ?paper schema:about ?topic ; schema:name ?title .
  OPTIONAL { ?paper phenkg:arxivYear ?year }
}
ORDER BY ?title"""),
    ("Co-authors of an author, with the number of shared papers", """
SELECT ?coauthor ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?me schema:name "Jeffrey Pennington" ; a phenkg:Author .
  ?paper schema:author ?me, ?coauthor .
  ?coauthor schema:name ?name .
  FILTER (?coauthor != ?me)
}
GROUP BY ?coauthor ?name
ORDER BY DESC(?papers) ?name"""),
    ("Keywords by number of papers", """
SELECT ?keyword ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:keywords ?keyword .
  ?keyword skos:prefLabel ?label .
}
GROUP BY ?keyword ?label
ORDER BY DESC(?papers) ?label
LIMIT 25"""),
    ("Papers with code, by arXiv year", """
SELECT ?year (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper phenkg:code ?repo ; phenkg:arxivYear ?year .
}
GROUP BY ?year
ORDER BY ?year"""),
    ("A paper's authors, in order", """
SELECT ?position ?author ?printed WHERE {
  <{paper}> phenkg:authorship ?authorship .
  ?authorship phenkg:position ?position ; phenkg:author ?author ; phenkg:printedName ?printed .
}
ORDER BY ?position"""),
]


def examples(base: str = DEFAULT_BASE) -> list[tuple[str, str]]:
    """(title, full SPARQL text with prefixes) for each example, IRIs under `base`."""
    iris = Iris(base)
    named = {"{topic}": iris.topic(TOPIC), "{paper}": iris.paper(PAPER)}
    out = []
    for title, body in EXAMPLES:
        text = body.strip()
        for placeholder, iri in named.items():
            text = text.replace(placeholder, iri)
        out.append((title, sparql_prefixes() + text + "\n"))
    return out
