"""JSON-LD with the context shipped in `resources/context.jsonld`: the full dump, and one document per entity.

Compaction here is a direct mapping, not a general JSON-LD processor: each predicate has exactly one
term in the context (or a compact IRI), and a value is written in the form that term's coercion
reads back unchanged, else as an explicit value object. So the output expands to the same triples,
which the tests check with the reference processor (npm `jsonld`). Values of a property are sorted
by their N-Triples form, except `author`, which is in authorship order (a plain set in RDF, an
ordered array here, as schema.org consumers expect). No remote context is ever referenced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from phenkg import ntriples
from phenkg.vocab import PHENKG, RDF, SCHEMA, XSD, compact_iri

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_TYPE = RDF + "type"
_STRING, _INTEGER = XSD + "string", XSD + "integer"
AUTHOR, AUTHORSHIP = SCHEMA + "author", PHENKG + "authorship"
POSITION, AUTHORSHIP_AUTHOR = PHENKG + "position", PHENKG + "author"
# properties whose objects a paper document embeds as nodes
PAPER_EMBEDS = (AUTHOR, SCHEMA + "about", SCHEMA + "keywords", SCHEMA + "publication", PHENKG + "code",
                PHENKG + "link", PHENKG + "listing")
# entity kinds whose documents list their papers, by the paper -> entity predicate
PAPERS_BY = {"phenkg:Author": AUTHOR, "phenkg:Topic": SCHEMA + "about", "phenkg:Keyword": SCHEMA + "keywords",
             "phenkg:Venue": SCHEMA + "publication", "phenkg:CodeRepository": PHENKG + "code"}


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    coerce: str | None  # '@id', a datatype IRI, or None
    is_set: bool


@cache
def context() -> dict[str, Any]:
    """The context object (the value of `@context`) shipped with the package."""
    text = resources.files("phenkg.resources").joinpath("context.jsonld").read_text(encoding="utf-8")
    return json.loads(text)["@context"]


def load_frame(name: str) -> dict[str, Any]:
    """A frame from `resources/frames/`, its `@context` reference replaced by the shipped context."""
    path = resources.files("phenkg.resources").joinpath("frames", f"{name}.jsonld")
    text = path.read_text(encoding="utf-8")
    frame = json.loads(text)
    frame["@context"] = context()
    return frame


@dataclass(frozen=True)
class Terms:
    """The context read as tables: predicate IRI -> term, reverse predicate -> term, prefixes."""

    forward: dict[str, Term]
    reverse: dict[str, Term]
    prefixes: dict[str, str]  # prefix -> namespace: the context's, which agree with vocab.PREFIXES
    vocab: str
    names: frozenset[str]
    compacted: dict[tuple[str, bool], str] = field(default_factory=dict, compare=False)

    def compact_iri(self, value: str, vocab: bool = False) -> str:
        found = self.compacted.get((value, vocab))
        if found is None:
            found = self.compacted[value, vocab] = self._compact_iri(value, vocab)
        return found

    def _compact_iri(self, value: str, vocab: bool) -> str:
        if vocab and value.startswith(self.vocab) and "/" not in value[len(self.vocab):]:
            rest = value[len(self.vocab):]
            if rest and rest not in self.names:
                return rest
        return compact_iri(value, self.prefixes)


@cache
def terms() -> Terms:
    ctx = context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")}

    def expand(value: str) -> str:
        prefix, _, rest = value.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes and not rest.startswith("//") else value

    forward, reverse = {}, {}
    for name, definition in ctx.items():
        if not isinstance(definition, dict):
            continue
        coerce = definition.get("@type")
        term = Term(name, expand(coerce) if coerce and coerce != "@id" else coerce,
                    definition.get("@container") == "@set")
        if "@reverse" in definition:
            reverse[expand(definition["@reverse"])] = term
        else:
            forward[expand(definition["@id"])] = term
    names = frozenset(t.name for t in [*forward.values(), *reverse.values()])
    return Terms(forward, reverse, prefixes, ctx["@vocab"], names)


# -- compaction -----------------------------------------------------------------------------------
# Values are compacted from their N-Triples form (what graph.py writes, and `str()` of a pyoxigraph
# term): the full dump compacts lines without building a term object per triple.


def _literal(text: str, term: Term | None, t: Terms) -> Any:
    """A literal's N-Triples form -> its JSON-LD value under `term`'s coercion."""
    close = text.rindex('"')
    value, suffix = text[1:close], text[close + 1:]
    value = ntriples.unescape(value)
    if suffix.startswith("@"):
        return {"@value": value, "@language": suffix[1:]}
    datatype = suffix[3:-1] if suffix else _STRING
    coerce = term.coerce if term else None
    if datatype == _STRING:
        return value if coerce is None else {"@value": value}
    if datatype == coerce:
        if datatype == _INTEGER and value == str(_int(value)):
            return int(value)
        return value
    return {"@value": value, "@type": t.compact_iri(datatype)}


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def compact_value(text: str, term: Term | None, t: Terms) -> Any:
    """One object, given in its N-Triples form."""
    if text.startswith('"'):
        return _literal(text, term, t)
    iri = text[1:-1] if text.startswith("<") else text
    return iri if term is not None and term.coerce == "@id" else {"@id": iri}


def compact(subject: str, objects: dict[str, list[str]], authors: list[str] | None, t: Terms) -> dict[str, Any]:
    """One node object from predicate IRI -> its objects' N-Triples forms, sorted and unique;
    `authors` orders `author`."""
    node: dict[str, Any] = {"@id": subject}
    types = sorted({t.compact_iri(o[1:-1], vocab=True) for o in objects.get(_TYPE, ())})
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    properties = []
    for predicate, values in objects.items():
        if predicate == _TYPE:
            continue
        term = t.forward.get(predicate)
        compacted = [compact_value(o, term, t) for o in values]
        if predicate == AUTHOR and authors:
            rank = {iri: i for i, iri in reversed(list(enumerate(authors)))}
            compacted.sort(key=lambda v: rank.get(v if isinstance(v, str) else v.get("@id"), len(rank)))
        name = term.name if term else t.compact_iri(predicate)
        single = len(compacted) == 1 and not (term and term.is_set)
        properties.append((name, compacted[0] if single else compacted))
    node.update(sorted(properties))
    return node


def compact_node(subject: str, pairs: Iterable[tuple[str, Any]], authors: list[str] | None = None,
                 t: Terms | None = None) -> dict[str, Any]:
    """One node object from its (predicate IRI, pyoxigraph term) pairs; `authors` orders `author`."""
    objects: dict[str, set[str]] = {}
    for predicate, obj in pairs:
        objects.setdefault(predicate, set()).add(str(obj))
    return compact(subject, {p: sorted(o) for p, o in objects.items()}, authors, t or terms())


# -- the full dump --------------------------------------------------------------------------------
def write_graph(lines: Iterable[str], out: SupportsWrite[bytes]) -> int:
    """Write `{"@context": ..., "@graph": [...]}`, one node per line, from N-Triples lines in graph.py's
    canonical order (grouped by subject; a paper's authorship nodes in its block, before it). Authors
    are ordered by the positions their authorship nodes give. Returns the number of nodes written."""
    t = terms()
    out.write(b'{\n"@context": ' + json.dumps(context(), ensure_ascii=False).encode() + b',\n"@graph": [\n')
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    ranked: dict[str, tuple[int, str]] = {}  # authorship node -> (position, author), until its paper
    count, nodes = 0, []
    for subject, group in groupby(map(ntriples.split, lines), key=itemgetter(0)):
        objects: dict[str, list[str]] = {}
        for _, predicate, obj in group:
            objects.setdefault(predicate[1:-1], []).append(obj)
        iri = subject[1:-1]
        authors = None
        if (position := objects.get(POSITION)) and (author := objects.get(AUTHORSHIP_AUTHOR)):
            ranked[iri] = (_rank(position[0]), author[0][1:-1])
        if ships := objects.get(AUTHORSHIP):
            authors = [a for _, a in sorted(ranked.pop(ship[1:-1], (1 << 30, "")) for ship in ships)]
        nodes.append(encode(compact(iri, objects, authors, t)))
        if len(nodes) >= 10_000:
            count = _write_nodes(out, nodes, count)
    count = _write_nodes(out, nodes, count)
    out.write(b"\n]\n}\n")
    return count


def _rank(literal: str) -> int:
    """A position literal's integer (a malformed one ranks last)."""
    found = _int(literal[1:literal.rindex('"')])
    return found if found is not None else 1 << 30


def _write_nodes(out: SupportsWrite[bytes], nodes: list[str], count: int) -> int:
    if nodes:
        out.write(((",\n" if count else "") + ",\n".join(nodes)).encode())
        count += len(nodes)
        nodes.clear()
    return count


# -- documents for one entity, from a pyoxigraph Store --------------------------------------------
def _pairs(store: ox.Store, iri: str) -> list[tuple[str, Any]]:
    return [(q.predicate.value, q.object) for q in store.quads_for_pattern(ox.NamedNode(iri), None, None)]


def _objects(store: ox.Store, subject: Any, predicate: str) -> Iterator[Any]:
    return (q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None))


