"""Several lists in one data/: `phenkg import A.md B.md --data DIR`."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenkg.cli import main
from phenkg.graph import triples
from phenkg.store import SOURCES, read_catalog

LISTS = Path(__file__).parent / "data" / "lists"
BOLD, TABLE = LISTS / "small-bold-year.md", LISTS / "small-table.md"


def test_a_paper_in_two_lists_is_one_paper_with_a_listing_from_each(tmp_path):
    assert main(["import", str(BOLD), str(TABLE), "--data", str(tmp_path)]) == 0
    catalog = read_catalog(tmp_path)
    assert [s.file for s in catalog.sources] == ["papers-with-code-invented.md"]
    assert (tmp_path / "papers-with-code-invented.md").read_bytes() == TABLE.read_bytes()
    resnet = next(p for p in catalog.papers if p.key == "arxiv-1512.03385")
    assert [(x.source, x.line) for x in resnet.listings] == [(None, 5), ("papers-with-code-invented.md", 6)]
    # the first list's fields stay; what it lacks comes from the other (here the code link)
    assert (resnet.title, resnet.authors, resnet.code_urls) == (
        "Deep residual learning for image recognition", ["K. He"],
        ["https://github.com/KaimingHe/deep-residual-networks"])
    assert len(catalog.papers) == 3
    assert any(p.code == "in-several-lists" and p.file == "papers-with-code-invented.md"
               for p in catalog.problems)
    graph = "\n".join(triples(catalog, "https://example.org/"))
    assert graph.count("<https://example.org/paper/arxiv-1512.03385> <http://www.w3.org/ns/prov#wasDerivedFrom>") == 2
    assert "<https://example.org/source/papers-with-code-invented-md>" in graph


def test_one_list_writes_no_sources_file(tmp_path):
    assert main(["import", str(BOLD), str(TABLE), "--data", str(tmp_path)]) == 0
    assert (tmp_path / SOURCES).exists()
    assert main(["import", str(BOLD), "--data", str(tmp_path), "--force"]) == 0
    assert not (tmp_path / SOURCES).exists()
    assert read_catalog(tmp_path).sources == []


def test_provenance_options_describe_one_list(tmp_path, capsys):
    assert main(["import", str(BOLD), str(TABLE), "--data", str(tmp_path), "--commit", "abc"]) == 2
    assert "describes one list" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["bold-year", "table"])
def test_format_option_forces_a_grammar(tmp_path, fmt):
    path = BOLD if fmt == "bold-year" else TABLE
    assert main(["import", str(path), "--data", str(tmp_path), "--format", fmt]) == 0
    assert len(read_catalog(tmp_path).papers) == 2


def test_adding_a_list_to_data_gives_what_importing_both_gives(tmp_path):
    both, added = tmp_path / "both", tmp_path / "added"
    assert main(["import", str(BOLD), str(TABLE), "--data", str(both)]) == 0
    assert main(["import", str(BOLD), "--data", str(added)]) == 0
    assert main(["import", str(TABLE), "--data", str(added), "--add", "--commit", "abc1234"]) == 0
    catalog = read_catalog(added)
    assert [(s.file, s.commit) for s in catalog.sources] == [("papers-with-code-invented.md", "abc1234")]
    assert [p.content() for p in catalog.papers] == [p.content() for p in read_catalog(both).papers]
    assert sorted(x.name for x in added.iterdir()) == sorted(x.name for x in both.iterdir())


def test_adding_a_list_twice_is_refused(tmp_path, capsys):
    assert main(["import", str(BOLD), str(TABLE), "--data", str(tmp_path)]) == 0
    before = {x.name: x.read_bytes() for x in tmp_path.iterdir()}
    assert main(["import", str(TABLE), "--data", str(tmp_path), "--add"]) == 2
    assert "already holds the list" in capsys.readouterr().err
    assert {x.name: x.read_bytes() for x in tmp_path.iterdir()} == before
