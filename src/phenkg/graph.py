"""A Catalog -> RDF, one function per entity type, each yielding N-Triples lines.

N-Triples text is the one form every consumer takes fast: pyoxigraph loads it in Rust for serving
and exporting, rdflib parses it for pyshacl, and the pages describe an entity from the same
functions. IRIs come from `vocab.Iris`, so rebuilding gives the same IRIs; there are no blank nodes.

Canonical order (`blocks`): one block per entity (a paper with its authorship, listing and link
nodes; an author; a repository with the papers that cite it...) in the catalog's order, each block's
lines sorted by code point without duplicates. Every subject lives in exactly one block, so the
lines come grouped by subject: what Turtle, the JSON-LD writer and the streaming validator need,
with no sort over the whole graph. The same catalog always gives the same lines in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from phenkg import ntriples
from phenkg.identifiers import ARXIV, ARXIV_DOI, AUTHOR_SCHEMES, OPENREVIEW, PAPER_SCHEMES, Scheme, curated
from phenkg.keys import arxiv_id, arxiv_year, openreview_id
from phenkg.model import Catalog, Dated, EntityKeys, Identifiers, Paper, PaperHistory, Source, Topic, Venue, repo_name
from phenkg.vocab import DCTERMS, FOAF, PHENKG, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, Iris, encoded_iri

_A = f"<{RDF}type>"


def iri(value: str) -> str:
    """An IRI term; characters N-Triples forbids are percent-encoded."""
    return "<" + encoded_iri(value) + ">"


_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_LITERAL_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\]')


def _escape(m: re.Match) -> str:
    return _ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04X}"


def lit(value: str) -> str:
    """A plain literal, escaped exactly as pyoxigraph's N-Triples writer does (so our lines are canonical)."""
    return f'"{_LITERAL_UNSAFE.sub(_escape, value)}"'


def integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


def printed_date(value: str) -> str:
    """A date as a list prints it, '2015' or '2019-02', typed as the XSD type of that form."""
    return f'"{value}"^^<{XSD}{"gYearMonth" if len(value) == 7 else "gYear"}>'


def g_year(value: int) -> str:
    """A year as xsd:gYear: what schema.org's date properties read (our own year properties stay
    xsd:integer, which every SPARQL engine compares)."""
    return f'"{value:04d}"^^<{XSD}gYear>'


def p(ns: str, name: str) -> str:
    return f"<{ns}{name}>"


# predicates, written once
NAME, URL, AUTHOR, DESCRIPTION = p(SCHEMA, "name"), p(SCHEMA, "url"), p(SCHEMA, "author"), p(SCHEMA, "description")
SUBJECT, ABOUT, KEYWORDS = p(DCTERMS, "subject"), p(SCHEMA, "about"), p(SCHEMA, "keywords")
PREF_LABEL, IN_SCHEME = p(SKOS, "prefLabel"), p(SKOS, "inScheme")
DERIVED = p(PROV, "wasDerivedFrom")
SAME_AS, IDENTIFIER, LABEL = p(SCHEMA, "sameAs"), p(SCHEMA, "identifier"), p(RDFS, "label")


@dataclass
class Context:
    """What the entity functions need besides the entity: IRIs and the keys of referenced things."""

    iris: Iris
    keys: EntityKeys
    source: str
    topic_names: dict[str, str] = field(default_factory=dict)
    people: dict[str, Identifiers] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)   # an added list's file -> its IRI (data/sources.yaml)
    history: dict[str, PaperHistory] = field(default_factory=dict)   # paper key -> its dates (data/history.yaml)

    @classmethod
    def of(cls, catalog: Catalog, base: str) -> Context:
        iris = Iris(base)
        added = {x.file: iris.source(x.commit, x.file) for x in catalog.sources}
        first = iris.source(catalog.source.commit, catalog.source.file)
        return cls(iris, catalog.keys, first, {t.key: t.name for t in catalog.topics}, catalog.people, added,
                   catalog.history)


def named_triples(s: str, name: str, *classes: str) -> Iterator[str]:
    """What every named entity has: its classes and its schema:name (the order of lines within an
    entity's block does not matter: `block` sorts them)."""
    for cls in classes:
        yield f"{s} {_A} {cls} ."
    yield f"{s} {NAME} {lit(name)} ."