def store_author_order(store: ox.Store, paper_iri: str) -> list[str]:
    """The paper's author IRIs in authorship position order, read from its authorship nodes."""
    ranked = []
    for ship in set(_objects(store, ox.NamedNode(paper_iri), AUTHORSHIP)):
        position = next((_int(o.value) for o in _objects(store, ship, POSITION)), None)
        for author in _objects(store, ship, AUTHORSHIP_AUTHOR):
            ranked.append((position if position is not None else 1 << 30, author.value))
    return [iri for _, iri in sorted(ranked)]


def paper_document(source: Any, paper_iri: str, base: str, with_context: bool = True) -> dict | None:
    """One self-contained document for a paper (what `frames/paper.jsonld` frames): authors in order,
    topics, keywords, venue, code repositories, links and listings embedded. `source` is a pyoxigraph
    Store or a Catalog. None when the graph has no such paper."""
    store = source if isinstance(source, ox.Store) else _paper_store(source, paper_iri, base)
    t = terms()
    pairs = _pairs(store, paper_iri)
    if not pairs:
        return None
    node = compact_node(paper_iri, pairs, store_author_order(store, paper_iri), t)
    for predicate in PAPER_EMBEDS:
        name = t.forward[predicate].name
        if name in node:
            values = node[name]
            embedded = [compact_node(v, _pairs(store, v), None, t) if isinstance(v, str) else v
                        for v in (values if isinstance(values, list) else [values])]
            node[name] = embedded if isinstance(values, list) else embedded[0]
    return {"@context": context(), **node} if with_context else node


