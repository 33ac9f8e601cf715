"""Linked data: the description of one IRI under the base, as HTML, Turtle, JSON-LD or N-Triples.

An entity's description is its outgoing triples, those of the nodes it owns (a paper's authorship,
listing and link nodes) and the triples that point at it, so a topic's Turtle lists its papers too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from phenkg.charts.html import entity_charts
from phenkg.formats import HTML, JSONLD, Format
from phenkg.markup import link, script_json
from phenkg.serve import negotiate as nego
from phenkg.serve.citations import CITED, download_links
from phenkg.serve.http import HttpError, Response
from phenkg.serve.metadata import entity_meta
from phenkg.serve.results import serialize
from phenkg.vocab import DCAT, DCTERMS, FOAF, PHENKG, PROV, RDF, RDFS, SCHEMA, SKOS, VOID, Iris
from phenkg.vocab import compact_iri as curie

OWNED = ("authorship", "listing", "link")
LABELS = (SCHEMA + "name", SKOS + "prefLabel", DCTERMS + "title")
NAMED_BY = (VOID + "class", VOID + "property", DCAT + "mediaType")   # a VoID partition, a DCAT distribution


class Describer:
    """Reads descriptions of IRIs from a (read-only) pyoxigraph store; fixed-shape lookups only."""

    def __init__(self, store, base: str, charts: Path | None = None, links: Links | None = None) -> None:
        self.store, self.iris = store, Iris(base)
        self.base = self.iris.base
        self.charts = charts        # a build's charts/ folder, shown on topic and author pages
        self.links = links or SERVER
        self.memo: dict | None = None     # a dict: descriptions kept while one entity is written in 5 formats

    def _kept(self, kind: str, iri: str, make):
        if self.memo is None:
            return make(iri)
        key = (kind, iri)
        if key not in self.memo:
            self.memo[key] = make(iri)
        return self.memo[key]

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
        for predicate in NAMED_BY:
            for quad in self.store.quads_for_pattern(NamedNode(iri), NamedNode(predicate), None, DefaultGraph()):
                return curie(quad.object.value)
        return None

    def owned(self, iri: str, outgoing: list) -> dict[str, list]:
        """The nodes this entity owns (authorship/{key}/n, ...) with their own outgoing triples."""
        tail = (self.iris.relative(iri) or "").partition("/")[2]
        prefixes = tuple(self.iris.namespace(kind) + tail + "/" for kind in OWNED)
        found = {t.object.value for t in outgoing if type(t.object).__name__ == "NamedNode"
                 and t.object.value.startswith(prefixes)}
        return {node: self.outgoing(node) for node in sorted(found)}

    def description(self, iri: str) -> tuple[list, dict[str, list], list]:
        return self._kept("description", iri, self._description)

    def _description(self, iri: str) -> tuple[list, dict[str, list], list]:
        out = self.outgoing(iri)
        incoming = self.incoming(iri)
        if not out and not incoming:
            raise HttpError(404, f"nothing is known about <{iri}> in this dataset")
        return out, self.owned(iri, out), incoming

    def triples(self, iri: str) -> list:
        return self._kept("triples", iri, self._triples)

    def _triples(self, iri: str) -> list:
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
        return self._kept("jsonld", iri, self._jsonld)

    def _jsonld(self, iri: str) -> dict | None:
        """schema.org JSON-LD (phenkg.jsonld); None for an IRI that only the links to it mention."""
        from phenkg import jsonld

        self.description(iri)      # 404 for IRIs the dataset lacks
        if iri.startswith(self.iris.namespace("paper")):
            return jsonld.paper_document(self.store, iri, self.base)
        return jsonld.node_document(self.store, iri)


@dataclass(frozen=True)
class Links:
    """Where a page's links point: this server's paths (`/paper/x`, negotiated), or a static site's
    files (`/phenkg/paper/x.html` under a project site's root). Server and site render the same pages
    with a different `Links`."""

    root: str = "/"           # the path every link starts with
    suffix: str = ""          # after a page's path: "" on the server, ".html" on a static host

    def page(self, path: str) -> str:
        """The link to the page at `path` ('paper/x', 'void', '' for the home page)."""
        path = path.lstrip("/")
        return self.root + path + self.suffix if path else self.root

    def file(self, path: str) -> str:
        """The link to a file served as it is ('static/style.css', 'dist/phenkg.ttl')."""
        return self.root + path.lstrip("/")


SERVER = Links()
# the navigation bar, on every page: (path, label); the browse pages are phenkg.serve.browse's
NAV = (("", "home"), ("topics", "topics"), ("keywords", "keywords"), ("authors", "authors"),
       ("venues", "venues"), ("years", "years"), ("repositories", "code"), ("void", "dataset"),
       ("ontology", "ontology"), ("query", "query"))
# labels of the predicates a reader meets, in the order an entity's table shows them
PREDICATES = {
    SCHEMA + "name": "name", RDF + "type": "type", SCHEMA + "author": "author", PHENKG + "authorship": "authorship",
    SCHEMA + "publication": "venue", PHENKG + "publicationYear": "year published",
    PHENKG + "arxivYear": "arXiv year", PHENKG + "listYear": "year in the list", SCHEMA + "url": "web page",
    PHENKG + "arxiv": "arXiv", PHENKG + "openreview": "OpenReview", SCHEMA + "sameAs": "same as",
    PHENKG + "code": "code", SCHEMA + "about": "topic", SCHEMA + "keywords": "keyword",
    DCTERMS + "subject": "subject (topic or keyword)", SCHEMA + "description": "digest",
    PHENKG + "listing": "listed under", PHENKG + "venueName": "venue name", PHENKG + "venueYear": "venue year",
    SCHEMA + "codeRepository": "repository", SCHEMA + "citation": "code of", SKOS + "prefLabel": "label",
    SKOS + "inScheme": "in scheme", PHENKG + "order": "order in the list", FOAF + "name": "name (FOAF)",
    PROV + "wasDerivedFrom": "taken from", PHENKG + "commit": "commit", DCTERMS + "source": "source",
    DCTERMS + "date": "date", PHENKG + "paper": "paper", PHENKG + "author": "author", PHENKG + "topic": "topic",
    PHENKG + "position": "position", PHENKG + "printedName": "name as printed", PHENKG + "sourceLine": "line",
    SCHEMA + "datePublished": "date published", SCHEMA + "identifier": "identifier",
    DCTERMS + "created": "first listed", PHENKG + "firstListedIn": "first listed in",
    DCTERMS + "modified": "last changed", PHENKG + "lastChangedIn": "last changed in",
    SCHEMA + "inDefinedTermSet": "in term set", SCHEMA + "startDate": "date", RDFS + "label": "label",
}
ORDER = {predicate: n for n, predicate in enumerate(PREDICATES)}


def local_href(iri: str, base: str, links: Links = SERVER) -> str | None:
    """The link to this site's page for an IRI under the base (None for other IRIs, and for one whose
    path would read as another host's: `//evil.example/`)."""
    rest = iri[len(base):]
    if not iri.startswith(base) or rest.startswith(("/", "\\")):
        return None
    if rest.startswith(("dist/", "static/")):         # files, served as they are
        return links.file(rest)
    if rest == "sparql" and links.suffix:              # a static site has no endpoint: its query page
        rest = "query"
    return links.page(rest)


def iri_link(iri: str, label: str, base: str, links: Links = SERVER) -> str:
    """A link to this site's page for an IRI under the base, to the IRI itself when it is http(s),
    and else the label as text."""
    href = local_href(iri, base, links)
    return link(href, label, local=True) if href else link(iri, label)


def kind_of(iri: str, describer: Describer) -> str:
    """The entity kind an IRI under the base names ('paper'), '' for others."""
    return (describer.iris.relative(iri) or "").partition("/")[0]


def term_html(term, describer: Describer, owned: dict[str, list] | None = None) -> str:
    kind = type(term).__name__
    if kind == "NamedNode":
        if term.value.startswith(PHENKG):          # a term of the ontology: its entry on the ontology page
            local = term.value[len(PHENKG):]
            return link(describer.links.page("ontology") + "#" + quote(local), local, local=True)
        if local_href(term.value, describer.base):
            triples = (owned or {}).get(term.value)
            label = (owned_label(term.value, triples, describer) if triples is not None
                     else describer.label(term.value) or describer.iris.relative(term.value) or "")
            entity_kind = kind_of(term.value, describer)
            tag = f'<span class="kind">{escape(entity_kind)}</span> ' if entity_kind in TAGGED else ""
            return tag + iri_link(term.value, label, describer.base, describer.links)
        if term.value.startswith(SCHEMA):
            return link(term.value, curie(term.value).partition(":")[2])
        return link(term.value, curie(term.value))
    if kind == "Literal":
        return escape(term.value)
    return escape(str(term))


TAGGED = ("topic", "keyword")      # kinds a value names beside its label (a topic and a keyword share names)


def owned_label(node: str, triples: list, describer: Describer) -> str:
    """A readable label for a node the entity owns: '2. Jane Doe', 'Topic name, 2021', a link's URL."""
    values = {t.predicate.value: t.object for t in triples}
    kind = kind_of(node, describer)
    if kind == "authorship":
        position = values.get(PHENKG + "position")
        name = values.get(PHENKG + "printedName")
        return f"{position.value if position else '?'}. {name.value if name else ''}".strip()
    if kind == "listing":
        topic = values.get(PHENKG + "topic")
        year = values.get(PHENKG + "listYear")
        name = (describer.label(topic.value) or "") if topic is not None else ""
        return ", ".join(x for x in (name, year.value if year is not None else "") if x) or node
    named = values.get(SCHEMA + "name") or values.get(SCHEMA + "url")
    return named.value if named is not None else describer.iris.relative(node) or node


def nav(links: Links = SERVER) -> str:
    items = "".join(f'<a href="{escape(links.page(path), quote=True)}">{label}</a>' for path, label in NAV)
    return f'<nav class="site" aria-label="site">{items}</nav>'


def page(title: str, body: str, head: str = "", links: Links = SERVER) -> bytes:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)} · phenkg</title>'
            f'<link rel="stylesheet" href="{links.file("static/style.css")}">'
            f'<link rel="icon" href="{links.file("favicon.ico")}">{head}'
            f'</head><body>{nav(links)}<main>{body}</main></body></html>\n').encode()