def identity_triples(s: str, scheme: Scheme, value: str) -> Iterator[str]:
    """One identifier: the IRI it names (schema:sameAs) and its text 'scheme:value' (schema:identifier)."""
    yield f"{s} {SAME_AS} {iri(scheme.same_as(value))} ."
    yield f"{s} {IDENTIFIER} {lit(scheme.identifier(value))} ."


def paper_triples(paper: Paper, ctx: Context) -> Iterator[str]:
    s = iri(ctx.iris.paper(paper.key))
    ph = PHENKG
    yield from named_triples(s, paper.title, p(ph, "Paper"), p(SCHEMA, "ScholarlyArticle"))
    year = paper.venue.year if paper.venue is not None else None
    if paper.url:
        yield f"{s} {URL} {iri(paper.url)} ."
        if found := arxiv_id(paper.url):
            yield f"{s} {p(ph, 'arxiv')} {iri(ARXIV.same_as(found))} ."
            # the same work as arXiv's record, and its DataCite DOI (every arXiv id has one, no look-up)
            yield from identity_triples(s, ARXIV, found)
            yield from identity_triples(s, PAPER_SCHEMES["doi"], ARXIV_DOI.format(found))
            if (arxiv := arxiv_year(found)) is not None:
                yield f"{s} {p(ph, 'arxivYear')} {integer(arxiv)} ."
                year = year or arxiv
        elif found := openreview_id(paper.url):
            yield f"{s} {p(ph, 'openreview')} {iri(OPENREVIEW.same_as(found))} ."
            yield from identity_triples(s, OPENREVIEW, found)
    for scheme, value in curated(paper.ids, PAPER_SCHEMES):
        yield from identity_triples(s, scheme, value)
    if paper.date:      # as the list prints it ('2015', '2019-02'), else the venue's year, else the preprint's
        yield f"{s} {p(SCHEMA, 'datePublished')} {printed_date(paper.date)} ."
    elif year is not None:
        yield f"{s} {p(SCHEMA, 'datePublished')} {g_year(year)} ."
    if paper.digest:
        yield f"{s} {DESCRIPTION} {lit(paper.digest)} ."
    yield from authorship_triples(s, paper, ctx)
    for label in paper.keywords:
        keyword = iri(ctx.iris.keyword(ctx.keys.keywords[label]))
        yield f"{s} {SUBJECT} {keyword} ."
        yield f"{s} {KEYWORDS} {keyword} ."
    if paper.venue is not None:
        yield f"{s} {p(SCHEMA, 'publication')} {iri(ctx.iris.venue(paper.venue.key))} ."
        if paper.venue.year is not None:
            yield f"{s} {p(ph, 'publicationYear')} {integer(paper.venue.year)} ."
    if paper.date and (paper.venue is None or paper.venue.year is None):
        yield f"{s} {p(ph, 'publicationYear')} {integer(int(paper.date[:4]))} ."
    yield from link_triples(s, paper, ctx)
    yield from listing_triples(s, paper, ctx)
    for source in dict.fromkeys(ctx.added.get(x.source or "", ctx.source) for x in paper.listings) or [ctx.source]:
        yield f"{s} {DERIVED} {iri(source)} ."
    if (dates := ctx.history.get(paper.key)) is not None:
        yield from history_triples(s, dates, ctx)


def history_triples(s: str, dates: PaperHistory, ctx: Context) -> Iterator[str]:
    """When the list first showed the paper and last changed it, and the commit (a revision node) of each."""
    for prop, link, dated in (("created", "firstListedIn", dates.first_listed),
                              ("modified", "lastChangedIn", dates.last_changed)):
        yield f'{s} {p(DCTERMS, prop)} "{dated.date}"^^<{XSD}date> .'
        yield f"{s} {p(PHENKG, link)} {iri(ctx.iris.revision(dated.commit))} ."


