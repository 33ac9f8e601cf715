"""Property-based: mutated lists never crash the parser, and import/render/store round-trip."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenkg.errors import DataError, UnusableInputError
from phenkg.parse import parse
from phenkg.render import render
from phenkg.store import load_canonical, read_catalog, render_files, write_catalog

from .conftest import DATA

SEED = (DATA / "awesome-deep-phenomena.md").read_text(encoding="utf-8").splitlines()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
FRAGMENTS = st.sampled_from([
    "", "## ", "### T: 2021", "### T 2020", "## New Topic: 2019", "<details><summary>X: 2018</summary>",
    "</details>", "<details><summary>Digest</summary>", "- ", "-", "  - ", "* [[paper]](", "[[paper]](http://",
    "- T. [[paper]](https://arxiv.org/abs/2101.00001)", "- [[code]](https://github.com/a/b)",
    "  - Key Wrod: a; b.", "  - Digest: d", "Digest:", "  - A, B. *ICLR 2022*", "*", "**", "`", "<br>",
    "![x](y)", "[![b](c)](d)", "#", "1. item", "\t- tab", "\u2028", "\x00", "## Table of Contents",
    "## Contributing", "- key: value", "   ", "> quote", "|a|b|",
])


@st.composite
def mutated(draw) -> str:
    start = draw(st.integers(0, len(SEED) - 1))
    lines = list(SEED[start: start + draw(st.integers(0, 150))])
    for _ in range(draw(st.integers(0, 12))):
        if not lines:
            lines.append(draw(FRAGMENTS))
            continue
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "unicode", "cut"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            lines.insert(i, draw(FRAGMENTS))
        elif action == "unicode":
            lines.insert(i, draw(st.text(max_size=30)))
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines)


def test_regression_title_link_without_http_url_round_trips():
    """'- [Title](#anchor)' took '#anchor' as the paper URL; render then wrote a broken link."""
    catalog = parse("# L\n\n## A: 2021\n\n- [Some Title](#some-title)\n  - X Y.\n", "l.md")
    assert catalog.papers[0].url is None
    assert [p.code for p in catalog.problems if p.severity == "warning"] == ["broken-link"]
    again = parse(render(catalog), "r.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]


def test_regression_a_year_heading_shown_twice_keeps_the_order():
    """Papers of one year in two places (the heading repeated lower down) were rendered into the first
    section, so re-importing moved them ahead of the papers between (found by hypothesis)."""
    catalog = parse("## A\n\n### A: 2021\n\n- One. [[paper]](https://arxiv.org/abs/2101.00001)\n\n"
                    "### A: 2020\n\n- Two. [[paper]](https://arxiv.org/abs/2001.00002)\n\n"
                    "### A: 2021\n\n- Three. [[paper]](https://arxiv.org/abs/2102.00003)\n", "l.md")
    rendered = render(catalog)
    assert rendered.count("### A: 2021") == 2
    again = parse(rendered, "r.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]
    assert [p.title for p in again.papers] == ["One", "Two", "Three"]


def test_a_year_range_group_round_trips_through_render_and_data():
    """'### A: 2019 and Before' took the year of the group above it (issue 14); its range is kept as printed."""
    catalog = parse("## A\n\n### A: 2021\n\n- One. [[paper]](https://arxiv.org/abs/2101.00001)\n\n"
                    "### A: 2019 and Before\n\n- Two. [[paper]](https://arxiv.org/abs/1801.00002)\n", "l.md")
    assert [(x.year, x.year_label) for p in catalog.papers for x in p.listings] == [
        (2021, None), (None, "2019 and Before")]
    again = parse(render(catalog), "r.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]
    with tempfile.TemporaryDirectory() as tmp:
        write_catalog(catalog, Path(tmp))
        assert [p.content() for p in read_catalog(Path(tmp)).papers] == [p.content() for p in catalog.papers]


@pytest.mark.parametrize("entry", [
    "  - A B.\n**\n",                                   # a markup-only line was read as the digest '**'
    "  - A B.\n  - C D.\n  - Digest:\n  - Digest: Text.\n",  # an empty part left two spaces in the digest
    "  - A B.\n<details><summary>Digest</summary>\n  - Key Word: K; L.\n  - Said.\n</details>\n",  # fields in it
])
def test_regression_digest_round_trips(entry):
    """Found by hypothesis: the digest read from the list was not the one read back from its rendering."""
    catalog = parse("## A\n\n- T. [[paper]](https://arxiv.org/abs/2101.00001)\n" + entry, "l.md")
    again = parse(render(catalog), "r.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]
    assert "  " not in (catalog.papers[0].digest or "")
    assert not (catalog.papers[0].digest or "").startswith("-")


def test_labelled_items_in_a_details_digest_are_their_fields():
    catalog = parse("## A\n\n- T. [[paper]](https://arxiv.org/abs/2101.00001)\n  - A B.\n"
                    "<details><summary>Digest</summary>\n  - Key Word: K; L.\n  - Said twice.\n</details>\n", "l.md")
    [paper] = catalog.papers
    assert paper.keywords == ["K", "L"]
    assert paper.digest == "Said twice."


def try_parse(text: str):
    try:
        return parse(text, "mutated.md")
    except UnusableInputError:
        return None


@SETTINGS
@given(mutated())
def test_mutated_lists_never_crash_and_round_trip(text):
    catalog = try_parse(text)
    if catalog is None:
        return
    for paper in catalog.papers:
        assert paper.title.strip(), paper
        assert paper.key, paper
    assert len({p.key for p in catalog.papers}) == len(catalog.papers)
    files = render_files(catalog)
    for name, dumped in files.items():  # the fast reader and YAML agree on every file
        assert load_canonical(dumped) == yaml.load(dumped, Loader=yaml.CSafeLoader), name
    with tempfile.TemporaryDirectory() as tmp:  # canonical dump -> load -> dump is byte-identical
        write_catalog(catalog, Path(tmp))
        try:
            again = read_catalog(Path(tmp))
        except DataError:  # data/ without papers or topics is refused; hidden characters never get there
            assert not catalog.papers or not catalog.topics
            return
        assert render_files(again) == files



OK = Path(__file__).parent / "data" / "parse" / "ok"
LISTS = [DATA / "awesome-deep-phenomena.md", *sorted(OK.glob("*.md"))]


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.stem)
def test_render_round_trips(path):
    """import(render(x)) == x on everything but source lines, and render is then a fixed point.
    (Over hypothesis-shuffled lists this does not hold yet: see the issue-2 report.)"""
    catalog = parse(path.read_text(encoding="utf-8"), path.name)
    rendered = render(catalog)
    again = parse(rendered, "rendered.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]
    assert [(t.key, t.name) for t in again.topics] == [(t.key, t.name) for t in catalog.topics]
    assert render(again) == rendered


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_never_crashes(text):
    try_parse(text)


@pytest.mark.parametrize("hidden", ["\x1b", "\u202e", "\u2028", "\x0c", "\x7f", "\x85"])
def test_hidden_characters_are_removed_with_their_line(hidden):
    text = (DATA / "awesome-deep-phenomena.md").read_text(encoding="utf-8")
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("- ") and "[[paper]]" in line)
    lines[number - 1] = lines[number - 1].replace(" ", f" {hidden}", 1)
    catalog = parse("\n".join(lines))
    reported = [p for p in catalog.problems if p.code == "hidden-character"]
    assert [p.line for p in reported] == [number]
    assert f"U+{ord(hidden):04X}" in reported[0].message
    with tempfile.TemporaryDirectory() as tmp:
        write_catalog(catalog, Path(tmp))
        assert len(read_catalog(Path(tmp)).papers) == len(catalog.papers)


# -- issue 14's forms, mixed into generated lists: import(render(import(x))) == import(x) ------------------
NAMES = ["Ann One", "Bob Two", "Carl Three", "Dana Four", "Weinan E", "Eve Five", "Finn Six"]
WORDS = ["Grokking", "Double Descent", "Neural Collapse", "Lottery Tickets", "Sharpness", "Memorization"]


@st.composite
def entry_in_some_form(draw, serial: int) -> list[str]:
    """One entry written in one of the forms issue 14 lists (title link markup, bold titles, author
    blocks, ';' separators, a final initial's full stop, HTML comments, code links)."""
    title = f"{draw(st.sampled_from(WORDS))} Study {serial}"
    url = f"https://arxiv.org/abs/21{serial // 100:02d}.{serial % 100:05d}"
    link = draw(st.sampled_from(["[[paper]]({u})", "[[paper]({u})]", "([paper]({u}))", "[paper]({u})", "none"]))
    if link == "none":
        head = f"- {title}?"
    else:
        shown = f"**{title}**" if draw(st.booleans()) else title
        head = f"- {shown}. {link.format(u=url)}"
    if draw(st.booleans()):
        head += f" [[code](https://github.com/lab/repo{serial})]"
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    separator = draw(st.sampled_from([", ", "; "]))
    venue = draw(st.sampled_from(["", " *ICLR 2021*", " *NeurIPS 2020 Workshop*"]))
    authors = separator.join(names) + "." + venue
    lines = [head]
    form = draw(st.sampled_from(["plain", "details-closed", "details-lines"]))
    if form == "plain":
        lines.append(f"  - {authors}")
    elif form == "details-closed":
        lines.append(f"  <details><summary>Author List</summary> {authors}</details>")
    else:
        lines += ["  <details>", "  <summary>Author List</summary>", f"  {authors}", "  </details>"]
    if draw(st.booleans()):
        lines.append(f"  - Key Word: {draw(st.sampled_from(WORDS))}; Theory.")
    if draw(st.booleans()):
        comment = " <!-- a note to the curator -->" if draw(st.booleans()) else ""
        lines.append(f"  - Digest: We look at case {serial}.{comment}")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), "<!-- hidden line -->")
    return lines


