"""The parser on fixture lists (tests/data/parse/{ok,bad}/*.md) and on the seed list.

Each fixture NAME.md has NAME.expected.yaml: the papers in order (each a subset of its canonical
record; a key ending in '######' stands for a slug plus six hex digits), the topics, and every
problem of severity warning or error as 'LINE CODE' (`notes` lists the info ones when given).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from phenkg.errors import UnusableInputError
from phenkg.parse import decode, parse, split_authors
from phenkg.store import paper_fields

FIXTURES = Path(__file__).parent / "data" / "parse"
OK = sorted((FIXTURES / "ok").glob("*.md"))
BAD = sorted((FIXTURES / "bad").glob("*.md"))


def as_record(paper) -> dict:
    """A paper as its canonical YAML record (what papers.yaml holds), empty fields left out."""
    return {name: value for name, value in paper_fields(paper) if value not in (None, [])}


def expected_of(md: Path) -> dict:
    return yaml.safe_load(md.with_suffix(".expected.yaml").read_text(encoding="utf-8"))


def parse_file(md: Path):
    text, early = decode(md.read_bytes(), md.name)
    catalog = parse(text, md.name)
    catalog.problems[:0] = early
    return catalog


def problem_lines(catalog, severities=("error", "warning")) -> list[str]:
    return sorted((f"{p.line} {p.code}" for p in catalog.problems if p.severity in severities),
                  key=lambda s: (int(s.split()[0]), s))


def check_key(expected: str, actual: str, where: str) -> None:
    if expected.endswith("-######"):
        assert re.fullmatch(re.escape(expected[:-6]) + "[0-9a-f]{6}", actual), f"{where}: key {actual}"
    else:
        assert actual == expected, f"{where}: key"


@pytest.mark.parametrize("md", OK, ids=lambda p: p.stem)
def test_ok_fixture(md):
    expected = expected_of(md)
    catalog = parse_file(md)
    assert problem_lines(catalog) == sorted(expected.get("problems", []), key=lambda s: int(s.split()[0]))
    if "notes" in expected:
        assert problem_lines(catalog, ("info",)) == expected["notes"]
    want = expected["papers"]
    assert len(catalog.papers) == len(want), [p.key for p in catalog.papers]
    for paper, fields in zip(catalog.papers, want, strict=True):
        record = as_record(paper)
        where = f"{md.name}, paper {paper.key}"
        for name, value in fields.items():
            if name == "key":
                check_key(value, paper.key, where)
            elif value in (None, []):
                assert name not in record, f"{where}: {name} should be empty"
            else:
                assert record.get(name) == value, f"{where}: {name}"
    for topic, want_topic in zip(catalog.topics, expected.get("topics", []), strict=False):
        assert {"key": topic.key, "name": topic.name, "years": topic.years} == want_topic
    if "topics" in expected:
        assert len(catalog.topics) == len(expected["topics"])
    for name, value in expected.get("source", {}).items():
        assert getattr(catalog.source, name) == value


@pytest.mark.parametrize("md", BAD, ids=lambda p: p.stem)
def test_bad_fixture_reports_and_imports_the_rest(md):
    expected = expected_of(md)
    catalog = parse_file(md)
    assert problem_lines(catalog) == expected["problems"]
    assert [p.key for p in catalog.papers] == expected["papers"]


# -- the seed ---------------------------------------------------------------------------------------
def raw_entries(text: str) -> list[tuple[int, str, list[str]]]:
    """An independent, simple reading of the seed: each `[[paper]]` line, its title, and the line after
    it split on ', ' with the italic venue and final full stop cut off."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("- ") and "[[paper]]" in line:
            title = line[2:line.index("[[paper]]")].strip().removesuffix(".")
            people = lines[i + 1].strip().removeprefix("- ")
            people = re.sub(r"\s*\*[^*]+\*\s*$", "", people).strip().removesuffix(".")
            found.append((i + 1, title, people.split(", ") if people else []))
    return found


@pytest.fixture(scope="module")
def seed(seed_text):
    return parse(seed_text, "awesome-deep-phenomena.md")


def test_seed_counts(seed, seed_text):
    raw = raw_entries(seed_text)
    assert len(raw) == 210
    assert sum(len(p.listings) for p in seed.papers) == 210
    assert len(seed.papers) == 209
    assert not [p for p in seed.problems if p.severity == "error"]
    listed = sorted(x.line for p in seed.papers for x in p.listings)
    assert listed == [line for line, _, _ in raw], "every [[paper]] line is a listing"


