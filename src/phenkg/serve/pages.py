"""Linked data: the description of one IRI under the base, as HTML, Turtle, JSON-LD or N-Triples.

An entity's description is its outgoing triples, those of the nodes it owns (a paper's authorship,
listing and link nodes) and the triples that point at it, so a topic's Turtle lists its papers too.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import quote

from phenkg.charts.html import entity_charts
from phenkg.formats import HTML, JSONLD
from phenkg.markup import link, script_json
from phenkg.serve import negotiate as nego
from phenkg.serve.citations import download_links
from phenkg.serve.http import HttpError, Response
from phenkg.serve.metadata import entity_meta
from phenkg.serve.results import serialize
from phenkg.vocab import DCTERMS, PHENKG, RDF, SCHEMA, SKOS, Iris
from phenkg.vocab import compact_iri as curie

OWNED = ("authorship", "listing", "link")
LABELS = (SCHEMA + "name", SKOS + "prefLabel")


class Describer:
    """Reads descriptions of IRIs from a (read-only) pyoxigraph store; fixed-shape lookups only."""

    def __init__(self, store, base: str, charts: Path | None = None) -> None:
        self.store, self.iris = store, Iris(base)
        self.base = self.iris.base
        self.charts = charts        # a build's charts/ folder, shown on topic and author pages

    def outgoing(self, iri: str) -> list:
        from pyoxigraph import DefaultGraph, NamedNode
        return [q.triple for q in self.store.quads_for_pattern(NamedNode(iri), None, None, DefaultGraph())]

    def incoming(self, iri: str) -> list:
        from pyoxigraph import DefaultGraph, NamedNode
        return [q.triple for q in self.store.quads_for_pattern(None, None, NamedNode(iri), DefaultGraph())]

    def label(self, iri: str) -> str | None:
        from pyoxigraph import DefaultGraph, NamedNode
        for predicate in LABELS:
            for quad in self.store.quads_for_pattern(NamedNode(iri), NamedNode(predicate), None,
                                                     DefaultGraph()):
                return quad.object.value
        return None

    def owned(self, iri: str, outgoing: list) -> dict[str, list]:
        """The nodes this entity owns (authorship/{key}/n, ...) with their own outgoing triples."""
        tail = (self.iris.relative(iri) or "").partition("/")[2]
        prefixes = tuple(self.iris.namespace(kind) + tail + "/" for kind in OWNED)
        found = {t.object.value for t in outgoing if type(t.object).__name__ == "NamedNode"
                 and t.object.value.startswith(prefixes)}
        return {node: self.outgoing(node) for node in sorted(found)}

    def description(self, iri: str) -> tuple[list, dict[str, list], list]:
        out = self.outgoing(iri)
        incoming = self.incoming(iri)
        if not out and not incoming:
            raise HttpError(404, f"nothing is known about <{iri}> in this dataset")
        return out, self.owned(iri, out), incoming

    def triples(self, iri: str) -> list:
        """The entity's own triples, those of the nodes it owns, the links to it, and a label for each
        neighbour, so a Turtle or N-Triples page reads on its own as the HTML and JSON-LD ones do."""
        out, owned, incoming = self.description(iri)
        found = dict.fromkeys([*out, *(t for triples in owned.values() for t in triples), *incoming])
        for neighbour in {t.subject.value for t in incoming} | {
                t.object.value for t in found if type(t.object).__name__ == "NamedNode"}:
            if neighbour != iri and neighbour.startswith(self.base) and neighbour not in owned:
                found.update(dict.fromkeys(self.label_triples(neighbour)))
        return list(found)

    def label_triples(self, iri: str) -> list:
        from pyoxigraph import DefaultGraph, NamedNode
        for predicate in LABELS:
            quads = list(self.store.quads_for_pattern(NamedNode(iri), NamedNode(predicate), None, DefaultGraph()))
            if quads:
                return [q.triple for q in quads[:1]]
        return []

    def jsonld(self, iri: str) -> dict | None:
        """schema.org JSON-LD (phenkg.jsonld); None for an IRI that only the links to it mention."""
        from phenkg import jsonld

        self.description(iri)      # 404 for IRIs the dataset lacks
        if iri.startswith(self.iris.namespace("paper")):
            return jsonld.paper_document(self.store, iri, self.base)
        return jsonld.node_document(self.store, iri)


def local_href(iri: str, base: str) -> str | None:
    """The path this server answers for an IRI under the base (None for other IRIs, and for one whose
    path would read as another host's: `//evil.example/`)."""
    if not iri.startswith(base) or iri[len(base):].startswith(("/", "\\")):
        return None
    return "/" + iri[len(base):]


def iri_link(iri: str, label: str, base: str) -> str:
    """A link to this server's page for an IRI under the base, to the IRI itself when it is http(s),
    and else the label as text."""
    href = local_href(iri, base)
    return link(href, label, local=True) if href else link(iri, label)


def term_html(term, describer: Describer) -> str:
    kind = type(term).__name__
    if kind == "NamedNode":
        if local_href(term.value, describer.base):
            label = describer.label(term.value) or describer.iris.relative(term.value) or ""
            return iri_link(term.value, label, describer.base)
        return link(term.value, curie(term.value))
    if kind == "Literal":
        return escape(term.value)
    return escape(str(term))


def page(title: str, body: str, head: str = "") -> bytes:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)} · phenkg</title><link rel="stylesheet" href="/static/style.css">{head}'
            f'</head><body><nav><a href="/">phenkg</a> <a href="/">query</a> <a href="/void">dataset</a> '
            f'<a href="/ontology">ontology</a></nav><main>{body}</main></body></html>\n').encode()


