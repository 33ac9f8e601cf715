"""The canonical store: same data, same bytes; scalars that YAML reads back unchanged; the fast
reader agrees with PyYAML; malformed data/ gives a DataError naming file, record and a hint."""

from __future__ import annotations

import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenkg.errors import DataError
from phenkg.safeyaml import HIDDEN_VALUE
from phenkg.store import (
    NotCanonical,
    load_canonical,
    read_catalog,
    render_files,
    scalar,
    write_catalog,
)

from .conftest import DATA

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
TRICKY = st.sampled_from([
    "", " lead", "trail ", "a: b", "a #b", "a#b", "ab:", "yes", "No", "ON", "off", "null", "~", "123", "-7",
    "0x1F", "1e3", "2022-05-17", ".inf", "- item", "? q", "@at", "`tick", "'quoted'", '"dq"', "a\tb",
    "line\u2028sep", "para\u2029sep", "nel\x85", "del\x7f", "c1\x80", "bom\ufeff", "x\ufffe", "emoji 😀",
    "Piotr Dollár", "[flow]", "{flow}", "a, b", "%pct", "!tag", "&anchor", "*alias", "|", ">", "a\nb",
    "a\r\nb", "\\back", "nbsp\u00a0",
])


def yaml_value(text: str):
    return yaml.load(f"v: {text}\n", Loader=yaml.CSafeLoader)["v"]


@SETTINGS
@given(st.one_of(TEXT, TRICKY, st.lists(TRICKY, min_size=1, max_size=4).map("".join)))
def test_scalar_round_trips_through_yaml(text):
    assert yaml_value(scalar(text)) == text
    assert yaml.load(f"v: {scalar(text)}\n", Loader=yaml.SafeLoader)["v"] == text


@pytest.mark.parametrize("text", ["x\x80", "del\x7f", "a\ufffe", "nel\x85b", "a\u2028b"])
def test_regression_unprintable_characters_are_escaped(text):
    """These were written raw, and YAML refused them or read them as line breaks."""
    written = scalar(text)
    assert written.isascii() or not any(c in written for c in "\x7f\x80\x85\ufffe\u2028")
    assert yaml_value(written) == text


FIELD = st.sampled_from(["key", "title", "url", "links", "kind", "authors", "venue", "year", "line", "x_y"])
RECORD = st.recursive(
    st.one_of(TEXT, TRICKY, st.integers(-10**6, 10**6)),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(FIELD, inner, min_size=1, max_size=3)),
    max_leaves=12)


@SETTINGS
@given(st.lists(st.dictionaries(FIELD, RECORD,
                                min_size=1, max_size=4), max_size=4))
def test_fast_reader_agrees_with_yaml(records):
    from phenkg.store import dump_records
    text = dump_records(list(r.items()) for r in records)
    try:
        fast = load_canonical(text)
    except NotCanonical:
        fast = "not canonical"
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    assert fast in (expected, "not canonical")
    if not any(v in ([], {}) for r in records for v in r.values()) and not HIDDEN_VALUE.search(text_of(expected)):
        assert fast == expected


def text_of(value) -> str:
    """Every string in a loaded value, joined (the fast reader leaves hidden characters to the strict one)."""
    if isinstance(value, dict):
        return "".join(text_of(k) + text_of(v) for k, v in value.items())
    if isinstance(value, list):
        return "".join(map(text_of, value))
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("text", [
    "- key: a\n  title: 3D shapes\n",        # a plain scalar YAML may read otherwise
    "- key: a\n  year: 017\n",              # octal in YAML 1.1
    "- key: a\n  authors: [A, B]\n",         # flow style
    "- key: a\n  title: x # comment\n",
    "- key: a\n  key: b\n",                  # duplicate field
    "- key: a\n  on: b\n",                   # a field name YAML reads as true
    '- key: "a\\x41"\n',                     # a YAML-only escape
    "- key: a\n  title: |\n    block\n",
])
def test_fast_reader_refuses_what_it_does_not_write(text):
    with pytest.raises(NotCanonical):
        load_canonical(text)


def test_data_files_read_the_same_both_ways():
    for path in DATA.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert load_canonical(text) == yaml.load(text, Loader=yaml.CSafeLoader), path.name


def test_writing_twice_gives_the_same_bytes(tmp_path, catalog):
    write_catalog(catalog, tmp_path / "a")
    write_catalog(read_catalog(tmp_path / "a"), tmp_path / "b")
    for name in render_files(catalog):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes() == (
            DATA / name).read_bytes()


# -- malformed data/ --------------------------------------------------------------------------------
@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("papers.yaml", "  title: Limitations", "  title: [Limitations", "not valid YAML"),
    ("papers.yaml", "  title: Limitations", "  titel: Limitations", "titel: unknown field"),
    ("papers.yaml", "    year: 2022\n    line: 19", "    year: soon\n    line: 19", "year: must be a number"),
    ("papers.yaml", "  - topic: empirical-study\n    year: 2022\n    line: 19",
     "  - topic: emprical-study\n    year: 2022\n    line: 19", "unknown topic 'emprical-study'"),
    ("papers.yaml", "- key: arxiv-2111.06377", "- key: arxiv-2202.08384", "appears twice"),
    ("topics.yaml", "- key: others\n  name: Others", "- key: others", "name: is required"),
])
def test_malformed_data_is_a_located_error(data_copy, file, old, new, message):
    edit(data_copy / file, old, new)
    with pytest.raises(DataError) as info:
        read_catalog(data_copy)
    text = info.value.describe()
    assert message in text
    assert str(data_copy / file) in text
    if "YAML" not in message:
        assert "paper" in text or "topic" in text  # names the record
        assert info.value.hint


def test_missing_data_dir_says_what_to_run(tmp_path):
    with pytest.raises(DataError, match="missing") as info:
        read_catalog(tmp_path)
    assert "phenkg import" in info.value.hint
