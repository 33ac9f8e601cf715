"""Sections read by grammars -> a Catalog: topics from headings, years from year headings, one Paper per
identifier, and a Problem with its line for every item no grammar could read."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath
from types import ModuleType

from phenkg.grammars.document import ListBlock, Section, TableBlock, plain
from phenkg.grammars.entry import Entry
from phenkg.keys import KeyRegistry, id_key, slug
from phenkg.model import Catalog, Listing, Paper, Problem, Source, Topic, Venue
from phenkg.seedtext import YEAR_TITLE

_NOT_ENTRIES = re.compile(
    r"contents|contribut|related|template|licen[cs]e|citation|cite|acknowledg|star history|"
    r"^about|^footnote|^how to", re.IGNORECASE)
CLAIM = 0.5     # a grammar reads a block when it recognises at least this share of its items


Chooser = Callable[[ListBlock | TableBlock], ModuleType | None]


class Assembler:
    def __init__(self) -> None:
        self.topics: dict[str, Topic] = {}
        self.papers: dict[str, Paper] = {}
        self.keys = KeyRegistry()
        self.by_id: dict[str, dict[str, str]] = {}        # identifier -> title slug -> key
        self.problems: list[Problem] = []
        self.grammars_used: dict[str, int] = {}

    def section(self, section: Section, list_title: str, choose: Chooser) -> None:
        names = [h for h in section.headings if h.level > 1 or len(section.headings) == 1]
        if names and _NOT_ENTRIES.search(names[-1].text):   # the innermost heading: '## Contents' may sit above topics
            items = sum(len(b.items) if isinstance(b, ListBlock) else len(b.rows) for b in section.blocks)
            if items:
                self.problems.append(Problem(names[-1].line, "skipped-section", f"section '{names[-1].text}' "
                                             f"is not read for entries (contents, contributing, licence, ...): "
                                             f"{items} item(s) skipped", "info"))
            return
        year = None
        topic_name = None
        for heading in names:       # '## 2018' is a year; '## More Papers from 2016', as in the seed's
            found = YEAR_TITLE.match(heading.text)      # family, a topic and its year
            if found:
                year = int(found["year"])
            topic_name = (found["title"].strip() if found else heading.text) or topic_name
        topic_name = topic_name or list_title
        for block in section.blocks:
            grammar = choose(block)
            if grammar is None:
                self.unread(block)
                continue
            for line, entry, source in grammar.read(block):
                if entry is None:
                    self.problems.append(Problem(line, "unreadable-item", f"not read as an entry by the "
                                                 f"{grammar.NAME} grammar: {plain(source)[:80]}", "error"))
                    continue
                self.grammars_used[grammar.NAME] = self.grammars_used.get(grammar.NAME, 0) + 1
                self.add(entry, topic_name, year)

    def unread(self, block: ListBlock | TableBlock) -> None:
        """A block no grammar recognises: prose or navigation, each of its items noted with its line."""
        rows = block.items if isinstance(block, ListBlock) else block.rows
        for row in rows:
            text = getattr(row, "text", None) or " | ".join(getattr(row, "cells", []))
            if plain(text):
                self.problems.append(Problem(row.line, "not-an-entry", f"item in a block no grammar reads "
                                             f"as entries: {plain(text)[:80]}", "info"))

    def add(self, entry: Entry, topic_name: str, year: int | None) -> None:
        topic = self.topics.setdefault(slug(topic_name), Topic(slug(topic_name), topic_name))
        if year is not None and year not in topic.years:
            topic.years.append(year)
        for code, message in entry.notes:
            self.problems.append(Problem(entry.line, code, message, "warning", entry.title))
        printed = entry.venue          # a venue without its year takes the entry's, else the year heading's
        venue_year = entry.date[:4] if entry.date else year
        if printed and venue_year is not None and not re.search(r"(?:19|20)\d\d", printed):
            printed = f"{printed} {venue_year}"
        paper = Paper(key="", title=entry.title, url=entry.url, links=entry.links, authors=entry.authors,
                      venue=Venue.from_printed(printed) if printed else None, keywords=entry.keywords,
                      digest=entry.digest, listings=[Listing(topic.key, year, entry.line)],
                      date=entry.date, more_authors=entry.more_authors)
        if paper.url is None:
            self.problems.append(Problem(entry.line, "no-paper-link", "entry has no paper link", "warning",
                                         entry.title))
        paper.key = self.key_of(paper)
        first = self.papers.get(paper.key)
        if first is None:
            self.papers[paper.key] = paper
            return
        self.problems.append(Problem(entry.line, "duplicate", f"same paper as line {first.listings[0].line} "
                                     f"({paper.key}); listed again", "info", entry.title))
        first.listings.append(paper.listings[0])

    def key_of(self, paper: Paper) -> str:
        """The paper's identifier (arXiv, OpenReview) as its key, else its URL's or title's slug; two
        titles under one identifier are two papers (reported)."""
        if paper.url is None:
            return self.keys.key(f"title:{paper.title}", base=slug(paper.title))
        ident = id_key(paper.url)
        shared = ident or paper.url
        titles = self.by_id.setdefault(shared, {})
        if (known := titles.get(slug(paper.title))) is not None:
            return known
        if not titles:
            key = self.keys.key(ident, base=ident) if ident else self.keys.key(paper.url, base=slug(paper.title))
        else:
            key = self.keys.key(f"{paper.url} {paper.title}", base=ident or slug(paper.title))
            self.problems.append(Problem(paper.listings[0].line or 0, "shared-identifier",
                                         f"same identifier ({shared}) as another entry with another title: "
                                         f"kept as two papers", "warning", paper.title))
        titles[slug(paper.title)] = key
        return key

    def catalog(self, path: str, title: str) -> Catalog:
        return Catalog(Source(title=title, file=path), list(self.topics.values()), list(self.papers.values()),
                       sorted(self.problems, key=lambda p: p.line))


def list_title(sections: list[Section], path: str) -> str:
    for section in sections:
        if section.heading and section.heading.level == 1 and section.heading.text:
            return section.heading.text
    return PurePath(path).stem or "Untitled list"