@st.composite
def list_with_issue14_forms(draw) -> str:
    lines = ["# Generated List", ""] if draw(st.booleans()) else []
    serial = 0
    for topic in draw(st.lists(st.sampled_from(["Alpha", "Beta", "Gamma"]), min_size=1, max_size=3, unique=True)):
        lines += [f"## {topic}", ""]
        for group in draw(st.lists(st.sampled_from(["2021", "2020", "2019 and Before"]), min_size=1, max_size=2,
                                   unique=True)):
            summary = draw(st.booleans())
            lines += [f"<details><summary>{topic}: {group}</summary>" if summary else f"### {topic}: {group}", ""]
            for _ in range(draw(st.integers(1, 3))):
                serial += 1
                lines += [*draw(entry_in_some_form(serial)), ""]
            if summary:
                lines += ["</details>", ""]
    if draw(st.booleans()):
        lines += ["## Changelog", "", "The list was started in 2021.", ""]
    return "\n".join(lines)


@SETTINGS
@given(list_with_issue14_forms())
def test_issue14_forms_round_trip_through_render(text):
    catalog = parse(text, "generated.md")
    assert len(catalog.papers) == text.count(" Study "), "an entry was folded into another or lost"
    assert not [p for p in catalog.problems if p.severity == "error"]
    again = parse(render(catalog), "rendered.md")
    assert [p.content() for p in again.papers] == [p.content() for p in catalog.papers]
    assert [(t.key, t.name, t.years) for t in again.topics] == [(t.key, t.name, t.years) for t in catalog.topics]
