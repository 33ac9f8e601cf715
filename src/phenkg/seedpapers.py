"""Entries of the seed's family become papers: a key from the paper's identifier or title, a paper listed
twice kept once with a listing per place, and the problems that go with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from phenkg.keys import KeyRegistry, id_key, slug
from phenkg.model import Link, Paper, Venue
from phenkg.seedtext import looks_like_keywords, split_keywords

Report = Callable[..., None]   # ListParser.problem: (line, code, message, severity="warning", entry=None)


@dataclass
class Item:
    """An entry being read: its lines so far, before it becomes a Paper."""

    line: int
    topic: str
    year: int | None
    year_label: str | None = None
    title: str = ""
    url: str | None = None
    links: list[Link] = field(default_factory=list)
    authors: list[str] | None = None
    more_authors: bool = False    # the author line ends in 'et al.'
    date: str | None = None       # a 'Date:' line (render writes the date other formats give)
    venue: Venue | None = None
    keywords: list[str] | None = None
    digests: list[tuple[int, str, bool]] = field(default_factory=list)  # (line, text, labelled)
    last: str = "title"
    broken_link: bool = False  # a link was reported broken (so a missing paper link is not reported twice)
    closed: bool = False  # a blank line came after it


class PaperBook:
    """The papers read so far, by key."""

    def __init__(self, problem: Report) -> None:
        self.problem = problem
        self.papers: dict[str, Paper] = {}
        self.first_line: dict[str, int] = {}
        self.keys = KeyRegistry()
        self.by_identifier: dict[str, dict[str, tuple[str, int, str]]] = {}  # id -> title slug -> key, line, title

    def paper_key(self, item: Item) -> str:
        """A key from the paper's identifier (arXiv, OpenReview), else its title. Two titles under one
        identifier are two papers: the second gets the identifier's key with a hash, and a warning."""
        ident = id_key(item.url) if item.url else None
        if item.url is None:
            return self.keys.key(f"title:{item.title}", base=slug(item.title))
        shared = ident or item.url
        titles = self.by_identifier.setdefault(shared, {})
        if (known := titles.get(slug(item.title))) is not None:
            return known[0]              # the same paper again: add_paper reports the duplicate
        if not titles:
            key = self.keys.key(ident, base=ident) if ident else self.keys.key(item.url, base=slug(item.title))
        else:
            key = self.keys.key(f"{item.url} {item.title}", base=ident or slug(item.title))
            first_key, first_line, first_title = next(iter(titles.values()))
            self.problem(item.line, "shared-identifier",
                         f"same identifier ({ident or item.url}) as line {first_line} ('{first_title[:60]}') "
                         f"under another title: kept as two papers, {first_key} and {key}; check which link "
                         "is right",
                         entry=item.title)
        titles[slug(item.title)] = (key, item.line, item.title)
        return key

    def split_digests(self, item: Item) -> tuple[list[str], str | None]:
        """A keyword line wrongly labelled 'Digest:' becomes the keywords, with a warning."""
        keywords, digests = list(item.keywords or []), list(item.digests)
        if not keywords and digests and digests[0][2] and looks_like_keywords(digests[0][1]) and (
                len(digests) > 1 or ";" in digests[0][1]):
            line, text, _ = digests.pop(0)
            keywords = split_keywords(text)
            self.problem(line, "keywords-as-digest", "keyword line labelled 'Digest:'; read as keywords",
                         entry=item.title)
        digest = " ".join(text.strip() for _, text, _ in digests if text.strip()) or None
        return keywords, digest

    def add_paper(self, paper: Paper) -> None:
        first = self.papers.get(paper.key)
        if first is None:
            self.papers[paper.key] = paper
            self.first_line[paper.key] = paper.listings[0].line or 0
            return
        listing = paper.listings[0]
        differ = [name for name in ("title", "url", "links", "authors", "venue", "keywords", "digest")
                  if getattr(first, name) != getattr(paper, name)]
        where = f"same paper as line {self.first_line[paper.key]} ({paper.key})"
        detail = f"; the copies differ in {', '.join(differ)} (the first is kept)" if differ else ""
        self.problem(listing.line or 0, "duplicate", f"{where}; listed under each topic{detail}",
                     entry=paper.title)
        if all((x.topic, x.year, x.year_label) != (listing.topic, listing.year, listing.year_label)
               for x in first.listings):
            first.listings.append(listing)
