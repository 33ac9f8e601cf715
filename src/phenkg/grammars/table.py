"""A table of papers, read by its columns: `| Date | keywords | Institute | Paper |` (Awesome-LLM),
`| Title | Conf | Code | Stars |` (zziz/pwc), and other tables whose header names the columns.

A column's role comes from its header; the title column is the one named paper/title/name, else the
one whose cells are mostly `[Title](url)` links."""

from __future__ import annotations

import re
from collections.abc import Iterator

from phenkg.grammars.document import ListBlock, TableBlock, plain
from phenkg.grammars.entry import Entry, add_link, links_in, split_people

NAME = "table"
ROLES = {"paper": "title", "title": "title", "name": "title", "papers": "title",
         "date": "date", "year": "date", "published": "date",
         "keywords": "keywords", "keyword": "keywords", "tags": "keywords", "tag": "keywords",
         "conf": "venue", "venue": "venue", "conference": "venue", "journal": "venue", "publication": "venue",
         "code": "code", "github": "code", "repo": "code", "implementation": "code",
         "authors": "authors", "author": "authors",
         "link": "link", "links": "link", "url": "link", "pdf": "link", "arxiv": "link", "paper link": "link"}
_DATE = re.compile(r"^\s*(?P<date>(?:19|20)\d\d(?:[-/.](?:0[1-9]|1[0-2]))?)\b")


def roles(table: TableBlock) -> list[str | None]:
    found: list[str | None] = [ROLES.get(plain(cell).lower().strip(" :")) for cell in table.header]
    titles = [i for i, role in enumerate(found) if role == "title"]
    for i in titles[1:]:     # '| Title | ... | Paper |': the first names the paper, the others link it
        found[i] = "link"
    if "title" not in found:
        for i in range(len(table.header)):
            linked = sum(bool(len(row.cells) > i and row.cells[i].startswith("[")
                              and links_in(row.cells[i])) for row in table.rows)
            if table.rows and linked * 2 > len(table.rows) and found[i] is None:
                found[i] = "title"
                break
    return found


def claims(block: ListBlock | TableBlock) -> float:
    if not isinstance(block, TableBlock) or not block.rows:
        return 0.0
    cols = roles(block)
    if "title" not in cols:
        return 0.0
    linked = [i for i, role in enumerate(cols) if role in ("title", "link")]
    return sum(any(len(r.cells) > i and links_in(r.cells[i]) for i in linked) for r in block.rows) / len(block.rows)


def read(block: ListBlock | TableBlock) -> Iterator[tuple[int, Entry | None, str]]:
    assert isinstance(block, TableBlock)
    cols = roles(block)
    for row in block.rows:
        source = " | ".join(row.cells)
        if not any(plain(cell) for cell in row.cells):      # '|||': an empty row
            continue
        entry = Entry(row.line, "")
        for role, cell in zip(cols, row.cells, strict=False):
            text = plain(cell)
            if role == "title":
                links = links_in(cell)
                entry.title = plain(links[0][0]) if links and cell.startswith("[") else text
                for _, url, _, _ in links[:1]:
                    add_link(entry, "paper", url)
                for kind, url, _, _ in links[1:]:
                    add_link(entry, kind, url)
            elif role == "link":
                for kind, url, _, _ in links_in(cell):
                    add_link(entry, "paper" if entry.url is None else kind, url)
            elif role == "code":
                for _, url, _, _ in links_in(cell):
                    add_link(entry, "code", url)
            elif role == "date" and (found := _DATE.match(text)):
                entry.date = found["date"].replace("/", "-").replace(".", "-")
            elif role == "keywords" and text:
                entry.keywords = [k.strip() for k in re.split(r"[,;]", text) if k.strip()]
            elif role == "venue" and text:
                entry.venue = text
            elif role == "authors" and text:
                entry.authors, entry.more_authors = split_people(text)
        yield row.line, entry if entry.title else None, source
