"""Markdown text of an awesome list -> a Catalog of papers, and problems located by line.

Tolerant by design: every item ends either as (part of) a paper or as a Problem with its line.
It reads no files; `decode` turns bytes into text or says why it can't.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from phenkg.errors import UnusableInputError
from phenkg.keys import KeyRegistry, id_key, slug
from phenkg.model import Catalog, Link, Listing, Paper, Problem, Source, Topic, Venue

Progress = Callable[[int], None]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])(?:\s+(?P<text>.*)|$)")
_YEAR_TITLE = re.compile(r"^(?P<title>.*?)[\s:\-–—]*(?P<year>(?:19|20)\d\d)$")
_YEAR_RANGE = re.compile(  # a year group that is not one year: '2019 and Before', 'Before 2016', '2016-2018'
    r"^(?P<title>.*?)[\s:\-–—]*(?P<label>(?:19|20)\d\d\s+(?:and|&)\s+(?:before|earlier|older|prior|after|later)"
    r"|(?:before|pre|until|up to)[\s-]*(?:19|20)\d\d|(?:19|20)\d\d\s*[-–—]\s*(?:(?:19|20)\d\d|present|now))$",
    re.IGNORECASE)
_LINK = re.compile(r"\[\[\s*(?P<kind>[^\]]*?)\s*\]\]\((?P<url>[^)\s]*)(?P<close>\))?")
_SINGLE_LINK = re.compile(r"(?<![\[!])\[(?P<kind>[A-Za-z][\w .-]{0,20})\]\((?P<url>[^)\s]*)(?P<close>\))?")
_WRAPPED_LINK = re.compile(  # '[[code](url)]' and '([paper](url))': a link inside brackets of its own
    r"\[\[\s*(?P<kind>[A-Za-z][\w .-]{0,20}?)\s*\]\((?P<url>[^)\s]*)\)\]"
    r"|\(\s*\[(?P<kind2>[A-Za-z][\w .-]{0,20}?)\]\((?P<url2>[^)\s]*)\)\s*\)")
_ANY_PAPER_LINK = re.compile(r"\[\s*paper\s*\]\]?\(", re.IGNORECASE)
_LEADING_TITLE_LINK = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)\s*(?:[-–—:]\s*)?")
_URL = re.compile(r"^https?://[^\s/?#.]+\.[^\s]+$", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:\*\*)?(?P<label>[A-Za-z][A-Za-z ]{0,24}?)(?:\*\*)?\s*[:：]\s*(?:\*\*\s*)?(?P<rest>.*)$")
_VENUE_AT_END = re.compile(r"^(?P<authors>.*?)[\s.,;]*(?:\*{1,2}|_)\s*(?P<venue>[^*_]+?)\s*(?:\*{1,2}|_)\s*\.?\s*$")
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?P<text>\S(?:.*\S)?)\1$")
_AND = re.compile(r"\s*,?\s+(?:and|&)\s+")
_TAG = re.compile(r"</?(?:br|p|div|span|sup|sub|a|b|i|em|strong|img|center|font|code|hr)\b[^>]*>", re.IGNORECASE)
_IMAGE = re.compile(r"\[\s*!\[[^\]]*\]\([^)]*\)\s*\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
_DETAILS_OPEN = re.compile(r"<details[^>]*>", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary[^>]*>(?P<text>.*?)</summary\s*>", re.IGNORECASE)
_NOT_ENTRIES = re.compile(
    r"contents|contribut|related|resources|template|licen[cs]e|citation|cite|acknowledg|star history|"
    r"^about|^footnote|^how to", re.IGNORECASE)
_FIELDS = {"keyword": "keywords", "keywords": "keywords", "keyword(s)": "keywords", "tags": "keywords",
           "digest": "digest", "summary": "digest", "tldr": "digest", "abstract": "digest",
           "author": "authors", "authors": "authors", "authorlist": "authors"}


def decode(data: bytes, path: str) -> tuple[str, list[Problem]]:
    """UTF-8 bytes -> text; a file cut mid-character still decodes, with a warning."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnusableInputError(f"binary data (a NUL byte at offset {nul}), not a Markdown list",
                                 path=path, hint="pass the list's README.md or another UTF-8 Markdown file")
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3 or exc.reason != "unexpected end of data":
            line = data.count(b"\n", 0, exc.start) + 1
            raise UnusableInputError(f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
                                     path=path, line=line,
                                     hint="re-save the file as UTF-8 (iconv -f LATIN1 -t UTF-8)") from exc
        text = data[:exc.start].decode("utf-8")
        problems.append(Problem(text.count("\n") + 1, "truncated", "the file ends in the middle of a character"))
    return text.removeprefix("\ufeff"), problems