def node_document(store: ox.Store, iri: str, with_context: bool = True,
                  max_papers: int | None = None) -> dict | None:
    """Any entity's own triples compacted; for authors, topics, keywords, venues and repositories
    also its papers (`@reverse` terms of the context, each paper as its IRI, types and name)."""
    t = terms()
    pairs = _pairs(store, iri)
    if not pairs:
        return None
    node = compact_node(iri, pairs, store_author_order(store, iri), t)
    types = node.get("@type", [])
    for kind, predicate in PAPERS_BY.items():
        if kind not in (types if isinstance(types, list) else [types]):
            continue
        papers = sorted({q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(predicate),
                                                                          ox.NamedNode(iri))
                         if not isinstance(q.subject, ox.Triple)})
        name_term = t.forward[SCHEMA + "name"]
        listed = []
        for paper in papers[:max_papers]:
            entry: dict[str, Any] = {"@id": paper}
            types = sorted({t.compact_iri(o.value, vocab=True) for o in _objects(store, ox.NamedNode(paper), _TYPE)})
            if types:  # every node a document mentions is typed, for consumers that read one page
                entry["@type"] = types[0] if len(types) == 1 else types
            names = sorted(o.value for o in _objects(store, ox.NamedNode(paper), SCHEMA + "name"))
            if names:
                entry[name_term.name] = names[0]
            listed.append(entry)
        node[t.reverse[predicate].name] = listed
    return {"@context": context(), **node} if with_context else node


def _paper_store(catalog: Any, paper_iri: str, base: str) -> ox.Store:
    """A small Store holding one paper and the entities it points to, from graph.py's functions."""
    from phenkg import graph
    from phenkg.vocab import Iris

    iris, ctx = Iris(base), graph.Context.of(catalog, base)
    store = ox.Store()
    paper = next((p for p in catalog.papers if iris.paper(p.key) == paper_iri), None)
    if paper is None:
        return store
    keys = catalog.keys
    lines = list(graph.paper_triples(paper, ctx))
    for name in dict.fromkeys(paper.authors):
        lines += graph.author_triples(keys.authors[name], name, ctx)
    for label in dict.fromkeys(paper.keywords):
        lines += graph.keyword_triples(keys.keywords[label], label, ctx)
    topics = {x.topic for x in paper.listings}
    for order, topic in enumerate(catalog.topics, start=1):
        if topic.key in topics:
            lines += graph.topic_triples(topic, order, ctx)
    if paper.venue is not None:
        lines += graph.venue_triples(paper.venue.key, keys.venues[paper.venue.key], ctx)
    for url in dict.fromkeys(paper.code_urls):
        lines += graph.repo_triples(keys.repos[url], url, ctx)
    store.bulk_load(("\n".join(lines) + "\n").encode(), ox.RdfFormat.N_TRIPLES)
    return store