def format_links(iri: str, describer: Describer) -> tuple[str, str]:
    """(the <link rel=alternate> elements, a readable line of links) to the entity's other formats:
    `{path}.{extension}`, which the server answers as the static site holds it."""
    path = describer.iris.relative(iri) or ""
    alternates = [f for f in nego.PAGE if f is not HTML and f.name in FILE_FORMATS]
    head = "".join(f'<link rel="alternate" type="{f.media_type}" '
                   f'href="{escape(describer.links.file(path + "." + f.extension), quote=True)}">'
                   for f in alternates)
    line = " · ".join(f'<a href="{escape(describer.links.file(path + "." + f.extension), quote=True)}">'
                      f"{FILE_FORMATS[f.name]}</a>" for f in alternates)
    return head, line


FILE_FORMATS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdfxml": "RDF/XML"}


def _objects(out: list, predicate: str) -> list:
    return [t.object for t in out if t.predicate.value == predicate]


def _joined(terms: list, describer: Describer, sep: str = ", ") -> str:
    return sep.join(sorted((term_html(t, describer) for t in terms), key=str.lower))


def paper_summary(iri: str, out: list, owned: dict[str, list], describer: Describer) -> str:
    """What a reader wants first: authors in order, venue and year, links, topics, keywords."""
    rows: list[tuple[str, str]] = []
    authorships = sorted((n for n in owned if kind_of(n, describer) == "authorship"),
                         key=lambda n: int(n.rsplit("/", 1)[1]) if n.rsplit("/", 1)[1].isdigit() else 0)
    authors = [term_html(author, describer) for node in authorships
               for author in _objects(owned[node], PHENKG + "author")]
    if authors:
        rows.append(("authors, in order", ", ".join(authors)))
    venue = _joined(_objects(out, SCHEMA + "publication"), describer)
    if venue:
        rows.append(("venue", venue))
    years = [(label, _objects(out, p)) for p, label in ((PHENKG + "publicationYear", "published"),
                                                          (PHENKG + "arxivYear", "arXiv"))]
    year = "; ".join(f"{', '.join(sorted({t.value for t in ts}))} ({label})" for label, ts in years if ts)
    if year:
        rows.append(("year", escape(year)))
    web = [*_objects(out, SCHEMA + "url"), *_objects(out, PHENKG + "arxiv"), *_objects(out, PHENKG + "openreview"),
           *_objects(out, SCHEMA + "sameAs")]
    seen: dict[str, str] = {}
    for term in web:
        seen.setdefault(term.value, link(term.value, term.value.split("//", 1)[-1]))
    for node in (n for n in owned if kind_of(n, describer) == "link"):
        for term in _objects(owned[node], SCHEMA + "url"):
            seen.setdefault(term.value, link(term.value, owned_label(node, owned[node], describer)))
    if seen:
        rows.append(("links", "<br>".join(seen.values())))
    by_predicate: dict[str, list] = {}
    for triple in out:
        by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
    if listed := history_text(by_predicate, describer):
        rows.append(("in the list", listed))
    code = _joined(_objects(out, PHENKG + "code"), describer, "<br>")
    if code:
        rows.append(("code", code))
    for predicate, label in ((SCHEMA + "about", "topics"), (SCHEMA + "keywords", "keywords")):
        if value := _joined(_objects(out, predicate), describer):
            rows.append((label, value))
    listed = "dl"
    body = f'<{listed} class="summary">' + "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    body += f"</{listed}>"
    digest = _objects(out, SCHEMA + "description")
    if digest:
        body += "<h2>Digest</h2>" + "".join(f'<p class="digest">{escape(t.value)}</p>' for t in digest)
    return body