def drop_hidden(text: str) -> tuple[str, list[Problem]]:
    """Remove the characters `data/` refuses (control, bidi, separators: phenkg.safeyaml.HIDDEN_VALUE),
    each line's removal reported, so that what import writes always reads back."""
    from phenkg.safeyaml import HIDDEN_VALUE

    if not HIDDEN_VALUE.search(text.replace("\r\n", "\n")):
        return text, []
    problems: list[Problem] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        ending = "\r" if line.endswith("\r") else ""
        body = line[:len(line) - len(ending)]
        found = HIDDEN_VALUE.findall(body)
        if found:
            names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
            problems.append(Problem(number, "hidden-character",
                                    f"removed {len(found)} invisible character(s) ({names}); check the line "
                                    "reads as intended"))
            lines[number - 1] = HIDDEN_VALUE.sub("", body) + ending
    return "\n".join(lines), problems


def clean(text: str) -> str:
    """Drop stray HTML tags and images, fold spaces."""
    text = _IMAGE.sub("", _TAG.sub("", text))
    return " ".join(text.split())


@dataclass
class _Item:
    """An entry being read: its lines so far, before it becomes a Paper."""

    line: int
    topic: str
    year: int | None
    year_label: str | None = None
    title: str = ""
    url: str | None = None
    links: list[Link] = field(default_factory=list)
    authors: list[str] | None = None
    venue: Venue | None = None
    keywords: list[str] | None = None
    digests: list[tuple[int, str, bool]] = field(default_factory=list)  # (line, text, labelled)
    last: str = "title"
    broken_link: bool = False  # a link was reported broken (so a missing paper link is not reported twice)
    closed: bool = False  # a blank line came after it


