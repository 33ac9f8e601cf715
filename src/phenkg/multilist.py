"""Several lists in one catalog: the first list is the catalog's source (source.yaml, as for one list);
each other list is an added source (sources.yaml) whose listings name it (`source:` of a listing).

A paper that two lists give (the same arXiv or OpenReview id, DOI or URL, or failing those the same title
after normalising case, accents and punctuation, which the validator's DuplicateTitleShape would flag) is
one paper with a listing from each; fields one list leaves empty are filled from the other, and the first
list's values win.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from phenkg.keys import id_key, short_hash, slug
from phenkg.model import Catalog, Paper, Problem, Topic

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s?#]+)", re.IGNORECASE)


def identifiers(paper: Paper) -> list[str]:
    """What makes two lists' papers one, strongest first: arXiv/OpenReview id, DOI, the URL without its
    scheme, 'www.' or a trailing slash, and the normalised title."""
    title = "title:" + slug(paper.title, 1000)
    if not paper.url:
        return [title]
    found = []
    if ident := id_key(paper.url):
        found.append(ident)
    if doi := _DOI.search(paper.url):
        found.append("doi:" + doi[1].lower().removesuffix(".pdf"))
    parts = urlsplit(paper.url)
    path = parts.path.rstrip("/")
    found.append(f"url:{parts.netloc.lower().removeprefix('www.')}{path}{'?' + parts.query if parts.query else ''}")
    return [*found, title]


def merge(catalogs: list[Catalog]) -> Catalog:
    """One catalog from several lists, in the order given; `catalogs[i].source.file` must differ."""
    first = catalogs[0]       # its own added lists (data/ being added to) stay as they are
    out = Catalog(first.source, [], [], list(first.problems), list(first.sources))
    topics: dict[str, Topic] = {}
    index: dict[str, tuple[int, Paper]] = {}
    keys: set[str] = set()
    for number, catalog in enumerate(catalogs):
        added = catalog.source.file if number else None
        if number:
            out.sources.append(catalog.source)
            for problem in catalog.problems:
                problem.file = added
                out.problems.append(problem)
        for topic in catalog.topics:
            known = topics.setdefault(topic.key, Topic(topic.key, topic.name))
            known.years += [y for y in topic.years if y not in known.years]
        for paper in catalog.papers:
            for listing in paper.listings:
                listing.source = added if number else listing.source
            ids = identifiers(paper)
            match = next((index[i] for i in ids if i in index and index[i][0] != number), None)
            if match is not None:
                fill(match[1], paper)
                out.problems.append(Problem(paper.listings[0].line or 0, "in-several-lists",
                                            f"also listed by {match_source(match[0], catalogs)}: one paper "
                                            f"({match[1].key}) with a listing from each", "info", paper.title,
                                            file=added))
                continue
            if paper.key in keys:
                paper.key = f"{paper.key[:190]}-{short_hash(f'{added} {paper.url} {paper.title}')}"
            keys.add(paper.key)
            out.papers.append(paper)
            for ident in ids:
                index.setdefault(ident, (number, paper))
    out.topics = list(topics.values())
    return out


def match_source(number: int, catalogs: list[Catalog]) -> str:
    return catalogs[number].source.file


def fill(paper: Paper, other: Paper) -> None:
    """`other`'s listings join `paper`; fields `paper` lacks come from `other`."""
    paper.listings += other.listings
    if not paper.authors and other.authors:
        paper.authors, paper.more_authors = other.authors, other.more_authors
    paper.venue = paper.venue or other.venue
    paper.date = paper.date or other.date
    paper.digest = paper.digest or other.digest
    paper.keywords += [k for k in other.keywords if k not in paper.keywords]
    known = {link.url for link in paper.links} | {paper.url}
    paper.links += [link for link in other.links if link.url not in known]