def revision_triples(dated: Dated, ctx: Context) -> Iterator[str]:
    """A commit of the list's history: its id and date, and the repository it is in."""
    s = iri(ctx.iris.revision(dated.commit))
    yield f"{s} {_A} {p(PHENKG, 'ListRevision')} ."
    yield f"{s} {_A} {p(PROV, 'Entity')} ."
    yield f"{s} {_A} {p(SCHEMA, 'CreativeWork')} ."   # the list as it was at that commit: a work
    yield f"{s} {p(PHENKG, 'commit')} {lit(dated.commit)} ."
    yield f'{s} {p(DCTERMS, "date")} "{dated.date}"^^<{XSD}date> .'
    yield f"{s} {NAME} {lit(f'commit {dated.commit[:12]} of {dated.date}')} ."


def revisions(catalog: Catalog) -> list[Dated]:
    """The commits the listed papers' dates come from, each once, oldest first (by date, then id)."""
    listed = {paper.key for paper in catalog.papers}
    found = {d.commit: d for h in catalog.history.values() if h.key in listed
             for d in (h.first_listed, h.last_changed)}
    return sorted(found.values(), key=lambda d: (d.date, d.commit))


def authorship_triples(s: str, paper: Paper, ctx: Context) -> Iterator[str]:
    """Authors in order: the plain schema:author link, and an authorship node with the position."""
    ph = PHENKG
    for position, name in enumerate(paper.authors, start=1):
        author = iri(ctx.iris.author(ctx.keys.authors[name]))
        ship = iri(ctx.iris.authorship(paper.key, position))
        yield f"{s} {AUTHOR} {author} ."
        yield f"{s} {p(ph, 'authorship')} {ship} ."
        yield f"{ship} {_A} {p(ph, 'Authorship')} ."
        yield f"{ship} {p(ph, 'paper')} {s} ."
        yield f"{ship} {p(ph, 'author')} {author} ."
        yield f"{ship} {p(ph, 'printedName')} {lit(name)} ."
        yield f"{ship} {p(ph, 'position')} {integer(position)} ."
        yield f"{ship} {LABEL} {lit(f'{name}, author {position}')} ."  # short: one per author of every paper


def link_triples(s: str, paper: Paper, ctx: Context) -> Iterator[str]:
    """Code links point to repositories (whose blocks cite the paper back); other links become link
    nodes that keep their kind."""
    ph = PHENKG
    n_link = 0
    for link in paper.links:
        if link.kind == "code":
            yield f"{s} {p(ph, 'code')} {iri(ctx.iris.repo(ctx.keys.repos[link.url]))} ."
        else:
            n_link += 1
            node = iri(ctx.iris.link(paper.key, n_link))
            yield f"{s} {p(ph, 'link')} {node} ."
            yield f"{node} {_A} {p(ph, 'Link')} ."
            yield f"{node} {_A} {p(SCHEMA, 'CreativeWork')} ."  # a page, post, video, slides...: a work
            yield f"{node} {p(ph, 'linkKind')} {lit(link.kind)} ."
            yield f"{node} {URL} {iri(link.url)} ."


def listing_triples(s: str, paper: Paper, ctx: Context) -> Iterator[str]:
    """Where the list shows the paper: topic, list year and source line, derived from the source list."""
    ph = PHENKG
    topics_seen, years_seen = set(), set()
    for n, listing in enumerate(paper.listings, start=1):
        node = iri(ctx.iris.listing(paper.key, n))
        topic = iri(ctx.iris.topic(listing.topic))
        if topic not in topics_seen:
            topics_seen.add(topic)
            yield f"{s} {SUBJECT} {topic} ."
            yield f"{s} {ABOUT} {topic} ."
        yield f"{s} {p(ph, 'listing')} {node} ."
        yield f"{node} {_A} {p(ph, 'Listing')} ."
        yield f"{node} {_A} {p(PROV, 'Entity')} ."
        yield f"{node} {p(ph, 'paper')} {s} ."
        yield f"{node} {p(ph, 'topic')} {topic} ."
        yield f"{node} {DERIVED} {iri(ctx.added.get(listing.source or '', ctx.source))} ."
        where = ctx.topic_names.get(listing.topic, listing.topic)
        if listing.year is not None or listing.year_label:
            where += f", {listing.year if listing.year is not None else listing.year_label}"
        yield f"{node} {LABEL} {lit(f'listed under {where}')} ."
        if listing.year is not None:
            yield f"{node} {p(ph, 'listYear')} {integer(listing.year)} ."
            if listing.year not in years_seen:
                years_seen.add(listing.year)
                yield f"{s} {p(ph, 'listYear')} {integer(listing.year)} ."
        if listing.line is not None:
            yield f"{node} {p(ph, 'sourceLine')} {integer(listing.line)} ."


