"""What a citation of a paper holds, read from the graph (a pyoxigraph Store), and the citation keys.

This is the one place that maps the graph to citation fields; the writers (`phenkg.cite.write`) only
format a `Reference`. Everything is read with fixed SPARQL queries, so the same code serves a page in a
sandboxed evaluator (which holds only the store), writes `phenkg export --format bibtex` (over a
store built from the catalog) and the site's files.

List order: a paper's first source line in the list (for a topic, its line under that topic); papers
without one follow, by IRI. Citation keys (`he2022masked`) are unique over the whole list: papers that
would share one are told apart by a letter ('b', 'c', ...) in the order of their IRIs, which are
stable, so a paper's key does not move when the list is reordered.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from phenkg.vocab import PHENKG, SCHEMA, SKOS, Iris

_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset((
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "or", "is", "are", "be", "do", "does", "can", "how",
    "what", "why", "when", "where", "which", "who", "towards", "toward", "with", "without", "via", "from", "by",
    "at", "as", "we", "our", "its", "it", "this", "that", "beyond", "into"))
PREFIXES = f"PREFIX phenkg: <{PHENKG}>\nPREFIX schema: <{SCHEMA}>\nPREFIX skos: <{SKOS}>\n"

# entity kinds whose pages cite their papers -> how a paper belongs to one (?e: the entity)
SCOPES = {
    "paper": "VALUES ?p { ?e }",
    "topic": "?l phenkg:topic ?e ; phenkg:paper ?p .",
    "keyword": "?p schema:keywords ?e .",
    "author": "?p schema:author ?e .",
    "venue": "?p schema:publication ?e .",
    "source": "?e a phenkg:SourceList . ?p a phenkg:Paper .",     # the list itself: every paper
}


@dataclass(frozen=True)
class Reference:
    """One paper as a citation needs it. `kind`: conference, journal, thesis or preprint (no venue)."""

    iri: str
    key: str
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None            # as the list prints it: 'CVPR 2022', 'JMLR'
    kind: str = "preprint"
    url: str | None = None
    arxiv: str | None = None            # the arXiv id
    doi: str | None = None              # the arXiv DataCite DOI, for a preprint
    keywords: tuple[str, ...] = ()
    abstract: str | None = None


def venue_kind(printed: str | None, year: int | None) -> str:
    """A venue printed with a year is a conference ('ICLR 2020', 'ICML 2019 Workshop'); one without is a
    journal ('JMLR', 'PNAS'), or a thesis when it says so; no venue is a preprint."""
    if printed is None:
        return "preprint"
    if year is not None:
        return "conference"
    return "thesis" if "thesis" in printed.lower() else "journal"


# -- which papers, in list order --------------------------------------------------------------------
def papers_of(store, kind: str, iri: str | None = None) -> list[str]:
    """The papers an entity of `kind` (SCOPES) cites, in list order; for 'source', the whole list."""
    return papers_by(store, kind, iri).get(iri, []) if iri else papers_by(store, kind, None).get(None, [])


def papers_by(store, kind: str, iri: str | None = None) -> dict[str | None, list[str]]:
    """Entity IRI -> the papers it cites, in list order, for one entity (`iri`) or every entity of the kind
    (one query: what the site needs). The 'source' scope's papers are filed under None without `iri`."""
    if kind == "paper" and iri is None:
        return {p: [p] for p in papers_by(store, "source").get(None, [])}
    scope = SCOPES[kind].replace("?e", f"<{iri}>") if iri else SCOPES[kind]
    group = "?e" if iri is None and "?e" in scope and kind != "source" else ""
    line = ("OPTIONAL { ?l phenkg:sourceLine ?line }" if kind == "topic"
            else "OPTIONAL { ?p phenkg:listing ?pl . ?pl phenkg:sourceLine ?line }")
    query = (PREFIXES + f"SELECT {group} ?p (MIN(?line) AS ?first) WHERE {{ "
             + scope + " ?p a phenkg:Paper . " + line + f" }} GROUP BY {group} ?p")
    ranked: dict[str | None, list[tuple[bool, int, str]]] = {}
    for row in store.query(query):
        entity = row["e"].value if group else iri
        first = row["first"]
        ranked.setdefault(entity, []).append((first is None, int(first.value) if first is not None else 0,
                                              row["p"].value))
    return {entity: [p for *_, p in sorted(rows)] for entity, rows in ranked.items()}


