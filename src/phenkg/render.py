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
    if people and paper.more_authors:
        people = f"{people}, et al."
    elif people:  # the full stop the parser takes off again; 'A B.' keeps its own when it reads back so
        people = next((x for x in (f"{people}.", people) if split_authors(x) == paper.authors), f"{people}.")
    venue = f"*{paper.venue.printed}*" if paper.venue else ""
    if people or venue:
        lines.append("  - " + " ".join(x for x in (people, venue) if x))
    if paper.date:
        lines.append(f"  - Date: {paper.date}")
    if paper.keywords:
        lines.append(f"  - Key Word: {'; '.join(paper.keywords)}.")
    if paper.digest:
        lines.append(f"  - Digest: {paper.digest}")
    return lines


def anchor(name: str) -> str:
    return "#" + "".join(c for c in name.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def sections(catalog: Catalog, topic: Topic) -> list[tuple[int | str | None, list[Paper]]]:
    """The year sections of a topic and their papers, in list order; a section is named by its year, or
    by the range printed for it ('2019 and Before').

    A year whose papers the list shows in two places (a heading repeated further down) gets two
    sections, so re-importing keeps the papers' order. Papers without a line (added in data/) join
    the last section of their year, or a new one at the end."""
    lined: list[tuple[tuple, int | str | None, Paper]] = []
    unlined: dict[int | str | None, list[Paper]] = {}
    for index, paper in enumerate(catalog.papers):
        for listing in paper.listings:
            if listing.topic == topic.key:
                group = listing.year if listing.year is not None else listing.year_label
                if listing.line is None:
                    unlined.setdefault(group, []).append(paper)
                else:
                    lined.append(((listing.line, index), group, paper))
    runs: list[tuple[int | str | None, list[Paper]]] = []
    for _, year, paper in sorted(lined, key=lambda x: x[0]):
        if not runs or runs[-1][0] != year:
            runs.append((year, []))
        runs[-1][1].append(paper)
    for year, papers in unlined.items():
        last = next((run for run in reversed(runs) if run[0] == year), None)
        if last is None:
            runs.append(last := (year, []))
        last[1].extend(papers)
    shown = {year for year, _ in runs}
    runs += [(year, []) for year in topic.years if year not in shown]  # headings with no entries
    if any(year is None for year, _ in runs[1:]):    # papers without a year go first, under the topic
        runs.sort(key=lambda run: run[0] is not None)
    return runs


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