def dataset_summary(out: list, describer: Describer) -> str:
    """The dataset's description (VoID and DCAT) for a reader: its figures, downloads and classes."""
    from pyoxigraph import DefaultGraph, NamedNode

    def value(subject, predicate: str) -> str:
        quads = describer.store.quads_for_pattern(subject, NamedNode(predicate), None, DefaultGraph())
        return next((q.object.value for q in quads), "")

    def local(term, label: str) -> str:
        return (iri_link(term.value, label, describer.base, describer.links) if type(term).__name__ == "NamedNode"
                else escape(label))

    me = NamedNode(describer.iris.dataset)
    figures = [(label, value(me, VOID + name)) for name, label in (
        ("triples", "triples"), ("entities", "entities"), ("classes", "classes"), ("properties", "properties"))]
    about = "".join(f'<p class="digest">{escape(t.value)}</p>' for t in _objects(out, DCTERMS + "description"))
    body = about + '<dl class="summary">' + "".join(
        f"<dt>{label}</dt><dd>{int(n):,}</dd>" for label, n in figures if n.isdigit())
    endpoint = _objects(out, VOID + "sparqlEndpoint")
    if endpoint:
        body += f"<dt>SPARQL endpoint</dt><dd><code>{escape(endpoint[0].value)}</code></dd>"
    body += "</dl><h2>Downloads</h2><ul>"
    for dist in sorted(_objects(out, DCAT + "distribution"), key=lambda t: t.value):
        url, size = value(dist, DCAT + "downloadURL"), value(dist, DCAT + "byteSize")
        media = value(dist, DCAT + "mediaType").rsplit("media-types/", 1)[-1]
        href = local_href(url, describer.base, Links(describer.links.root)) or url
        body += (f"<li>{link(href, value(dist, DCTERMS + 'title') or url, local=href != url)} "
                 f'<span class="meta">{escape(media)}{f", {int(size):,} bytes" if size.isdigit() else ""}</span> '
                 f"({local(dist, 'description')})</li>")
    body += "</ul><h2>Classes</h2><table><thead><tr><th>class</th><th>entities</th></tr></thead><tbody>"
    for part in sorted(_objects(out, VOID + "classPartition"), key=lambda t: t.value):
        cls, n = value(part, VOID + "class"), value(part, VOID + "entities")
        body += f"<tr><td>{local(part, curie(cls))}</td><td>{int(n):,}</td></tr>" if n.isdigit() else ""
    return body + "</tbody></table>"