def test_seed_authors_in_order(seed, seed_text):
    by_line = {x.line: p for p in seed.papers for x in p.listings}
    for line, title, authors in raw_entries(seed_text):
        paper = by_line[line]
        if paper.listings[0].line == line:  # the first copy of the duplicate is the one kept
            assert paper.authors == authors, f"line {line}"
            assert paper.title == title, f"line {line}"


def test_seed_duplicate_reported_with_both_lines(seed):
    (dup,) = [p for p in seed.problems if p.code == "duplicate"]
    assert dup.line == 992
    assert "line 166" in dup.message
    assert "1812.05720" in dup.message
    paper = next(p for p in seed.papers if p.key == "arxiv-1812.05720")
    assert [(x.topic, x.line) for x in paper.listings] == [("empirical-study", 166), ("others", 992)]


def test_seed_matches_committed_data(seed, catalog):
    """data/ is the seed's import: re-importing gives the same papers (run `phenkg import` if not)."""
    assert [p.content() for p in seed.papers] == [p.content() for p in catalog.papers]
    assert [x.line for p in seed.papers for x in p.listings] == [
        x.line for p in catalog.papers for x in p.listings]


def test_seed_digest_and_keywords_follow_the_raw_lines(seed, seed_text):
    lines = seed_text.splitlines()
    for paper in seed.papers:
        first = paper.listings[0].line
        block = lines[first:next((i for i in range(first, len(lines)) if not lines[i].strip()), None)]
        subs: list[str] = []
        for x in block:  # a line that is not a sub-item continues the one before (a wrapped digest)
            if re.match(r"\s+- |\s+(Key Word|Digest):", x):
                subs.append(x.strip().removeprefix("- "))
            else:
                subs[-1] += " " + x
        labelled = [x.split(":", 1) for x in subs if re.match(r"[\w ]+:", x)]
        digests = [text for label, text in labelled if label == "Digest"]
        keywords = [text for label, text in labelled
                    if label.lower().replace(" ", "") in ("keyword", "keywrod")]
        if digests:  # the last one: a first 'Digest:' line may be keywords mislabelled
            assert paper.digest == " ".join(digests[-1].split()), paper.key
        words = keywords[0] if keywords else digests[0] if len(digests) > 1 else ""
        want = [w.strip() for w in words.strip().rstrip(".").split(";") if w.strip()]
        assert paper.keywords == want, paper.key


# -- regressions and units --------------------------------------------------------------------------
def test_closing_details_tag_is_not_stray_text():
    text = ("# L\n\n## A\n\n<details><summary>A: 2021</summary>\n\n"
            "- T. [[paper]](https://arxiv.org/abs/2101.00001)\n  - X Y.\n\n</details>\n")
    catalog = parse(text)
    assert [p.code for p in catalog.problems if p.severity != "info"] == []
    assert catalog.topics[0].years == [2021]


def test_decode_rejects_binary_and_latin1():
    with pytest.raises(UnusableInputError, match="NUL byte") as info:
        decode(b"# L\n\x00\x01", "x.md")
    assert info.value.path == "x.md"
    with pytest.raises(UnusableInputError, match="not UTF-8") as info:
        decode("# Liste\n\n## Thème\n".encode("latin-1") + b"more\n", "x.md")
    assert info.value.line == 3


def test_decode_cut_mid_character_warns():
    text, problems = decode("# L\n\n## Zoë".encode()[:-1], "x.md")
    assert text.endswith("## Zo")
    assert [(p.line, p.code) for p in problems] == [(3, "truncated")]


def test_not_a_list_is_unusable():
    with pytest.raises(UnusableInputError, match="not an awesome list"):
        parse("just some prose\n\nand more prose\n", "prose.md")


@pytest.mark.parametrize(("text", "names"), [
    ("Ann One, Bob Two.", ["Ann One", "Bob Two"]),
    ("Ann One and Bob Two", ["Ann One", "Bob Two"]),
    ("Ann One, Bob Two, and Carl Three.", ["Ann One", "Bob Two", "Carl Three"]),
    ("Phillip E. Pope, Tom Goldstein.", ["Phillip E. Pope", "Tom Goldstein"]),
    ("Zoë Ünicode, Åsa Öberg.", ["Zoë Ünicode", "Åsa Öberg"]),
    ("Ann One; Bob Two; Carl Three.", ["Ann One", "Bob Two", "Carl Three"]),
    ("Chao Ma, Weinan E.", ["Chao Ma", "Weinan E"]),          # the line's full stop, not the initial's
    ("Weinan E, Chao Ma.", ["Weinan E", "Chao Ma"]),
    ("Smith J., Doe A.", ["Smith J.", "Doe A."]),            # every name ends in an initial: kept
])
def test_split_authors(text, names):
    assert split_authors(text) == names
