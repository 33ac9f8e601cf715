"""A Markdown list's structure, read with markdown-it-py (CommonMark + GFM tables), with source lines.

The document becomes a sequence of blocks under the headings above them: each list item (with the
paragraphs directly inside it), each table (header cells and rows), each `<summary>` of an HTML block.
Grammars read blocks; they never scan the text line by line themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_SUMMARY = re.compile(r"<summary[^>]*>(?P<text>.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")


@dataclass
class Heading:
    line: int
    level: int
    text: str       # plain text: links and emphasis dropped ('[Basic Models](#content)' -> 'Basic Models')


@dataclass
class Item:
    """One list item: its paragraphs' inline Markdown source, each with its first line."""

    line: int
    paragraphs: list[tuple[int, str]]
    depth: int = 0     # 0 for a top-level item, 1 inside another item, ...

    @property
    def text(self) -> str:
        return self.paragraphs[0][1] if self.paragraphs else ""


@dataclass
class ListBlock:
    line: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Row:
    line: int
    cells: list[str]    # each cell's inline Markdown source


@dataclass
class TableBlock:
    line: int
    header: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Section:
    """The blocks under one heading (up to the next heading of any level), and the headings above it."""

    headings: list[Heading]             # outermost first; empty before the first heading
    blocks: list[ListBlock | TableBlock] = field(default_factory=list)
    summaries: list[tuple[int, str]] = field(default_factory=list)   # <summary> texts of HTML blocks

    @property
    def heading(self) -> Heading | None:
        return self.headings[-1] if self.headings else None


def plain(markdown: str) -> str:
    """Inline Markdown -> its visible text, roughly: links keep their text, emphasis and tags go."""
    text = _INLINE_LINK.sub(lambda m: m["text"], _IMAGE.sub("", markdown))
    text = _TAG.sub("", text).replace("**", "").replace("__", "")
    return " ".join(text.strip("*_ ").split())


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def sections(text: str) -> list[Section]:
    """The document's sections in order; each block records the line it starts on (1-based)."""
    tokens = _parser().parse(text)
    out = [Section([])]
    stack: list[Heading] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and tok.level == 0:
            level = int(tok.tag[1])
            heading = Heading(_line(tok), level, plain(tokens[i + 1].content))
            stack = [h for h in stack if h.level < level] + [heading]
            out.append(Section(list(stack)))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open") and tok.level == 0:
            end = _close(tokens, i)
            block = ListBlock(_line(tok))
            _items(tokens[i:end + 1], block.items)
            out[-1].blocks.append(block)
            i = end + 1
        elif tok.type == "table_open" and tok.level == 0:
            end = _close(tokens, i)
            out[-1].blocks.append(_table(tokens[i:end + 1]))
            i = end + 1
        elif tok.type == "html_block":
            for found in _SUMMARY.finditer(tok.content):
                out[-1].summaries.append((_line(tok), plain(found["text"])))
            i += 1
        else:
            i += 1
    return out


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


def _close(tokens: list[Token], start: int) -> int:
    """The index of the token closing the one at `start` (same level, nesting -1)."""
    level = tokens[start].level
    for j in range(start + 1, len(tokens)):
        if tokens[j].level == level and tokens[j].nesting == -1:
            return j
    return len(tokens) - 1


def _items(tokens: list[Token], out: list[Item]) -> None:
    """Every list item in `tokens`, nested ones too (each its own Item), in document order."""
    open_items: list[Item] = []
    for tok in tokens:
        if tok.type == "list_item_open":
            item = Item(_line(tok), [], depth=len(open_items))
            open_items.append(item)
            out.append(item)
        elif tok.type == "list_item_close":
            open_items.pop()
        elif tok.type == "inline" and open_items and tok.level == open_items[-1].depth * 2 + 3:
            open_items[-1].paragraphs.append((_line(tok), tok.content))


def _table(tokens: list[Token]) -> TableBlock:
    table = TableBlock(_line(tokens[0]), [])
    row: Row | None = None
    in_head = False
    for tok in tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open" and not in_head:
            row = Row(_line(tok), [])
            table.rows.append(row)
        elif tok.type == "inline":
            if in_head:
                table.header.append(tok.content.strip())
            elif row is not None:
                row.cells.append(tok.content.strip())
    return table