def paper_facts(paper: str, describer: Describer) -> tuple[str, str, str]:
    """(title, year, venue) of a paper, for the lists on author, topic and venue pages."""
    out = describer.outgoing(paper)
    values: dict[str, str] = {}
    for t in out:
        values.setdefault(t.predicate.value, t.object.value)
    year = values.get(PHENKG + "publicationYear") or values.get(PHENKG + "arxivYear") or values.get(
        PHENKG + "listYear") or ""
    venue = values.get(SCHEMA + "publication")
    return values.get(SCHEMA + "name", paper), year, (describer.label(venue) or "") if venue else ""


def paper_list(papers: list[str], describer: Describer) -> str:
    """Papers as a list, newest first, each with its year and venue."""
    facts = sorted(((paper, *paper_facts(paper, describer)) for paper in papers),
                   key=lambda f: (-int(f[2]) if f[2].isdigit() else 0, f[1].lower()))
    items = "".join(f"<li>{iri_link(p, title, describer.base, describer.links)}"
                    f'<span class="meta">{escape(_venue_year(venue, year))}</span></li>'
                    for p, title, year, venue in facts)
    return f'<ul class="papers">{items}</ul>'


def _venue_year(venue: str, year: str) -> str:
    """'ICLR 2020' (a venue names its year), 'NeurIPS · 2019', '2021'."""
    return venue if year and venue.endswith(year) else " · ".join(x for x in (venue, year) if x)