class _ListParser:
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
        self.item: _Item | None = None
        self.in_digest = False
        self.digest_opened = 0          # the line of the <details> block being read as a digest
        self.comment_opened = 0  # the line an <!-- HTML comment --> still open began on
        self.author_text: str | None = None  # an open <details><summary>Author List</summary> block's text
        self.papers: dict[str, Paper] = {}
        self.first_line: dict[str, int] = {}
        self.keys = KeyRegistry()
        self.by_identifier: dict[str, dict[str, tuple[str, int, str]]] = {}  # id -> title slug -> key, line, title
        self.problems: list[Problem] = []
        self.heading: tuple[int, str, int] | None = None  # line, text, entries under it
        self.topic_entries: dict[str, int] = {}
        self.topic_lines: dict[str, int] = {}

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
        if in_block or ("<" in line and (_DETAILS_OPEN.search(line) or _SUMMARY.search(line)
                                         or _DETAILS_CLOSE.search(line))):
            line = self.details(number, line)
            if not line:
                return
        if not line.strip():
            if self.item:
                self.item.closed = True
            return
        if heading := _HEADING.match(line):
            self.finish_item()
            self.on_heading(number, 1 if number == self.title_line else len(heading[1]), clean(heading[2]))
            return
        bullet = _BULLET.match(line)
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
        if _LINK.search(text) and "paper" in {m["kind"].lower() for m in _LINK.finditer(text)}:
            return True
        if indent > 0 or self.topic is None:
            return False
        # a title line whatever its link markup: '[[paper](url)]', '([paper](url))', '[paper](url)', or a
        # question with no link at all; none of these is an author or keyword line
        if _ANY_PAPER_LINK.search(text) or (text.rstrip().endswith("?") and not _LABEL.match(clean(text))):
            return True
        # an unindented bullet right under an open entry, without a link, is a sub-item without indentation
        return not (self.item and not self.item.closed and not _LINK.search(text))

    # -- headings ---------------------------------------------------------------------------------
    def on_heading(self, number: int, level: int, text: str) -> None:
        if level == 1:
            if not self.title:
                self.title = text
                if number == self.title_line:
                    self.problem(number, "no-list-title", f"the list has no '# Title' heading; its first "
                                 f"heading '{text}', with no entries under it, is read as the title", "info")
            return
        if self.first_heading is None and text and not _NOT_ENTRIES.search(text):
            self.first_heading = (number, text)
        self.close_heading()
        self.year_label = None
        if span := _YEAR_RANGE.match(text):
            self.on_year_range(number, level, text, span["title"].strip(), span["label"])
            return
        found = _YEAR_TITLE.match(text)
        name = found["title"].strip() if found else text
        if _NOT_ENTRIES.search(name) and not found:
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
        summary = _SUMMARY.search(line)
        if summary:
            label = clean(summary["text"])
            rest = _DETAILS_CLOSE.sub("", _DETAILS_OPEN.sub("", line[summary.end():]))
            if self.item and _FIELDS.get(label.lower().replace(" ", "").rstrip(":")) == "authors":
                self.digest_opened = number
                self.author_text = ""
                self.add_author_text(rest)
                if _DETAILS_CLOSE.search(line[summary.end():]):
                    self.author_text = None
                return ""
            if self.item and _FIELDS.get(label.lower().rstrip(":")) == "digest":
                self.in_digest = not _DETAILS_CLOSE.search(line[summary.end():])
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
            if _DETAILS_CLOSE.search(line):
                self.in_digest = False
                line = _DETAILS_CLOSE.sub("", line)
            elif self.ends_open_digest(line):
                self.problem(self.digest_opened, "unclosed-details",
                             f"<details> is not closed before line {number}, which starts a new "
                             f"{'section' if _HEADING.match(line) else 'entry'}; the digest ends there: "
                             "add </details> after the digest")
                self.in_digest = False
                return line
            bullet = _BULLET.match(line)
            if bullet and self.item and _LABEL.match(clean(bullet["text"] or "")):
                return line        # '- Key Word: ...' inside the block is that field, as outside it
            text = clean(bullet["text"] or "" if bullet else line)    # a digest written as a list
            if text and self.item:
                self.item.digests.append((number, text, False))
            return ""
        return _DETAILS_CLOSE.sub("", _DETAILS_OPEN.sub("", line))

    def author_details(self, number: int, line: str) -> str:
        """A line inside <details><summary>Author List</summary>: more of the author list, until
        </details>, a blank line or a labelled field (the block then was never closed)."""
        if close := _DETAILS_CLOSE.search(line):
            self.add_author_text(line[:close.start()])
            self.author_text = None
            rest = line[close.end():]
            return rest if rest.strip() else ""
        bullet = _BULLET.match(line)
        ends_entry = self.ends_open_digest(line)
        if ends_entry or not line.strip() or (bullet and _LABEL.match(clean(bullet["text"] or ""))):
            if ends_entry:
                self.problem(self.digest_opened, "unclosed-details",
                             f"<details> is not closed before line {number}, which starts a new "
                             f"{'section' if _HEADING.match(line) else 'entry'}; the author list ends there: "
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
        if _HEADING.match(line):
            return True
        bullet = _BULLET.match(line)
        return bool(bullet and not bullet["indent"]
                    and (_LINK.search(bullet["text"] or "") or _ANY_PAPER_LINK.search(bullet["text"] or ""))
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
        item = _Item(line=number, topic=self.topic.key, year=self.year, year_label=self.year_label)
        self.item = item
        text = unwrap_links(text)
        first_link = _LINK.search(text)
        head = text[: first_link.start()] if first_link else text
        if leading := _LEADING_TITLE_LINK.match(head):  # "- [Title](url) - note", the awesome-list form
            item.title, head = title_text(leading["title"]), ""
            self.add_link(item, number, "paper", leading["url"], True)
        for link in _LINK.finditer(text):
            self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
        if not first_link and not item.url:
            for link in _SINGLE_LINK.finditer(text):
                if _URL.match(link["url"]) or link["kind"].lower() == "paper":
                    head = head[: link.start()] if link.start() < len(head) else head
                    self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
        if head.strip():
            item.title = title_text(head)
        if item.url is None and not item.broken_link:
            self.problem(number, "no-paper-link", "entry has no [[paper]] link", entry=item.title or None)

    def add_link(self, item: _Item, number: int, kind: str, url: str, closed: bool) -> None:
        kind = slug(kind or "link") if kind.lower() != "paper" else "paper"
        if not closed or not _URL.match(url):
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
        if _LINK.search(text):  # links on a line of their own belong to the entry, not to a field
            for link in _LINK.finditer(text):
                self.add_link(item, number, link["kind"], link["url"], bool(link["close"]))
            text = clean(_LINK.sub("", text))
        if not text:
            return
        label = _LABEL.match(text)
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
        elif item.authors is None and not item.digests:
            self.read_authors(item, text)
        else:
            item.digests.append((number, text, False))
            kind = "digest"
        item.last = kind or "authors"

    def field_of(self, number: int, label: str) -> str | None:
        """'Key Word' -> keywords; a misspelt label ('Key Wrod') is read and reported."""
        norm = label.lower().replace(" ", "").replace("-", "")
        if norm in _FIELDS:
            return _FIELDS[norm]
        close = difflib.get_close_matches(norm, list(_FIELDS), n=1, cutoff=0.75)
        if close:
            self.problem(number, "label-typo", f"label '{label}:' read as '{close[0]}'", "warning",
                         entry=self.item.title if self.item else None)
            return _FIELDS[close[0]]
        return None

    def read_authors(self, item: _Item, text: str) -> None:
        found = _VENUE_AT_END.match(text)
        if found:
            item.venue = Venue.from_printed(" ".join(found["venue"].split()))
            text = found["authors"]
        item.authors = split_authors(text)

    # -- an entry becomes a paper -----------------------------------------------------------------
    def finish_item(self) -> None:
        item, self.item, self.in_digest, self.author_text = self.item, None, False, None
        if item is None:
            return
        if not item.title:
            self.problem(item.line, "no-title", "entry has no title; not imported", "error")
            return
        keywords, digest = self.split_digests(item)
        key = self.paper_key(item)
        paper = Paper(key=key, title=item.title, url=item.url, links=item.links, authors=item.authors or [],
                      venue=item.venue, keywords=keywords, digest=digest,
                      listings=[Listing(item.topic, item.year, item.line, item.year_label)])
        for missing, what in ((paper.authors, "authors"), (item.keywords is not None or keywords, "keywords"),
                              (digest, "digest")):
            if not missing:
                self.problem(item.line, f"no-{what}", f"entry has no {what}", "info", entry=item.title)
        self.topic_entries[item.topic] = self.topic_entries.get(item.topic, 0) + 1
        if self.heading:
            self.heading = (self.heading[0], self.heading[1], self.heading[2] + 1)
        self.add_paper(paper)

    def paper_key(self, item: _Item) -> str:
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

    def split_digests(self, item: _Item) -> tuple[list[str], str | None]:
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


def title_text(text: str) -> str:
    """A title as printed, without its closing full stop or the emphasis around it: '**Title.**' and
    '**Title**.' are 'Title'."""
    title = clean(text)
    for _ in range(2):
        if title.endswith(".") and not title.endswith(".."):
            title = title[:-1].rstrip()
        if found := _EMPHASIS.match(title):
            title = found["text"]
    return title


def unwrap_links(text: str) -> str:
    """'[[code](url)]' -> '[[code]](url)' and '([paper](url))' -> '[paper](url)': the forms a title line's
    links are read in."""
    def unwrap(found: re.Match[str]) -> str:
        if found["kind"] is not None:
            return f"[[{found['kind']}]]({found['url']})"
        return f"[{found['kind2']}]({found['url2']})"
    return _WRAPPED_LINK.sub(unwrap, text)


def title_heading(lines: list[str]) -> int:
    """In a list without a '# Title', the line of its first heading when no entry follows it before the
    next heading: that heading is the list's title, not a topic. 0 otherwise."""
    headings = [(number, found) for number, line in enumerate(lines, 1) if (found := _HEADING.match(line))]
    if any(len(found[1]) == 1 for _, found in headings):
        return 0
    numbers = [number for number, found in headings if not _NOT_ENTRIES.search(found[2])]
    if not numbers:
        return 0
    first, end = numbers[0], numbers[1] - 1 if len(numbers) > 1 else len(lines)
    under = [found for line in lines[first:end] if (found := _BULLET.match(line)) and not found["indent"]]
    return 0 if under else first


def split_keywords(text: str) -> list[str]:
    text = text.strip().rstrip(".").strip()
    parts = text.split(";") if ";" in text else text.split(",")
    return [part.strip().rstrip(".").strip() for part in parts if part.strip().rstrip(".").strip()]


def looks_like_keywords(text: str) -> bool:
    parts = split_keywords(text)
    return bool(parts) and len(text.split()) <= 15 and all(len(p.split()) <= 5 for p in parts)


_INITIAL_END = re.compile(r"(?:^|[\s.])\w\.$")


def split_authors(text: str) -> list[str]:
    """'A One; B Two, and C Three.' -> the names. The line's closing full stop is not part of the last
    name ('Weinan E.' is 'Weinan E', as in the middle of a list), unless the list writes every name with a
    final initial ('Smith J., Doe A.')."""
    names = []
    for part in re.split(r"[,;]", text.strip()):
        names += [name.strip() for name in _AND.split(part)]
    names = [name for name in names if name]
    if names and names[-1].endswith(".") and not names[-1].endswith(".."):
        initials = _INITIAL_END.search(names[-1]) and any(_INITIAL_END.search(name) for name in names[:-1])
        if not initials:
            names[-1] = names[-1][:-1].rstrip()
    return [name for name in names if name]


def _looks_like_a_paper(paper: Paper) -> bool:
    """Anything beyond a title that only a list's entry has. Not authors: the parser reads any line
    after a bullet as its authors, and a README's second bullet would pass."""
    return bool(paper.url or paper.links or paper.venue or paper.keywords or paper.digest
                or any(listing.year for listing in paper.listings))


def parse(text: str, path: str = "list.md", progress: Progress | None = None) -> Catalog:
    """Read a whole list. Raises UnusableInputError when the text is not a list at all."""
    reader = _ListParser(path, progress)
    text, reader.problems = drop_hidden(text)
    reader.run(text)
    if not reader.topics and not reader.papers:
        raise UnusableInputError("not an awesome list: no '## Topic' headings and no entries found",
                                 path=path, hint="is this the list's README.md?")
    if not any(_looks_like_a_paper(paper) for paper in reader.papers.values()):
        # a project's README has headings and bullets too; a list's entries carry more than a title
        raise UnusableInputError(f"not a list of papers: {len(reader.papers)} bulleted item(s), none of which "
                                 "has a link, venue, keywords, digest or year heading", path=path,
                                 hint="give the awesome list's Markdown, whose entries read "
                                      "`- Title. [[paper]](https://...)` under `## Topic` headings")
    return reader.catalog(path)
