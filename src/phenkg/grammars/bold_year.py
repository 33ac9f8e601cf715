"""`- **Title** (2015), K. He et al. [[pdf]](url)`: a title (bold or not), the year in brackets, the
authors, then bracketed links (terryum/awesome-deep-learning-papers and lists like it)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from phenkg.grammars.document import ListBlock, TableBlock, plain
from phenkg.grammars.entry import Entry, add_link, links_in, split_people

NAME = "bold-year"
_ITEM = re.compile(r"^(?:\*\*(?P<bold>.+?)\*\*|(?P<plain>.+?))\s*\(\s*(?P<year>(?:19|20)\d\d)\s*\)"
                   r"\s*[,:.]?\s*(?P<rest>.*)$", re.DOTALL)
_LINKS = re.compile(r"\[\[[^\]]*\]\]\(")
_TRAILING_AUTHORS = re.compile(r"^(?P<title>.+?)[,.]\s+(?P<authors>[^,]+?(?:\bet al\.?|\band\b[^,]+))\s*\.?$")


def claims(block: ListBlock | TableBlock) -> float:
    if not isinstance(block, ListBlock) or not block.items:
        return 0.0
    hits = sum(bool(_LINKS.search(item.text) and _ITEM.match(item.text)) for item in block.items)
    return hits / len(block.items)


def read(block: ListBlock | TableBlock) -> Iterator[tuple[int, Entry | None, str]]:
    assert isinstance(block, ListBlock)
    for item in block.items:
        yield item.line, read_item(item.line, item.text), item.text


_SPACED_LINK = re.compile(r"(\[\[[^\]]*\]\])\s+\((?=https?://)")


def read_item(line: int, text: str) -> Entry | None:
    spaced = bool(_SPACED_LINK.search(text))
    text = _SPACED_LINK.sub(r"\1(", text)      # '[[pdf]] (url)': shown as text, meant as the link
    links = links_in(text)
    head = text[:links[0][2]] if links else text
    found = _ITEM.match(head)
    if found:
        title = plain(found["bold"] or found["plain"] or "")
        entry = Entry(line, title.rstrip(".").strip(), date=found["year"])
        entry.authors, entry.more_authors = split_people(plain(found["rest"]).rstrip(",").strip())
    else:       # no year: 'Title, A. Author et al. [[pdf]](url)'
        title = plain(head).rstrip(",. ")
        if not title:
            return None
        entry = Entry(line, title)
        if names := _TRAILING_AUTHORS.match(title):
            entry.title = names["title"].strip()
            entry.authors, entry.more_authors = split_people(names["authors"])
        entry.notes.append(("no-year", "no year in brackets after the title"))
    for kind, url, _, _ in links:
        add_link(entry, kind, url)
    if spaced:
        entry.notes.append(("link-space", "a space between [[...]] and (url) makes it text, not a link; read "
                            "as the link: remove the space"))
    return entry if entry.title else None
