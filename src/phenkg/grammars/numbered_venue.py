"""`1. **Title.** Venue Year. [paper](url)` with the authors as an emphasised line under it
(`*A One, B Two.*`), as thunlp/GNNPapers writes its entries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from phenkg.grammars.document import Item, ListBlock, TableBlock, plain
from phenkg.grammars.entry import Entry, add_link, links_in, split_people

NAME = "numbered-venue"
_HEAD = re.compile(r"^\*\*(?P<title>.+?)\*\*\s*(?P<venue>.*)$", re.DOTALL)
_YEAR = re.compile(r"(?:19|20)\d\d")
_AUTHORS = re.compile(r"^\s*[*_](?P<names>[^*_].*?)[*_]\s*$", re.DOTALL)


def claims(block: ListBlock | TableBlock) -> float:
    if not isinstance(block, ListBlock) or not block.items:
        return 0.0
    hits = 0
    for item in block.items:
        head = _HEAD.match(item.text.split("\n")[0])
        hits += bool(head and links_in(item.text) and _YEAR.search(head["venue"].split("[")[0])
                     and not re.match(r"\s*\(\s*(?:19|20)\d\d\s*\)", head["venue"]))
    return hits / len(block.items)


def read(block: ListBlock | TableBlock) -> Iterator[tuple[int, Entry | None, str]]:
    assert isinstance(block, ListBlock)
    for item in block.items:
        yield item.line, read_item(item), item.text


def read_item(item: Item) -> Entry | None:
    lines = [(line + i, text) for line, para in item.paragraphs for i, text in enumerate(para.split("\n"))]
    if not lines:
        return None
    first = lines[0][1]
    head = _HEAD.match(first)
    if not head:
        return None
    entry = Entry(item.line, plain(head["title"]).rstrip(".").strip())
    links = links_in(head["venue"])
    venue = head["venue"][:links[0][2]] if links else head["venue"]
    venue = " ".join(plain(venue).split()).rstrip(". ").strip()
    venue = re.sub(r",\s*((?:19|20)\d\d)$", r" \1", venue)
    if venue:
        entry.venue = venue
        years = _YEAR.findall(venue)
        entry.date = years[-1] if years else None
    for kind, url, _, _ in links:
        add_link(entry, kind, url)
    for _, text in lines[1:]:
        if names := _AUTHORS.match(text):
            if not entry.authors:
                entry.authors, entry.more_authors = split_people(names["names"])
        else:
            for kind, url, _, _ in links_in(text):
                add_link(entry, kind, url)
    if not entry.authors:
        entry.notes.append(("no-authors", "no *Authors.* line under the entry"))
    return entry if entry.title else None
