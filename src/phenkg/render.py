"""A Catalog -> Markdown in the seed's format, so `parse(render(c))` gives back `c`.

Normalisations (documented in the README): one blank line between entries, headings written as
`## Topic` and `### Topic: YEAR`, a table of contents made from the topics, titles ending in a
full stop, the author line ending in a full stop, keywords joined by '; ' and ended by a full
stop, digests on one line, stray HTML and badges dropped.
"""

from __future__ import annotations

from phenkg.model import Catalog, Paper, Topic
from phenkg.parse import split_authors

_END = (".", "?", "!")


def entry_lines(paper: Paper) -> list[str]:
    title = paper.title if paper.title.endswith(_END) else f"{paper.title}."
    links = [f"[[paper]]({paper.url})"] if paper.url else []
    links += [f"[[{link.kind}]]({link.url})" for link in paper.links]
    lines = [" ".join(["-", title, *links])]
    people = ", ".join(paper.authors)
    if people:  # the full stop the parser takes off again; 'A B.' keeps its own when it reads back so
        people = next((x for x in (f"{people}.", people) if split_authors(x) == paper.authors), f"{people}.")
    venue = f"*{paper.venue.printed}*" if paper.venue else ""
    if people or venue:
        lines.append("  - " + " ".join(x for x in (people, venue) if x))
    if paper.keywords:
        lines.append(f"  - Key Word: {'; '.join(paper.keywords)}.")
    if paper.digest:
        lines.append(f"  - Digest: {paper.digest}")
    return lines


def anchor(name: str) -> str:
    return "#" + "".join(c for c in name.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def sections(catalog: Catalog, topic: Topic) -> list[tuple[int | None, list[Paper]]]:
    """The papers under each year heading of a topic, in list order."""
    placed: dict[int | None, list[tuple[tuple, Paper]]] = {}
    for index, paper in enumerate(catalog.papers):
        for listing in paper.listings:
            if listing.topic == topic.key:
                order = (listing.line is None, listing.line or 0, index)
                placed.setdefault(listing.year, []).append((order, paper))
    years: list[int | None] = [None] if None in placed else []
    years += topic.years + sorted((y for y in placed if y is not None and y not in topic.years), reverse=True)
    # year sections in the order their entries appear, so re-importing keeps the papers' order
    years.sort(key=lambda y: min((order for order, _ in placed.get(y, [])), default=(True, 0, 0)))
    return [(year, [p for _, p in sorted(placed.get(year, []), key=lambda x: x[0])]) for year in years]


def render(catalog: Catalog) -> str:
    out = [f"# {catalog.source.title}", ""]
    if catalog.source.preamble:
        out += [catalog.source.preamble, ""]
    out += ["## Table of Contents", ""]
    out += [f"- [{t.name}]({anchor(t.name)})" for t in catalog.topics]
    out.append("")
    for topic in catalog.topics:
        out += [f"## {topic.name}", ""]
        for year, papers in sections(catalog, topic):
            if year is not None:
                out += [f"### {topic.name}: {year}", ""]
            for paper in papers:
                out += [*entry_lines(paper), ""]
    return "\n".join(out).rstrip("\n") + "\n"
