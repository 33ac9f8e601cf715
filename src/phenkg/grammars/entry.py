"""What a grammar reads from one item: an Entry, the fields the format carries, before it becomes a Paper.
Helpers shared by grammars: links in an item's Markdown, and author lists in their written styles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phenkg.model import Link

_MD_LINK = re.compile(r"(?<!!)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"^https?://[^\s/?#.]+\.[^\s]+$", re.IGNORECASE)
_ET_AL = re.compile(r",?\s*(?:et\.?\s*al\.?|and others)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s*,?\s+(?:and|&)\s+")
PAPER_KINDS = frozenset({"paper", "pdf", "arxiv", "book", "link", "html", "doi", "abs"})


@dataclass
class Entry:
    line: int
    title: str
    url: str | None = None
    links: list[Link] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    more_authors: bool = False          # the list wrote 'et al.' after the authors it names
    venue: str | None = None            # as printed: 'ICLR 2019', 'NIPS 2018'
    date: str | None = None             # '2015' or '2019-02', as the format gives it
    keywords: list[str] = field(default_factory=list)
    digest: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)   # (code, message): a problem to report


def links_in(markdown: str) -> list[tuple[str, str, int, int]]:
    """Each Markdown link: (text, url, start, end)."""
    return [(m["text"], m["url"], m.start(), m.end()) for m in _MD_LINK.finditer(markdown)]


def is_url(url: str) -> bool:
    return bool(_URL.match(url))


def add_link(entry: Entry, kind: str, url: str) -> None:
    """A link labelled `kind`: the first paper-like one is the paper's URL; others are kept as links.
    A link that is not an http(s) URL is dropped and noted."""
    kind = kind.strip().strip("[]").strip().lower() or "link"
    if not is_url(url):
        entry.notes.append(("broken-link", f"[{kind}] link '{url[:80]}' is not a complete http(s) URL; dropped"))
        return
    if entry.url is None and kind in PAPER_KINDS:
        entry.url = url
    else:
        entry.links.append(Link(re.sub(r"[^a-z0-9]+", "-", kind).strip("-") or "link", url))


def split_people(text: str) -> tuple[list[str], bool]:
    """An author list as written -> (names in order, whether it ends in 'et al.').

    'A. One, B. Two and C. Three' and 'Last, First and Last, First' (BibTeX order, names turned to
    'First Last') are both read; a closing full stop goes."""
    text = " ".join(text.split()).strip().strip("*_").strip()
    text = text.rstrip(".").rstrip() if not re.search(r"(?:^|\s)\w\.$", text) or " et al." in text else text
    more = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text).strip().rstrip(",").strip()
    if not text:
        return [], more
    parts = [p.strip() for p in re.split(r"\s+and\s+", text.rstrip("."))]
    if len(parts) > 1 and all(p.count(",") == 1 for p in parts):     # 'Battaglia, Peter W and Hamrick, Jessica B.'
        return [" ".join(reversed([x.strip() for x in p.split(",")])) for p in parts], more
    names: list[str] = []
    for part in re.split(r"[,;]", text):
        names += [name.strip() for name in _AND.split(part)]
    names = [n.rstrip(".").strip() if n.endswith(".") and not re.search(r"(?:^|\s|\.)\w\.$", n) else n
             for n in names]
    return [n for n in names if n], more


_VENUE_YEAR = r"(?P<venue>[A-Za-z][\w&/' -]{0,40}?)[\s,']+(?P<year>(?:19|20)\d\d)"
_TAIL_BRACKETED = re.compile(r"^\(\s*" + _VENUE_YEAR + r"\s*\)\.?$")
_TAIL_AUTHORS_VENUE = re.compile(r"^(?P<authors>[^.]+?(?:\.[^.]+?)*?)[.,]\s+" + _VENUE_YEAR + r"\.?$")
_NAME = re.compile(r"^(?:[A-Z][\w'-]*\.?|[a-z]{1,3})(?:\s+(?:[A-Z][\w'-]*\.?|[a-z]{1,3})){0,4}$")


def read_tail(entry: Entry, text: str) -> bool:
    """What follows a linked title, when it is the paper's facts rather than a note: '(ICCV 2017)' or
    'A One, B Two. CVPR 2016.' -> venue, year and authors. False (nothing read) for a prose note."""
    text = " ".join(text.split())
    if found := _TAIL_BRACKETED.match(text):
        entry.venue, entry.date = f"{found['venue'].strip()} {found['year']}", found["year"]
        return True
    found = _TAIL_AUTHORS_VENUE.match(text)
    if not found:
        return False
    names, more = split_people(found["authors"])
    if not names or not all(_NAME.match(name) for name in names):
        return False
    entry.authors, entry.more_authors = names, more
    entry.venue, entry.date = f"{found['venue'].strip()} {found['year']}", found["year"]
    return True
