"""The example queries, in one place: the query page shows them, tests run them on pyoxigraph and
rdflib (same answers), and the benchmark reuses them. `{base}` stands for the IRI base."""

from __future__ import annotations

from phenkg.vocab import DEFAULT_BASE, sparql_prefixes

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
  VALUES ?topic { <{base}topic/lottery-ticket-hypothesis> }
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
  <{base}paper/arxiv-1803.03635> phenkg:authorship ?authorship .
  ?authorship phenkg:position ?position ; phenkg:author ?author ; phenkg:printedName ?printed .
}
ORDER BY ?position"""),
]


def examples(base: str = DEFAULT_BASE) -> list[tuple[str, str]]:
    """(title, full SPARQL text with prefixes) for each example, IRIs under `base`."""
    return [(title, sparql_prefixes() + body.strip().replace("{base}", base) + "\n")
            for title, body in EXAMPLES]
