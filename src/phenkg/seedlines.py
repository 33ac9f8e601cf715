"""The seed family's line reader: Markdown lines of a list -> entries (Item) -> papers (PaperBook),
and problems located by line. phenkg.parse wraps it; phenkg.seedtext holds its patterns."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from phenkg.keys import slug
from phenkg.model import Catalog, Link, Listing, Paper, Problem, Source, Topic, Venue
from phenkg.seedpapers import Item, PaperBook
from phenkg.seedtext import (
    ANY_PAPER_LINK,
    BULLET,
    DATE,
    DETAILS_CLOSE,
    DETAILS_OPEN,
    ET_AL,
    FIELDS,
    HEADING,
    LABEL,
    LEADING_TITLE_LINK,
    LINK,
    NOT_ENTRIES,
    SINGLE_LINK,
    SUMMARY,
    URL,
    VENUE_AT_END,
    YEAR_RANGE,
    YEAR_TITLE,
    clean,
    split_authors,
    split_keywords,
    title_heading,
    title_text,
    unwrap_links,
)

Progress = Callable[[int], None]


class ListParser:
    def __init__(self, path: str, progress: Progress | None) -> None:
        self.path = path
        self.progress = progress
        self.title = ""
        self.first_heading: tuple[int, str] | None = None  # the list's title when it has no '# Title'
        self.title_line = 0  # a first heading with no entries under it, in a list without '# Title'
        self.preamble: list[str] = []
        self.topics: dict[str, Topic] = {}
        self.topic: Topic | None = None
        self.year: int | None = None
        self.year_label: str | None = None  # a year group printed as a range: its text
        self.skipping: str | None = None  # the name of a section whose items are not entries
        self.item: Item | None = None
        self.in_digest = False
        self.digest_opened = 0          # the line of the <details> block being read as a digest
        self.comment_opened = 0  # the line an <!-- HTML comment --> still open began on
        self.author_text: str | None = None  # an open <details><summary>Author List</summary> block's text
        self.problems: list[Problem] = []
        self.book = PaperBook(self.problem)
        self.heading: tuple[int, str, int] | None = None  # line, text, entries under it
        self.topic_entries: dict[str, int] = {}
        self.topic_lines: dict[str, int] = {}

    @property
    def papers(self) -> dict[str, Paper]:
        return self.book.papers

    # -- problems ---------------------------------------------------------------------------------
    def problem(self, line: int, code: str, message: str, severity: str = "warning",
                entry: str | None = None) -> None:
        self.problems.append(Problem(line, code, message, severity, entry))

    # -- the line loop ----------------------------------------------------------------------------
    def run(self, text: str) -> None:
        lines = text.splitlines()
        self.title_line = title_heading(lines)
        for number, raw in enumerate(lines, start=1):
            if self.progress and number % 5000 == 0:
                self.progress(number)
            self.feed(number, raw.rstrip())
        self.finish_item()
        self.close_heading()
        if self.comment_opened:
            self.problem(self.comment_opened, "unclosed-comment", "<!-- is never closed by -->: the rest "
                         "of the list is hidden when the Markdown is shown, and was not read")
        self.drop_trailing_sections()
        for key, count in self.topic_entries.items():
            if count == 0:
                self.problem(self.topic_lines[key], "empty-heading",
                             f"topic '{self.topics[key].name}' has no entries")
        if self.progress:
            self.progress(len(lines))

    def feed(self, number: int, line: str) -> None:
        if self.comment_opened or "<!--" in line:
            line = self.drop_comments(number, line)
            if not line.strip():    # a line that was only a comment is not a blank line
                return
        in_block = self.in_digest or self.author_text is not None
        if in_block or ("<" in line and (DETAILS_OPEN.search(line) or SUMMARY.search(line)
                                         or DETAILS_CLOSE.search(line))):
            line = self.details(number, line)
            if not line:
                return
        if not line.strip():
            if self.item:
                self.item.closed = True
            return
        if heading := HEADING.match(line):
            self.finish_item()
            self.on_heading(number, 1 if number == self.title_line else len(heading[1]), clean(heading[2]))
            return
        bullet = BULLET.match(line)
        if bullet:
            text = bullet["text"] or ""
            indent = len(bullet["indent"].expandtabs(4))
            if self.is_entry_line(text, indent):
                self.finish_item()
                self.on_entry(number, text)
            elif self.item:
                self.on_sub_item(number, text)
            else:
                self.on_stray(number, text, "item")
        elif self.item and (not self.item.closed or (self.item.last == "digest" and self.in_digest)):
            self.on_sub_item(number, line, continuation=True)
        elif not self.topics and self.skipping is None:
            self.preamble.append(line)
        else:
            self.on_stray(number, line, "text")

    def drop_trailing_sections(self) -> None:
        """Sections with no entries after the last topic that has some (a changelog, a closing note)
        are the list's end matter, not topics: each becomes a note."""
        start = None
        if not any(self.topic_entries.values()):   # no entries at all: not a list, said by parse()
            return
        for key in reversed(list(self.topics)):
            if self.topic_entries.get(key):
                break
            topic = self.topics.pop(key)
            del self.topic_entries[key]
            start = self.topic_lines[key]
            self.problem(start, "trailing-section", f"section '{topic.name}' at the end of the list has no "
                         "entries; not read as a topic", "info")
        for problem in self.problems:   # its prose is end matter too, not text lost from an entry
            if start is not None and problem.line > start and problem.code.startswith("stray-"):
                problem.severity = "info"

    def drop_comments(self, number: int, line: str) -> str:
        """The line without its <!-- HTML comments -->, which may span lines: they are not shown, so
        they are not read (they ended up in digests)."""
        kept = ""
        while line:
            if self.comment_opened:
                end = line.find("-->")
                if end < 0:
                    return kept
                line, self.comment_opened = line[end + 3:], 0
            start = line.find("<!--")
            if start < 0:
                return kept + line
            kept, line, self.comment_opened = kept + line[:start], line[start + 4:], number
        return kept

    def is_entry_line(self, text: str, indent: int) -> bool:
        if self.skipping is not None and indent == 0:
            return True
        if LINK.search(text) and "paper" in {m["kind"].lower() for m in LINK.finditer(text)}:
            return True
        if indent > 0 or self.topic is None:
            return False
        # a title line whatever its link markup: '[[paper](url)]', '([paper](url))', '[paper](url)', or a
        # question with no link at all; none of these is an author or keyword line
        if ANY_PAPER_LINK.search(text) or (text.rstrip().endswith("?") and not LABEL.match(clean(text))):
            return True
        # an unindented bullet right under an open entry, without a link, is a sub-item without indentation
        return not (self.item and not self.item.closed and not LINK.search(text))

    # -- headings ---------------------------------------------------------------------------------
    def on_heading(self, number: int, level: int, text: str) -> None:
        if level == 1:
            if not self.title:
                self.title = text
                if number == self.title_line:
                    self.problem(number, "no-list-title", f"the list has no '# Title' heading; its first "
                                 f"heading '{text}', with no entries under it, is read as the title", "info")
            return
        if self.first_heading is None and text and not NOT_ENTRIES.search(text):
            self.first_heading = (number, text)
        self.close_heading()
        self.year_label = None
        if span := YEAR_RANGE.match(text):
            self.on_year_range(number, level, text, span["title"].strip(), span["label"])
            return
        found = YEAR_TITLE.match(text)
        name = found["title"].strip() if found else text
        if NOT_ENTRIES.search(name) and not found:
            self.skipping, self.topic, self.year = name, None, None
            return
        self.skipping = None
        if found:
            self.year = year = int(found["year"])
            topic = self.year_group_topic(number, level, text, name)
            if year not in topic.years:
                topic.years.append(year)
            self.heading = (number, text, 0)
        elif level == 2:
            self.enter_topic(number, name)
            self.year = None
            self.heading = None
        else:
            self.problem(number, "heading", f"heading '{text}' has no year; its items stay under "
                         f"'{self.topic.name if self.topic else '(no topic)'}'", "info")
            self.heading = (number, text, 0)

    def year_group_topic(self, number: int, level: int, text: str, name: str) -> Topic:
        """The topic a year group's heading files its items under: a level-2 heading (or the first one)
        opens a topic; a deeper one stays under the topic above, reported if it names another."""
        topic = self.topic
        if level == 2 or topic is None:
            return self.enter_topic(number, name or text)
        if name and slug(name) != topic.key:
            self.problem(number, "heading-topic", f"year heading '{text}' names another topic than "
                         f"'{topic.name}' above it; kept under '{topic.name}'")
        return topic

    def on_year_range(self, number: int, level: int, text: str, name: str, label: str) -> None:
        """'Survey: 2019 and Before': a group of several years. Its listings keep the range as printed
        and no year: never the year of the group above it."""
        self.skipping = None
        self.year_group_topic(number, level, text, name)
        self.year, self.year_label = None, " ".join(label.split())
        self.heading = (number, text, 0)

    def enter_topic(self, number: int, name: str) -> Topic:
        key = slug(name)
        if key not in self.topics:
            self.topics[key] = Topic(key=key, name=name)
            self.topic_entries[key] = 0
            self.topic_lines[key] = number
        self.topic = self.topics[key]
        return self.topic

    def close_heading(self) -> None:
        if self.heading and self.heading[2] == 0:
            self.problem(self.heading[0], "empty-heading", f"heading '{self.heading[1]}' has no entries")
        self.heading = None

    # -- <details> blocks -------------------------------------------------------------------------
    def details(self, number: int, line: str) -> str:
        """Handle <details>/<summary>; return what is left of the line to read as usual."""
        summary = SUMMARY.search(line)
        if summary:
            label = clean(summary["text"])
            rest = DETAILS_CLOSE.sub("", DETAILS_OPEN.sub("", line[summary.end():]))
            if self.item and FIELDS.get(label.lower().replace(" ", "").rstrip(":")) == "authors":
                self.digest_opened = number
                self.author_text = ""
                self.add_author_text(rest)
                if DETAILS_CLOSE.search(line[summary.end():]):
                    self.author_text = None
                return ""
            if self.item and FIELDS.get(label.lower().rstrip(":")) == "digest":
                self.in_digest = not DETAILS_CLOSE.search(line[summary.end():])
                self.digest_opened = number
                if rest.strip():
                    self.item.digests.append((number, clean(rest), True))
                self.item.last, self.item.closed = "digest", False
                return ""
            self.finish_item()
            self.on_heading(number, 3, label)
            return rest
        if self.author_text is not None:
            return self.author_details(number, line)
        if self.in_digest:
            if DETAILS_CLOSE.search(line):
                self.in_digest = False
                line = DETAILS_CLOSE.sub("", line)
            elif self.ends_open_digest(line):
                self.problem(self.digest_opened, "unclosed-details",
                             f"<details> is not closed before line {number}, which starts a new "
                             f"{'section' if HEADING.match(line) else 'entry'}; the digest ends there: "
                             "add </details> after the digest")
                self.in_digest = False
                return line
            bullet = BULLET.match(line)
            if bullet and self.item and LABEL.match(clean(bullet["text"] or "")):
                return line        # '- Key Word: ...' inside the block is that field, as outside it
            text = clean(bullet["text"] or "" if bullet else line)    # a digest written as a list
            if text and self.item:
                self.item.digests.append((number, text, False))
            return ""
        return DETAILS_CLOSE.sub("", DETAILS_OPEN.sub("", line))

    def author_details(self, number: int, line: str) -> str:
        """A line inside <details><summary>Author List</summary>: more of the author list, until
        </details>, a blank line or a labelled field (the block then was never closed)."""
        if close := DETAILS_CLOSE.search(line):
            self.add_author_text(line[:close.start()])
            self.author_text = None
            rest = line[close.end():]
            return rest if rest.strip() else ""
        bullet = BULLET.match(line)
        ends_entry = self.ends_open_digest(line)
        if ends_entry or not line.strip() or (bullet and LABEL.match(clean(bullet["text"] or ""))):
            if ends_entry:
                self.problem(self.digest_opened, "unclosed-details",
                             f"<details> is not closed before line {number}, which starts a new "
                             f"{'section' if HEADING.match(line) else 'entry'}; the author list ends there: "
                             "add </details> after the authors")
            self.author_text = None
            return line
        self.add_author_text(bullet["text"] or "" if bullet else line)
        return ""

    def add_author_text(self, text: str) -> None:
        """Read the author block so far as the entry's authors (and a venue printed at its end)."""
        assert self.item is not None
        assert self.author_text is not None
        text = clean(text)
        if text:
            self.author_text = f"{self.author_text} {text}".strip()
            self.read_authors(self.item, self.author_text)
            self.item.last, self.item.closed = "authors", False

    def ends_open_digest(self, line: str) -> bool:
        """A heading or a linked entry ends a <details> digest whose </details> is missing: it would
        otherwise swallow the rest of the list."""
        if HEADING.match(line):
            return True
        bullet = BULLET.match(line)
        return bool(bullet and not bullet["indent"]
                    and (LINK.search(bullet["text"] or "") or ANY_PAPER_LINK.search(bullet["text"] or ""))
                    and self.is_entry_line(bullet["text"] or "", 0))

    # -- items ------------------------------------------------------------------------------------
    def on_stray(self, number: int, text: str, what: str) -> None:
        text = clean(text)
        if not text:
            return
        reason = f"in section '{self.skipping}'" if self.skipping else "outside any entry"
        severity = "info" if self.skipping or self.topic is None else "warning"
        self.problem(number, f"stray-{what}", f"{what} {reason}, not an entry: {text[:80]}", severity)

    def on_entry(self, number: int, text: str) -> None:
        if self.skipping is not None or self.topic is None:
            self.on_stray(number, text, "item")
            return
        item = Item(line=number, topic=self.topic.key, year=self.year, year_label=self.year_label)
        self.item = item
        text = unwrap_links(text)
        first_link = LINK.search(text)
        head = text[: first_link.start()] if first_link else text
        if leading := LEADING_TITLE_LINK.match(head):  # "- [Title](url) - note", the awesome-list form
            item.title, head = title_text(leading["title"]), ""
            self.add_link(item, number, "paper", leading["url"], True)
        for link in LINK.finditer(text):
            self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
        if not first_link and not item.url:
            for link in SINGLE_LINK.finditer(text):
                if URL.match(link["url"]) or link["kind"].lower() == "paper":
                    head = head[: link.start()] if link.start() < len(head) else head
                    self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
        if head.strip():
            item.title = title_text(head)
        if item.url is None and not item.broken_link:
            self.problem(number, "no-paper-link", "entry has no [[paper]] link", entry=item.title or None)

    def add_link(self, item: Item, number: int, kind: str, url: str, closed: bool) -> None:
        kind = slug(kind or "link") if kind.lower() != "paper" else "paper"
        if not closed or not URL.match(url):
            self.problem(number, "broken-link", f"[[{kind}]] link '{url}' is not a complete http(s) URL; "
                         "link dropped", entry=item.title or None)
            item.broken_link = True
            return
        if kind == "paper" and item.url is None:
            item.url = url
        else:
            item.links.append(Link(kind, url))

    def on_sub_item(self, number: int, text: str, continuation: bool = False) -> None:
        item = self.item
        assert item is not None
        text = clean(text)
        if LINK.search(text):  # links on a line of their own belong to the entry, not to a field
            for link in LINK.finditer(text):
                self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
            text = clean(LINK.sub("", text))
        if not text:
            return
        label = LABEL.match(text)
        if not label and not any(c.isalnum() for c in text):   # '**', '---': markup without words
            self.problem(number, "no-words", f"a line with no words under the entry, ignored: {text[:40]}", "info")
            return
        item.closed = False
        kind, rest = (self.field_of(number, label["label"]), label["rest"]) if label else (None, "")
        if kind is None and continuation and item.last in ("digest", "keywords", "title"):
            if item.last == "digest" and item.digests:
                line, old, labelled = item.digests[-1]
                item.digests[-1] = (line, f"{old} {text}", labelled)
            elif item.last == "keywords" and item.keywords is not None:
                item.keywords += split_keywords(text)
            elif item.authors is None:
                self.read_authors(item, text)
            else:
                item.title = f"{item.title} {text}"
            return
        if kind == "keywords":
            item.keywords = (item.keywords or []) + split_keywords(rest)
        elif kind == "digest":
            item.digests.append((number, rest.strip(), True))
        elif kind == "authors":
            self.read_authors(item, rest)
        elif kind == "date":
            if DATE.fullmatch(rest.strip().rstrip(".")):
                item.date = rest.strip().rstrip(".")
            else:
                self.problem(number, "bad-date", f"'Date: {rest.strip()[:30]}' is not a year or YYYY-MM; ignored",
                             entry=item.title or None)
        elif item.authors is None and not item.digests:
            self.read_authors(item, text)
        else:
            item.digests.append((number, text, False))
            kind = "digest"
        item.last = kind or "authors"

    def field_of(self, number: int, label: str) -> str | None:
        """'Key Word' -> keywords; a misspelt label ('Key Wrod') is read and reported."""
        norm = label.lower().replace(" ", "").replace("-", "")
        if norm in FIELDS:
            return FIELDS[norm]
        close = difflib.get_close_matches(norm, list(FIELDS), n=1, cutoff=0.75)
        if close:
            self.problem(number, "label-typo", f"label '{label}:' read as '{close[0]}'", "warning",
                         entry=self.item.title if self.item else None)
            return FIELDS[close[0]]
        return None

    def read_authors(self, item: Item, text: str) -> None:
        found = VENUE_AT_END.match(text)
        if found:
            item.venue = Venue.from_printed(" ".join(found["venue"].split()))
            text = found["authors"]
        item.authors = split_authors(text)
        if item.authors and ET_AL.fullmatch(item.authors[-1]):     # 'A One, B Two, et al.'
            item.authors.pop()
            item.more_authors = True

    # -- an entry becomes a paper -----------------------------------------------------------------
    def finish_item(self) -> None:
        item, self.item, self.in_digest, self.author_text = self.item, None, False, None
        if item is None:
            return
        if not item.title:
            self.problem(item.line, "no-title", "entry has no title; not imported", "error")
            return
        keywords, digest = self.book.split_digests(item)
        key = self.book.paper_key(item)
        paper = Paper(key=key, title=item.title, url=item.url, links=item.links, authors=item.authors or [],
                      venue=item.venue, keywords=keywords, digest=digest,
                      listings=[Listing(item.topic, item.year, item.line, item.year_label)],
                      date=item.date, more_authors=item.more_authors)
        for missing, what in ((paper.authors, "authors"), (item.keywords is not None or keywords, "keywords"),
                              (digest, "digest")):
            if not missing:
                self.problem(item.line, f"no-{what}", f"entry has no {what}", "info", entry=item.title)
        self.topic_entries[item.topic] = self.topic_entries.get(item.topic, 0) + 1
        if self.heading:
            self.heading = (self.heading[0], self.heading[1], self.heading[2] + 1)
        self.book.add_paper(paper)

    def catalog(self, path: str) -> Catalog:
        preamble = "\n".join(self.preamble).strip() or None
        title = self.title
        if not title and self.first_heading:
            line, title = self.first_heading
            self.problem(line, "no-list-title", f"the list has no '# Title' heading; its first heading "
                         f"'{title}' is taken as the title", "info")
        source = Source(title=title or "Untitled list", file=path, preamble=preamble)
        problems = sorted(self.problems, key=lambda p: p.line)
        return Catalog(source, list(self.topics.values()), list(self.papers.values()), problems)
