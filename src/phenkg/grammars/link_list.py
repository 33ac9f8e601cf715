"""`- [Title](url) - description`: the common awesome-list item (a link, then a note)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from phenkg.grammars.document import ListBlock, TableBlock, plain
from phenkg.grammars.entry import Entry, add_link, is_url, read_tail

NAME = "link-list"
_ITEM = re.compile(r"^\s*(?:\*\*)?\[(?P<title>(?:[^\[\]]|\[[^\]]*\])+)\]\((?P<url>[^)\s]+)\)(?:\*\*)?"
                   r"\s*(?:[-–—:]+\s*)?(?P<rest>.*)$", re.DOTALL)


def claims(block: ListBlock | TableBlock) -> float:
    if not isinstance(block, ListBlock) or not block.items:
        return 0.0
    hits = sum(bool((m := _ITEM.match(item.text)) and is_url(m["url"])) for item in block.items)
    return hits / len(block.items)


def read(block: ListBlock | TableBlock) -> Iterator[tuple[int, Entry | None, str]]:
    assert isinstance(block, ListBlock)
    for item in block.items:
        found = _ITEM.match(item.text)
        if not found:
            yield item.line, None, item.text
            continue
        entry = Entry(item.line, plain(found["title"]).removesuffix(".").rstrip())   # as titles are kept
        add_link(entry, "paper", found["url"])
        digest = " ".join(plain(p) for p in [found["rest"]] + [t for _, t in item.paragraphs[1:]] if plain(p))
        if not read_tail(entry, digest):
            entry.digest = digest or None
        yield item.line, entry if entry.title else None, item.text
