"""Markdown text of an awesome list -> a Catalog of papers, and problems located by line.

Tolerant by design: every item ends either as (part of) a paper or as a Problem with its line.
It reads no files; `decode` turns bytes into text or says why it can't.
"""

from __future__ import annotations

from phenkg.errors import UnusableInputError
from phenkg.model import Catalog, Paper, Problem
from phenkg.seedlines import ListParser, Progress
from phenkg.seedtext import split_authors

__all__ = ["Progress", "decode", "drop_hidden", "parse", "split_authors"]


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


def _looks_like_a_paper(paper: Paper) -> bool:
    """Anything beyond a title that only a list's entry has. Not authors: the parser reads any line
    after a bullet as its authors, and a README's second bullet would pass."""
    return bool(paper.url or paper.links or paper.venue or paper.keywords or paper.digest
                or any(listing.year for listing in paper.listings))


def parse(text: str, path: str = "list.md", progress: Progress | None = None) -> Catalog:
    """Read a whole list. Raises UnusableInputError when the text is not a list at all."""
    reader = ListParser(path, progress)
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