def statements(out: list, owned: dict[str, list], describer: Describer) -> str:
    """Every statement about the entity, labelled, in a reader's order."""
    by_predicate: dict[str, list] = {}
    for triple in out:
        by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
    rows = []
    for predicate in sorted(by_predicate, key=lambda p: (ORDER.get(p, len(ORDER)), curie(p))):
        values = [term_html(o, describer, owned) for o in by_predicate[predicate]]
        if predicate != PHENKG + "authorship":
            values.sort(key=str.lower)
        label = PREDICATES.get(predicate, curie(predicate))
        rows.append(f'<tr><th>{link(predicate, label)}</th><td>{"<br>".join(values)}</td></tr>')
    return f'<table class="props">{"".join(rows)}</table>'


def entity_html(iri: str, describer: Describer, url: str | None = None, extra_head: str = "") -> bytes:
    """The page of an entity; `url`: its canonical address when another than the IRI (/void)."""
    out, owned, incoming = describer.description(iri)
    name = describer.label(iri) or describer.iris.relative(iri) or iri
    document = describer.jsonld(iri)
    data = script_json(document)      # compact: the C encoder (an indent makes json 10x slower)
    alternates, formats_line = format_links(iri, describer)
    head = (entity_meta(document, name, url or iri) + f'<script type="{JSONLD.media_type}">\n{data}\n</script>'
            + alternates + extra_head)
    kind = kind_of(iri, describer)
    body = f'<p class="kind-line">{escape(kind)}</p><h1>{escape(name)}</h1>'
    if kind == "paper":
        body += paper_summary(iri, out, owned, describer)
    if iri == describer.iris.dataset:
        body += dataset_summary(out, describer)
    paper_prefix = describer.iris.namespace("paper")
    papers = sorted({t.subject.value for t in incoming if t.subject.value.startswith(paper_prefix)}
                    | ({t.object.value for t in out if t.object.value.startswith(paper_prefix)}
                       if kind != "paper" else set()))
    body += entity_charts(iri, describer.base, describer.charts, describer.links.page("query"))  # phenkg.charts
    if papers and kind not in ("paper", "dataset"):
        body += f"<h2>Papers ({len(papers)})</h2>" + paper_list(papers, describer)
    others = [t for t in incoming if not t.subject.value.startswith(paper_prefix) and t.subject.value not in owned
              and kind_of(t.subject.value, describer) not in ("authorship", "listing", "link")]
    if others and not papers and kind != "dataset":
        items = "".join(f"<li>{term_html(t.subject, describer)} <small>"
                        f"{escape(PREDICATES.get(t.predicate.value, curie(t.predicate.value)))}</small></li>"
                        for t in others[:500])
        more = f"<p>… and {len(others) - 500:,} more.</p>" if len(others) > 500 else ""
        body += f"<h2>Linked from ({len(others):,})</h2><ul>{items}</ul>{more}"
    body += (f"<h2>All statements</h2>{statements(out, owned, describer)}"
             f'<p class="iri">IRI: <code>{escape(iri)}</code></p><p class="formats">As {formats_line}</p>'
             + cite_links(iri, kind, describer))
    return page(name, body, head, describer.links)


def cite_links(iri: str, kind: str, describer: Describer) -> str:
    """Links to the citations of the entity's papers: negotiated on the server (phenkg.serve.citations),
    the files `{path}.bib`, `.csl.json`, `.ris` on a static site (phenkg.cite.citation_files)."""
    if not describer.links.suffix:
        return download_links(kind)
    if kind not in CITED or kind == "source":
        return ""
    from phenkg.formats import CITATIONS

    path = describer.iris.relative(iri) or ""
    labels = {"bibtex": "BibTeX", "csljson": "CSL-JSON", "ris": "RIS"}
    items = " · ".join(f'<a href="{escape(describer.links.file(f"{path}.{f.extension}"), quote=True)}" '
                       f'type="{f.media_type}">{labels.get(f.name, f.name)}</a>' for f in CITATIONS.values())
    return f'<p class="cite">Cite as {items}</p>'