# -- the fields ----------------------------------------------------------------------------------------
# field -> the pattern that gives ?o for a paper ?p
FIELDS = {
    "title": "?p schema:name ?o",
    "url": "?p schema:url ?o",
    "arxiv": "?p phenkg:arxiv ?o",
    "doi": '?p schema:sameAs ?o FILTER(STRSTARTS(STR(?o), "https://doi.org/"))',
    "publicationYear": "?p phenkg:publicationYear ?o",
    "arxivYear": "?p phenkg:arxivYear ?o",
    "listYear": "?p phenkg:listYear ?o",
    "venue": "?p schema:publication ?v . ?v schema:name ?o",
    "venueYear": "?p schema:publication ?v . ?v phenkg:venueYear ?o",
    "keyword": "?p schema:keywords ?k . ?k skos:prefLabel ?o",
    "abstract": "?p schema:description ?o",
}


MANY = 200       # papers from which reading all is faster than naming them (measured: 5,000 papers)


def _values(store, papers: list[str] | None, pattern: str, extra: str = "") -> Iterable:
    head = "VALUES ?p { " + " ".join(f"<{p}>" for p in papers) + " } " if papers is not None else \
        "?p a phenkg:Paper . "
    return store.query(PREFIXES + f"SELECT ?p ?o {extra} WHERE {{ {head}{pattern} }}")