def author_triples(key: str, name: str, ctx: Context) -> Iterator[str]:
    s = iri(ctx.iris.author(key))
    yield from named_triples(s, name, p(PHENKG, "Author"), p(SCHEMA, "Person"), p(FOAF, "Person"))
    yield f"{s} {p(FOAF, 'name')} {lit(name)} ."
    for scheme, value in curated(ctx.people.get(name), AUTHOR_SCHEMES):
        yield from identity_triples(s, scheme, value)


def concept_triples(s: str, kind: str, label: str, scheme: str) -> Iterator[str]:
    """A topic or keyword: a SKOS concept, and for schema.org consumers a DefinedTerm of a DefinedTermSet."""
    yield from named_triples(s, label, p(PHENKG, kind), p(SKOS, "Concept"), p(SCHEMA, "DefinedTerm"))
    yield f"{s} {PREF_LABEL} {lit(label)} ."
    yield f"{s} {IN_SCHEME} {iri(scheme)} ."
    yield f"{s} {p(SCHEMA, 'inDefinedTermSet')} {iri(scheme)} ."


def topic_triples(topic: Topic, order: int, ctx: Context) -> Iterator[str]:
    s = iri(ctx.iris.topic(topic.key))
    yield from concept_triples(s, "Topic", topic.name, ctx.iris.scheme("topics"))
    yield f"{s} {p(PHENKG, 'order')} {integer(order)} ."


def keyword_triples(key: str, label: str, ctx: Context) -> Iterator[str]:
    yield from concept_triples(iri(ctx.iris.keyword(key)), "Keyword", label, ctx.iris.scheme("keywords"))


def scheme_triples(ctx: Context) -> Iterator[str]:
    for name, label in (("topics", "Topics of the list"), ("keywords", "Keywords of the list")):
        s = iri(ctx.iris.scheme(name))
        yield from named_triples(s, label, p(SKOS, "ConceptScheme"), p(SCHEMA, "DefinedTermSet"))
        yield f"{s} {PREF_LABEL} {lit(label)} ."


def venue_triples(key: str, venue: Venue, ctx: Context) -> Iterator[str]:
    s = iri(ctx.iris.venue(key))
    yield from named_triples(s, venue.printed, p(PHENKG, "Venue"), p(SCHEMA, "PublicationEvent"))
    yield f"{s} {p(PHENKG, 'venueName')} {lit(venue.name)} ."
    if venue.year is not None:
        yield f"{s} {p(PHENKG, 'venueYear')} {integer(venue.year)} ."
        yield f"{s} {p(SCHEMA, 'startDate')} {g_year(venue.year)} ."
    if venue.qualifier:
        yield f"{s} {p(PHENKG, 'venueQualifier')} {lit(venue.qualifier)} ."


def repo_triples(key: str, url: str, ctx: Context, citing: Iterable[str] = ()) -> Iterator[str]:
    """A code repository, and `schema:citation` of each paper (its IRI) that links to it."""
    s = iri(ctx.iris.repo(key))
    yield from named_triples(s, repo_name(url), p(PHENKG, "CodeRepository"), p(SCHEMA, "SoftwareSourceCode"))
    yield f"{s} {p(SCHEMA, 'codeRepository')} {iri(url)} ."
    yield f"{s} {SAME_AS} {iri(url)} ."  # the node stands for the repository the URL names
    for paper in citing:
        yield f"{s} {p(SCHEMA, 'citation')} {iri(paper)} ."