def entity_html(iri: str, describer: Describer) -> bytes:
    out, owned, incoming = describer.description(iri)
    name = describer.label(iri) or describer.iris.relative(iri) or iri
    document = describer.jsonld(iri)
    data = script_json(document, indent=1)
    head = (entity_meta(document, name, iri) + f'<script type="{JSONLD.media_type}">\n{data}\n</script>'
            + "".join(f'<link rel="alternate" type="{f.media_type}" href="?format={f.name}">'
                      for f in nego.PAGE if f is not HTML))
    rows = []
    by_predicate: dict[str, list] = {}
    for triple in out:
        by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
    authorships = sorted((node for node in owned if node.startswith(describer.iris.namespace("authorship"))),
                         key=lambda n: int(n.rsplit("/", 1)[1]) if n.rsplit("/", 1)[1].isdigit() else 0)
    if authorships:
        authors = []
        for node in authorships:
            author = next((t.object for t in owned[node] if t.predicate.value == PHENKG + "author"), None)
            if author is not None:
                authors.append(term_html(author, describer))
        rows.append(f"<tr><th>authors, in order</th><td>{', '.join(authors)}</td></tr>")
    if listed_row := history_row(by_predicate, describer):
        rows.append(listed_row)
    for predicate, objects in by_predicate.items():
        if predicate in (SCHEMA + "author", PHENKG + "authorship"):
            continue
        values = sorted((term_html(o, describer) for o in objects), key=str.lower)
        label = "type" if predicate == RDF + "type" else curie(predicate)
        rows.append(f"<tr><th>{link(predicate, label)}</th><td>{'<br>'.join(values)}</td></tr>")
    paper_prefix = describer.iris.namespace("paper")
    papers = sorted({t.subject.value for t in incoming if t.subject.value.startswith(paper_prefix)})
    paper_items = sorted((describer.label(p) or p, p) for p in papers)
    listed = "".join(f"<li>{iri_link(p, t, describer.base)}</li>" for t, p in paper_items)
    others = [t for t in incoming if not t.subject.value.startswith(paper_prefix)]
    body = (f"<h1>{escape(name)}</h1><p class=\"iri\"><code>{escape(iri)}</code></p>"
            f'<p class="formats">As <a href="?format=ttl">Turtle</a> · <a href="?format=jsonld">JSON-LD</a>'
            f' · <a href="?format=nt">N-Triples</a></p>'
            + download_links((describer.iris.relative(iri) or "").partition("/")[0])
            + f'<table class="props">{"".join(rows)}</table>')
    if paper_items:
        body += f"<h2>Papers ({len(paper_items)})</h2><ul class=\"papers\">{listed}</ul>"
    if others and not paper_items:
        links = "".join(f"<li>{term_html(t.subject, describer)} <small>{escape(curie(t.predicate.value))}"
                        f"</small></li>" for t in others[:200])
        body += f"<h2>Referenced by</h2><ul>{links}</ul>"
    body += entity_charts(iri, describer.base, describer.charts)
    return page(name, body, head)


def history_row(by_predicate: dict[str, list], describer: Describer) -> str:
    """'first listed DATE (commit), last changed DATE (commit)' for a paper `phenkg history` dated."""
    parts = []
    for what, date, commit in (("first listed", "created", "firstListedIn"), ("last changed", "modified",
                                                                               "lastChangedIn")):
        if dates := by_predicate.get(DCTERMS + date):
            revision = by_predicate.get(PHENKG + commit)
            parts.append(f"{what} {escape(dates[0].value)}"
                         + (f" ({term_html(revision[0], describer)})" if revision else ""))
    return f"<tr><th>in the list</th><td>{', '.join(parts)}</td></tr>" if parts else ""


def entity_response(describer: Describer, path: str, accept: str | None, fmt: str | None) -> Response:
    """GET /{kind}/{key...}: the IRI base + path, negotiated; 404 for IRIs the dataset lacks."""
    chosen = nego.negotiate(nego.PAGE, accept, fmt)
    iri = describer.iris.at_path(quote(path.encode("latin-1"), safe="/-._~%"))
    headers = [("Vary", "Accept"), ("Link", f'<{iri}>; rel="canonical"')]
    try:
        if chosen is HTML:
            return Response(200, entity_html(iri, describer), HTML.media_type, headers)
        if chosen is JSONLD:
            body = json.dumps(describer.jsonld(iri), ensure_ascii=False, indent=1).encode()
            return Response(200, body, chosen.media_type, headers)
        return Response(200, serialize(describer.triples(iri), chosen.name), chosen.media_type, headers)
    except HttpError as exc:
        if exc.status == 404 and chosen is HTML:
            body = page("Not found", f"<h1>Not found</h1><p>{escape(exc.detail)}</p>"
                        '<p><a href="/">Query the dataset</a></p>')
            return Response(404, body, HTML.media_type, headers)
        exc.headers = exc.headers + headers
        raise
