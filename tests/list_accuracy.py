"""Compare an import with a hand reading (tests/data/lists/*.expected.yaml), entry by entry, by line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from phenkg.model import Catalog, Paper

LISTS = Path(__file__).parent / "data" / "lists"


def shared_lists() -> Path | None:
    """The whole lists (shared/lists/, beside the checkout or above it), which the project does not copy."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "shared" / "lists" / "README.md").is_file():
            return folder / "shared" / "lists"
    return None


def year_of(paper: Paper, line: int) -> int | None:
    if paper.date:
        return int(paper.date[:4])
    if paper.venue is not None and paper.venue.year is not None:
        return paper.venue.year
    return next((x.year for x in paper.listings if x.line == line), None)


@dataclass
class Score:
    entries: int = 0
    titles_urls: int = 0
    authors_years: int = 0
    fields: int = 0        # the other fields a reading gives (venue, code, date, keywords, 'et al.'), all right
    misses: list[str] = field(default_factory=list)

    def percent(self, n: int) -> float:
        return 100.0 * n / self.entries if self.entries else 0.0


def score(catalog: Catalog, expected_file: Path) -> Score:
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))["entries"]
    at_line = {x.line: p for p in catalog.papers for x in p.listings}
    result = Score()
    for want in expected:
        result.entries += 1
        got = at_line.get(want["line"])
        if got is None:
            result.misses.append(f"line {want['line']}: not imported")
            continue
        if (got.title, got.url) == (want["title"], want["url"]):
            result.titles_urls += 1
        else:
            result.misses.append(f"line {want['line']}: title/url {(got.title, got.url)} != "
                                 f"{(want['title'], want['url'])}")
        if (got.authors, year_of(got, want["line"])) == (want["authors"], want["year"]):
            result.authors_years += 1
        else:
            result.misses.append(f"line {want['line']}: authors/year {(got.authors, year_of(got, want['line']))} "
                                 f"!= {(want['authors'], want['year'])}")
        other = {"venue": got.venue.name if got.venue else None, "code": (got.code_urls or [None])[0],
                 "date": got.date, "keywords": got.keywords, "more": got.more_authors}
        wrong = [name for name in other if name in want and str(other[name]) != str(want[name])]
        if not wrong and want.get("more", False) == got.more_authors:
            result.fields += 1
        else:
            result.misses.append(f"line {want['line']}: {', '.join(wrong) or 'more'} differ: {other}")
    return result