def source_triples(source: Source, ctx: Context, node: str | None = None) -> Iterator[str]:
    s = iri(node or ctx.source)
    yield from named_triples(s, source.title, p(PHENKG, "SourceList"), p(PROV, "Entity"))
    if source.repository:
        yield f"{s} {p(DCTERMS, 'source')} {iri(source.repository)} ."
    if source.commit:
        yield f"{s} {p(PHENKG, 'commit')} {lit(source.commit)} ."
    if source.date:
        yield f'{s} {p(DCTERMS, "date")} "{source.date}"^^<{XSD}date> .'


def blocks(catalog: Catalog, base: str, progress: Callable[[int], None] | None = None) -> Iterator[list[str]]:
    """Every triple of the catalog's graph as N-Triples lines, one block per entity, in canonical order
    (see the module's docstring)."""
    ctx = Context.of(catalog, base)
    yield block(source_triples(catalog.source, ctx))
    for added in catalog.sources:
        yield block(source_triples(added, ctx, ctx.added[added.file]))
    yield block(scheme_triples(ctx))
    for order, topic in enumerate(catalog.topics, start=1):
        yield block(topic_triples(topic, order, ctx))
    citing: dict[str, list[str]] = {}
    for i, paper in enumerate(catalog.papers):
        if progress and i % 2000 == 0:
            progress(i)
        for url in dict.fromkeys(paper.code_urls):
            citing.setdefault(url, []).append(ctx.iris.paper(paper.key))
        yield block(paper_triples(paper, ctx))
    for name, key in ctx.keys.authors.items():
        yield block(author_triples(key, name, ctx))
    for label, key in ctx.keys.keywords.items():
        yield block(keyword_triples(key, label, ctx))
    for key, venue in ctx.keys.venues.items():
        yield block(venue_triples(key, venue, ctx))
    for url, key in ctx.keys.repos.items():
        yield block(repo_triples(key, url, ctx, citing.get(url, ())))
    for dated in revisions(catalog):
        yield block(revision_triples(dated, ctx))
    if progress:
        progress(len(catalog.papers))


def block(lines: Iterable[str]) -> list[str]:
    return sorted(set(lines))


def triples(catalog: Catalog, base: str, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """Every triple of the catalog's graph, as N-Triples lines, in canonical order."""
    for lines in blocks(catalog, base, progress):
        yield from lines


def build_store(catalog: Catalog, base: str, progress: Callable[[int], None] | None = None,
                path: str | None = None):
    """The graph in a pyoxigraph Store (in memory, or on disk at `path`), bulk-loaded from N-Triples."""
    import pyoxigraph

    store = pyoxigraph.Store(path) if path else pyoxigraph.Store()
    reader = ntriples.ChunkReader(ntriples.chunks(triples(catalog, base, progress)))
    # pyoxigraph reads from any object with read(); its stubs say IO[bytes]
    store.bulk_load(reader, format=pyoxigraph.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
    return store


def to_rdflib(catalog: Catalog, base: str):
    """The graph as an rdflib Graph (for pyshacl and small-scale work)."""
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data="\n".join(triples(catalog, base)), format="nt")
    return graph


def source_lines(catalog: Catalog, base: str) -> Callable[[str], str | None]:
    """A lookup from an entity IRI to where the list shows it ('file:line', several for a paper listed
    twice; for an author or keyword, the lines of the first papers that name it)."""
    iris = Iris(base)
    where: dict[str, list[str]] = {}
    file = catalog.source.file
    keys = catalog.keys
    for paper in catalog.papers:
        lines = [f"{x.source or file}:{x.line}" for x in paper.listings if x.line is not None]
        if not lines:
            continue
        where[iris.paper(paper.key)] = lines
        named = [iris.author(keys.authors[n]) for n in paper.authors]
        named += [iris.keyword(keys.keywords[k]) for k in paper.keywords]
        for entity in named:
            seen = where.setdefault(entity, [])
            if len(seen) < 3 and lines[0] not in seen:
                seen.append(lines[0])
    return SourceLines(where)


@dataclass
class SourceLines:
    """Entity IRI -> 'file:line, ...' (a plain object, so it can be sent to a validation process)."""

    where: dict[str, list[str]]

    def __call__(self, entity: str) -> str | None:
        found = self.where.get(entity)
        return ", ".join(found) if found else None
