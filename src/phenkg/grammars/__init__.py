"""Paper-list grammars: one small module each, listed in GRAMMARS (the only place that names them).

A grammar module has NAME, `claims(block) -> float` (the share of a block's items it recognises) and
`read(block)` yielding `(line, Entry or None, source)` for each item. Each block of each section (a
heading's list, a table) is read by the grammar that claims most of it; `--format NAME` forces one.
The seed's family is read as a whole document by phenkg.parse (see grammars/seed.py).
"""

from __future__ import annotations

from types import ModuleType

from phenkg.grammars import bold_year, link_list, numbered_venue, seed, table
from phenkg.grammars.assemble import CLAIM, Assembler, list_title
from phenkg.grammars.document import ListBlock, TableBlock, sections
from phenkg.model import Catalog
from phenkg.parse import Progress

GRAMMARS: tuple[ModuleType, ...] = (table, numbered_venue, bold_year, link_list)
FORMATS = (seed.NAME, *(g.NAME for g in GRAMMARS))


def by_name(name: str) -> ModuleType | None:
    return next((g for g in GRAMMARS if name == g.NAME), None)


def best(block: ListBlock | TableBlock) -> ModuleType | None:
    """The grammar that recognises most of the block's items, if it recognises at least CLAIM of them."""
    scored = [(g.claims(block), -i, g) for i, g in enumerate(GRAMMARS)]
    score, _, grammar = max(scored, key=lambda x: (x[0], x[1]))
    return grammar if score >= CLAIM else None


def read_list(text: str, path: str = "list.md", progress: Progress | None = None, fmt: str | None = None) -> Catalog:
    """Read a paper list in any known format; `fmt` forces a grammar by name."""
    from phenkg.parse import drop_hidden, parse

    if fmt == seed.NAME:
        return parse(text, path=path, progress=progress)
    text, hidden = drop_hidden(text)
    found = sections(text)
    forced = by_name(fmt) if fmt else None
    if fmt and forced is None:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if forced is None:
        claimed = sum(len(b.items) if isinstance(b, ListBlock) else len(b.rows)
                      for s in found for b in s.blocks if best(b) is not None)
        if claimed == 0 or seed.signals(text) * 2 >= claimed:
            return parse(text, path=path, progress=progress)

    def choose(block: ListBlock | TableBlock) -> ModuleType | None:
        if forced is not None:
            return forced if forced.claims(block) > 0 else None
        return best(block)

    assembler = Assembler()
    title = list_title(found, path)
    for section in found:
        assembler.section(section, title, choose)
    if not assembler.papers:
        from phenkg.errors import UnusableInputError
        raise UnusableInputError("not a list of papers: no section reads as entries in any known format",
                                 path=path, hint="is this the list's README.md?")
    catalog = assembler.catalog(path, title)
    catalog.problems[:0] = hidden
    if progress:
        progress(text.count("\n") + 1)
    return catalog