def history_row(by_predicate: dict[str, list], describer: Describer) -> str:
    """The table row of `history_text` (empty for a paper without dates)."""
    text = history_text(by_predicate, describer)
    return f"<tr><th>in the list</th><td>{text}</td></tr>" if text else ""


def history_text(by_predicate: dict[str, list], describer: Describer) -> str:
    """'first listed DATE (commit), last changed DATE (commit)' for a paper `phenkg history` dated."""
    parts = []
    for what, date, commit in (("first listed", "created", "firstListedIn"), ("last changed", "modified",
                                                                               "lastChangedIn")):
        if dates := by_predicate.get(DCTERMS + date):
            revision = by_predicate.get(PHENKG + commit)
            parts.append(f"{what} {escape(dates[0].value)}"
                         + (f" ({term_html(revision[0], describer)})" if revision else ""))
    return ", ".join(parts)


def entity_response(describer: Describer, path: str, accept: str | None, fmt: str | None) -> Response:
    """GET /{kind}/{key...}: the IRI base + path, negotiated; 404 for IRIs the dataset lacks.
    `/{kind}/{key}.{ext}` is that format of the entity, the file a static site holds for it."""
    iri = describer.iris.at_path(quote(path.encode("latin-1"), safe="/-._~%"))
    stem, dot, extension = iri.rpartition(".")
    by_extension = {f.extension: f for f in nego.PAGE}
    if dot and fmt is None and extension in by_extension and "/" not in extension and not _known(describer, iri):
        iri, fmt = stem, by_extension[extension].name
    return entity_answer(describer, iri, nego.negotiate(nego.PAGE, accept, fmt))


def entity_answer(describer: Describer, iri: str, chosen: Format) -> Response:
    """The description of an entity IRI in one format: what the server answers and the site writes."""
    headers = [("Vary", "Accept"), ("Link", f'<{iri}>; rel="canonical"')]
    try:
        if chosen is HTML:
            return Response(200, entity_html(iri, describer), HTML.media_type, headers)
        if chosen is JSONLD:
            body = json.dumps(describer.jsonld(iri), ensure_ascii=False).encode()
            return Response(200, body, chosen.media_type, headers)
        return Response(200, serialize(describer.triples(iri), chosen.name), chosen.media_type, headers)
    except HttpError as exc:
        if exc.status == 404 and chosen is HTML:
            return Response(404, not_found_page(exc.detail, describer.links), HTML.media_type, headers)
        exc.headers = exc.headers + headers
        raise


def _known(describer: Describer, iri: str) -> bool:
    from pyoxigraph import DefaultGraph, NamedNode
    return next(iter(describer.store.quads_for_pattern(NamedNode(iri), None, None, DefaultGraph())), None) is not None


def not_found_page(detail: str, links: Links = SERVER) -> bytes:
    return page("Not found", f"<h1>Not found</h1><p>{escape(detail)}</p>"
                f'<p><a href="{escape(links.page(""), quote=True)}">The dataset\'s home page</a></p>', links=links)


def void_response(described: Describer, void: list, path: str, accept: str | None, fmt: str | None, *,
                  head: str = "") -> Response:
    """/void and /dataset: the dataset's description (the build's void.ttl): a page for a browser, the
    whole description in RDF; /dataset/{part} a partition or distribution as any entity."""
    if path.strip("/").partition("/")[2]:
        return entity_response(described, path, accept, fmt)
    extension = path.strip("/").partition(".")[2]
    by_extension = {f.extension: f for f in nego.PAGE}
    if extension and fmt is None:
        if extension not in by_extension:
            raise HttpError(404, f"no page at {path}")
        fmt = by_extension[extension].name
    chosen = nego.negotiate(nego.PAGE, accept, fmt)
    iri = described.iris.dataset
    if chosen is HTML:
        url = described.iris.at_path(path.partition(".")[0])
        page_bytes = entity_html(iri, described, url, head)     # head: the build's schema.org Dataset
        return Response(200, page_bytes, HTML.media_type, [("Vary", "Accept")])
    return Response(200, serialize(void, chosen.name), chosen.media_type, [("Vary", "Accept")])
