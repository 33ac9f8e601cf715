"""The entry types of a paper list: papers and what they point to. No I/O, no RDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from phenkg.keys import KeyRegistry, slug

LINK_KINDS_FIRST = ("paper", "code")  # the order links are printed in; other kinds follow as found
_VENUE = re.compile(r"^(?P<name>.+?)\s+(?P<year>(?:19|20)\d\d)(?:\s+(?P<qualifier>.+))?$")


@dataclass(slots=True)
class Link:
    kind: str
    url: str


@dataclass(slots=True)
class Venue:
    printed: str
    name: str
    year: int | None = None
    qualifier: str | None = None

    @classmethod
    def from_printed(cls, printed: str) -> Venue:
        """'ICML 2019 Workshop' -> name ICML, year 2019, qualifier Workshop; 'JMLR' -> name only."""
        found = _VENUE.match(printed)
        if not found:
            return cls(printed=printed, name=printed)
        return cls(printed=printed, name=found["name"], year=int(found["year"]), qualifier=found["qualifier"])

    @property
    def key(self) -> str:
        return slug(self.printed)


@dataclass(slots=True)
class Identifiers:
    """Identifiers a curator knows for a paper (doi, wikidata, openalex, dblp) or an author (orcid, dblp,
    wikidata), as written in data/; nothing is looked up. graph.py publishes them as schema:sameAs and
    schema:identifier."""

    doi: str | None = None
    orcid: str | None = None
    wikidata: str | None = None
    openalex: str | None = None
    dblp: str | None = None


@dataclass(slots=True)
class Listing:
    """One place the list shows a paper: its topic, the year heading above it, and its source line."""

    topic: str
    year: int | None = None
    line: int | None = None
    year_label: str | None = None  # a year group printed as a range ('2019 and Before'); year is then None
    source: str | None = None  # the file of the added list that shows it (data/sources.yaml); None: source.yaml's


@dataclass(slots=True)
class Paper:
    key: str
    title: str
    url: str | None = None
    links: list[Link] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    venue: Venue | None = None
    keywords: list[str] = field(default_factory=list)
    digest: str | None = None
    listings: list[Listing] = field(default_factory=list)
    date: str | None = None       # as a list gives it ('2015', '2019-02'); the seed's family has none
    more_authors: bool = False    # the list names the first authors, then 'et al.'
    ids: Identifiers | None = None

    @property
    def code_urls(self) -> list[str]:
        return [link.url for link in self.links if link.kind == "code"]

    def content(self) -> tuple:
        """Everything but the source lines: what two copies of a paper should agree on."""
        return (self.key, self.title, self.url, [(x.kind, x.url) for x in self.links], self.authors,
                self.venue, self.keywords, self.digest, self.date, self.more_authors,
                [(x.topic, x.year, x.year_label) for x in self.listings], self.ids)


@dataclass(slots=True)
class Topic:
    key: str
    name: str
    years: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Source:
    """Where the list came from, so every entry can point back to its line."""

    title: str
    file: str
    repository: str | None = None
    commit: str | None = None
    date: str | None = None
    preamble: str | None = None


@dataclass(slots=True)
class Problem:
    """An item not imported, or imported with something to review, located by its line."""

    line: int
    code: str
    message: str
    severity: str = "warning"  # error: the item was not imported; warning: imported, review it; info
    entry: str | None = None
    file: str | None = None    # the added list the line is in (several lists in one data/); None: source.yaml's


@dataclass(slots=True)
class Dated:
    """A commit of the list's repository and its date (YYYY-MM-DD)."""

    commit: str
    date: str


@dataclass(slots=True)
class PaperHistory:
    """When a paper was first listed and last changed, from the list's git history (`phenkg history`)."""

    key: str
    first_listed: Dated
    last_changed: Dated


@dataclass
class Catalog:
    """A whole list: the curated truth that `data/` holds."""

    source: Source
    topics: list[Topic]
    papers: list[Paper]
    problems: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)   # lists added to the first one (data/sources.yaml)
    history: dict[str, PaperHistory] = field(default_factory=dict)  # paper key -> its dates (data/history.yaml)
    people: dict[str, Identifiers] = field(default_factory=dict)  # author name -> identifiers (authors.yaml)

    @cached_property
    def keys(self) -> EntityKeys:
        return EntityKeys.of(self.papers)


def repo_name(url: str) -> str:
    """'https://github.com/facebookresearch/mae' -> 'facebookresearch/mae'."""
    parts = urlsplit(url)
    path = parts.path.strip("/").removesuffix(".git")
    return path or parts.netloc


@dataclass
class EntityKeys:
    """Stable keys for the entities papers refer to by text: authors, keywords, venues, repositories."""

    authors: dict[str, str]
    keywords: dict[str, str]
    venues: dict[str, Venue]
    repos: dict[str, str]

    @classmethod
    def of(cls, papers: list[Paper]) -> EntityKeys:
        authors, keywords, repos = KeyRegistry(), KeyRegistry(), KeyRegistry()
        venues: dict[str, Venue] = {}
        for paper in papers:
            for name in paper.authors:
                authors.key(name)
            for label in paper.keywords:
                keywords.key(label)
            for url in paper.code_urls:
                parts = urlsplit(url)
                repos.key(url, slug(f"{parts.netloc.removeprefix('www.')} {repo_name(url)}", 100))
            if paper.venue is not None:
                venues.setdefault(paper.venue.key, paper.venue)
        return cls(authors.assigned, keywords.assigned, venues, repos.assigned)