def _fields(store, papers: list[str] | None, names: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """paper -> field -> its values, sorted; `papers` None: every paper."""
    found: dict[str, dict[str, list[str]]] = {}
    for name in names:
        for row in _values(store, papers, FIELDS[name]):
            found.setdefault(row["p"].value, {}).setdefault(name, []).append(row["o"].value)
    for fields in found.values():
        for values in fields.values():
            values.sort()
    return found


def _authors(store, papers: list[str] | None, first_only: bool = False) -> dict[str, tuple[str, ...]]:
    """paper -> printed author names in authorship order."""
    pattern = "?p phenkg:authorship ?s . ?s phenkg:printedName ?o ; phenkg:position ?n ."
    if first_only:
        pattern += " FILTER(?n = 1)"
    ranked: dict[str, list[tuple[int, str]]] = {}
    for row in _values(store, papers, pattern, "?n"):
        ranked.setdefault(row["p"].value, []).append((int(row["n"].value), row["o"].value))
    return {p: tuple(name for _, name in sorted(names)) for p, names in ranked.items()}


def _year(fields: dict[str, list[str]]) -> int | None:
    """The venue's year, else the arXiv id's, else the earliest year the list files it under."""
    for name in ("publicationYear", "arxivYear", "listYear"):
        if fields.get(name):
            return min(int(v) for v in fields[name])
    return None


# -- citation keys -------------------------------------------------------------------------------------
def _ascii_words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def base_key(first_author: str | None, year: int | None, title: str) -> str:
    """'Kaiming He', 2022, 'Masked Autoencoders Are ...' -> 'he2022masked'."""
    surname = "".join(_ascii_words(first_author.split()[-1])) if first_author and first_author.split() else ""
    words = [w for w in _ascii_words(title) if w not in STOP_WORDS] or _ascii_words(title)
    return f"{surname or 'anon'}{year if year is not None else 'nd'}{words[0] if words else ''}"


def assign_keys(bases: dict[str, str]) -> dict[str, str]:
    """paper IRI -> unique key: the first of a clash (by IRI) keeps the base, the others add b, c, ...
    (skipping any key another paper has as its base)."""
    taken = set(bases.values())
    keys: dict[str, str] = {}
    used: set[str] = set()
    for iri in sorted(bases, key=lambda i: (bases[i], i)):
        key, n = bases[iri], 0
        while key in used or (n > 0 and key in taken):
            n += 1
            key = bases[iri] + _suffix(n)
        used.add(key)
        keys[iri] = key
    return keys


def _suffix(n: int) -> str:
    """1 -> 'b', ..., 24 -> 'y', 25 -> 'z', then '26', '27', ..."""
    return chr(ord("a") + n) if n < 26 else str(n)


KEY_QUERY = PREFIXES + """SELECT ?p (MIN(?t) AS ?title) (MIN(?venueYear) AS ?a) (MIN(?arxivYear) AS ?b)
    (MIN(?listYear) AS ?c) (MIN(?name) AS ?first) WHERE {
  ?p a phenkg:Paper ; schema:name ?t .
  OPTIONAL { ?p phenkg:publicationYear ?venueYear } OPTIONAL { ?p phenkg:arxivYear ?arxivYear }
  OPTIONAL { ?p phenkg:listYear ?listYear }
  OPTIONAL { ?p phenkg:authorship ?s . ?s phenkg:position 1 ; phenkg:printedName ?name }
} GROUP BY ?p"""


def citation_keys(store) -> dict[str, str]:
    """Every paper's citation key (paper IRI -> key), unique over the whole list: one query (twice as
    fast as one per field: 0.26 s for 5,000 papers)."""
    bases: dict[str, str] = {}
    for row in store.query(KEY_QUERY):
        paper, title, *years, first = (None if term is None else term.value for term in row)
        year = next((int(y) for y in years if y is not None), None)   # as _year: venue, arXiv, list
        if paper is not None:
            bases[paper] = base_key(first, year, title or "")
    return assign_keys(bases)


# -- references ----------------------------------------------------------------------------------------
def references(store, papers: list[str], keys: dict[str, str]) -> list[Reference]:
    """The references of `papers`, in that order (papers the graph lacks are left out)."""
    if not papers:
        return []
    # many papers (a large topic, the list): read every paper's fields, faster than a long VALUES join
    chosen = papers if len(papers) <= MANY else None
    fields = _fields(store, chosen, FIELDS)
    authors = _authors(store, chosen)
    out = []
    for iri in papers:
        f = fields.get(iri)
        if f is None or not f.get("title"):
            continue
        venue = f["venue"][0] if f.get("venue") else None
        venue_year = int(f["venueYear"][0]) if f.get("venueYear") else None
        kind = venue_kind(venue, venue_year)
        arxiv = f["arxiv"][0].rsplit("/abs/", 1)[-1] if f.get("arxiv") else None
        out.append(Reference(
            iri=iri, title=f["title"][0], authors=authors.get(iri, ()), year=_year(f), venue=venue, kind=kind,
            # a key table from another graph lacks the paper: its base key, not unique but readable
            key=keys.get(iri) or base_key(next(iter(authors.get(iri, ())), None), _year(f), f["title"][0]),
            url=f["url"][0] if f.get("url") else None, arxiv=arxiv,
            doi=f["doi"][0].removeprefix("https://doi.org/") if f.get("doi") and kind == "preprint" else None,
            keywords=tuple(f.get("keyword", ())), abstract=f["abstract"][0] if f.get("abstract") else None))
    return out


KEYS_FILE = "citation-keys.json"     # the key table a build leaves beside its store


def keys_json(store) -> bytes:
    """The key table as a build writes it: {paper IRI: key}, in IRI order (the same graph, the same bytes)."""
    return (json.dumps(dict(sorted(citation_keys(store).items())), ensure_ascii=False, indent=0) + "\n").encode()


class Citer:
    """References over one read-only store. The keys of the whole list are read once, when first needed:
    from `keys_file` when a build left one (at 200,000 papers computing them takes longer than a request
    may), else computed from the store."""

    def __init__(self, store, base: str, keys_file: Path | None = None) -> None:
        self.store, self.iris, self.keys_file = store, Iris(base), keys_file
        self._keys: dict[str, str] | None = None

    @property
    def keys(self) -> dict[str, str]:
        if self._keys is None:
            if self.keys_file is not None and self.keys_file.is_file():
                self._keys = json.loads(self.keys_file.read_bytes())
            else:
                self._keys = citation_keys(self.store)
        return self._keys

    def of(self, kind: str, iri: str | None = None) -> list[Reference]:
        """The references an entity of `kind` cites (SCOPES), in list order."""
        return references(self.store, papers_of(self.store, kind, iri), self.keys)

    def everything(self) -> list[Reference]:
        return references(self.store, papers_of(self.store, "source"), self.keys)

