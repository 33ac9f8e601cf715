"""Incremental builds (phenkg.incremental, phenkg.rebuild) write the same bytes as clean ones.

A synthetic data/ is edited at random (seeded), round after round: a title changed (with quotes,
backslashes, newlines and non-ASCII), a paper added or removed, a listing moved to another topic,
authors added, dropped or reordered, keywords changed, a duplicate title made (a warning). After each
round the same catalog is built incrementally into one dist/ and clean into another, and every file
is compared byte for byte; the store by its quads, store.json exactly. A cache from another phenkg,
a corrupt index and a hand-edited dump are ignored, never trusted.
"""

from __future__ import annotations

import copy
import filecmp
import json
import os
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from phenkg import cli, incremental
from phenkg.model import Catalog, Link, Listing, Paper
from phenkg.rebuild import build
from phenkg.store import read_catalog

from .synthetic import awesome_list

BASE = "https://w3id.org/phenkg/"
REUSED = "incremental build: reusing"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Catalog:
    tmp = tmp_path_factory.mktemp("incremental")
    listing = tmp / "list.md"
    listing.write_text(awesome_list(150), encoding="utf-8")
    assert cli.main(["import", str(listing), "--data", str(tmp / "data"), "--repository",
                     "https://example.org/synthetic", "--commit", "0000000", "--date", "2025-01-01"]) == 0
    return read_catalog(tmp / "data")


def assert_same(incremental_dist: Path, clean_dist: Path) -> None:
    names = sorted(p.name for p in clean_dist.iterdir())
    assert names == sorted(p.name for p in incremental_dist.iterdir())
    for name in names:
        if name == "store":
            quads = [sorted(map(str, ox.Store.read_only(str(d / name)))) for d in (incremental_dist, clean_dist)]
            assert quads[0] == quads[1], "the stores differ"
        elif (clean_dist / name).is_dir():    # the charts
            assert_same(incremental_dist / name, clean_dist / name)
        else:
            assert filecmp.cmp(incremental_dist / name, clean_dist / name, shallow=False), f"{name} differs"


TITLES = ['A "Quoted" Title', "Back\\slash and tab\there", "Two\nlines", "Ünïcödé — ∞ ✓", "  spaced  "]


KINDS = ["title", "add", "remove", "topic", "authors", "keywords", "duplicate", "nothing"]


def edit(papers: list[Paper], topics: list[str], rng: random.Random, n: int, kind: str) -> str:
    """One edit of `papers` in place, of a random paper."""
    paper = rng.choice(papers)
    if kind == "title":
        paper.title = rng.choice(TITLES) + f" {n}"
    elif kind == "add":
        new = copy.deepcopy(paper)
        new.key, new.title, new.url = f"added-{n}", f"An Added Paper {n}", f"https://example.org/added/{n}"
        new.links = [Link("code", f"https://github.com/someone/added-{n}")]
        papers.insert(rng.randrange(len(papers) + 1), new)
    elif kind == "remove" and len(papers) > 20:
        papers.remove(paper)
    elif kind == "topic":
        paper.listings[0] = Listing(rng.choice(topics), paper.listings[0].year, paper.listings[0].line)
    elif kind == "authors":
        action = rng.choice(["add", "drop", "reorder"])
        if action == "add":
            paper.authors.append(f"Newcomer Author{n}")
        elif action == "drop" and len(paper.authors) > 1:
            paper.authors.pop(rng.randrange(len(paper.authors)))
        else:
            rng.shuffle(paper.authors)
    elif kind == "keywords":
        paper.keywords = [*paper.keywords[1:], f"Fresh Keyword {n}"]
    elif kind == "duplicate":
        paper.title = rng.choice(papers).title
    return kind


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_build_the_same_bytes_as_clean_builds(synthetic, tmp_path, capsys, seed):
    rng = random.Random(seed)
    papers = copy.deepcopy(synthetic.papers)
    topics = [t.key for t in synthetic.topics]
    dist = tmp_path / "dist"
    build(Catalog(synthetic.source, synthetic.topics, papers), dist, BASE)
    kinds: list[str] = []
    planned = rng.sample(KINDS, len(KINDS))     # every kind of edit, then more at random
    for n in range(7):
        for _ in range(rng.choice([1, 1, 2, 4])):
            kind = planned.pop() if planned else rng.choice(KINDS)
            kinds.append(edit(papers, topics, rng, len(kinds), kind))
        catalog = Catalog(synthetic.source, synthetic.topics, copy.deepcopy(papers))
        capsys.readouterr()
        incremental_result = build(catalog, dist, BASE)
        assert REUSED in capsys.readouterr().err, "the incremental path was not taken"
        clean = tmp_path / f"clean-{n}"
        clean_result = build(Catalog(synthetic.source, synthetic.topics, copy.deepcopy(papers)), clean, BASE,
                             incremental=False)
        assert_same(dist, clean)
        assert (incremental_result.conforms, incremental_result.triples) == (clean_result.conforms,
                                                                              clean_result.triples)
    assert {"title", "add", "remove", "authors"} <= set(kinds), kinds


def test_some_formats_only_and_a_no_op(synthetic, tmp_path, capsys):
    formats = frozenset({"nt", "ttl", "trig", "jsonld"})
    dist, clean = tmp_path / "dist", tmp_path / "clean"
    build(synthetic, dist, BASE, formats=formats)
    capsys.readouterr()
    build(synthetic, dist, BASE, formats=formats)
    err = capsys.readouterr().err
    assert REUSED in err
    assert "the previous report stands" in err
    build(synthetic, clean, BASE, formats=formats, incremental=False)
    assert_same(dist, clean)


def _cache_dir(dist: Path) -> Path:
    return incremental.Cache(dist, BASE, frozenset(), "").dir


@pytest.mark.parametrize("spoil", ["index", "manifest", "code", "dump"])
def test_a_cache_that_does_not_check_out_is_not_used(synthetic, tmp_path, capsys, spoil):
    dist, clean = tmp_path / "dist", tmp_path / "clean"
    build(synthetic, dist, BASE)
    cache = _cache_dir(dist)
    if spoil == "index":
        data = bytearray((cache / "index.bin").read_bytes())
        data[100:120] = bytes(20)
        (cache / "index.bin").write_bytes(bytes(data))
    elif spoil == "manifest":
        (cache / "manifest.json").write_text("{not json", encoding="utf-8")
    elif spoil == "code":
        manifest = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))
        manifest["identity"]["code"] = "another phenkg"
        (cache / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    else:  # a dump edited by hand: same bytes elsewhere would be copied from it
        ttl = dist / "phenkg.ttl"
        ttl.write_bytes(ttl.read_bytes().replace(b"Synthetic", b"Spoiled!!"))
    papers = copy.deepcopy(synthetic.papers)
    papers[3].title = "A Changed Title"
    capsys.readouterr()
    build(Catalog(synthetic.source, synthetic.topics, papers), dist, BASE)
    assert REUSED not in capsys.readouterr().err
    build(Catalog(synthetic.source, synthetic.topics, copy.deepcopy(papers)), clean, BASE, incremental=False)
    assert_same(dist, clean)


def test_the_serve_cache_pruning_leaves_the_build_cache_alone(tmp_path):
    from phenkg import storedir

    builds = [tmp_path / f"{n:020x}" for n in range(6)]
    for n, path in enumerate(builds):
        path.mkdir()
        os.utime(path, (n, n))
    (tmp_path / "incremental").mkdir()
    storedir.prune(tmp_path, keep=builds[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["incremental", builds[0].name, *(b.name for b in builds[-(storedir.KEEP - 1):])])


def test_the_two_process_path_of_a_large_build(synthetic, tmp_path, capsys, monkeypatch):
    """Past export.PARALLEL papers the validator runs in another process, fed as the lines are
    written, and is stopped when the graph turns out unchanged."""
    from phenkg import export, rebuild

    monkeypatch.setattr(export, "PARALLEL", 50)
    monkeypatch.setattr(rebuild, "PARALLEL", 50)
    dist, clean = tmp_path / "dist", tmp_path / "clean"
    build(synthetic, dist, BASE)
    papers = copy.deepcopy(synthetic.papers)
    papers[7].title, papers[9].authors = "A Title Changed", papers[9].authors[::-1]
    capsys.readouterr()
    build(Catalog(synthetic.source, synthetic.topics, papers), dist, BASE)
    assert REUSED in capsys.readouterr().err
    build(Catalog(synthetic.source, synthetic.topics, copy.deepcopy(papers)), clean, BASE, incremental=False)
    assert_same(dist, clean)
    build(Catalog(synthetic.source, synthetic.topics, copy.deepcopy(papers)), dist, BASE)
    assert "the previous report stands" in capsys.readouterr().err
    assert_same(dist, clean)
    assert not [p for p in dist.iterdir() if p.name.startswith(".")]


def test_the_notes_of_a_removed_out_are_dropped(synthetic, tmp_path):
    gone, kept = tmp_path / "gone", tmp_path / "kept"
    build(synthetic, gone, BASE, formats=frozenset({"nt"}))
    notes = _cache_dir(gone)
    assert (notes / "manifest.json").is_file()
    shutil.rmtree(gone)
    build(synthetic, kept, BASE, formats=frozenset({"nt"}))
    assert not notes.exists()
    assert (_cache_dir(kept) / "manifest.json").is_file()


def test_a_cache_that_cannot_be_written_does_not_fail_the_build(synthetic, tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache would go", encoding="utf-8")
    monkeypatch.setenv("PHENKG_CACHE", str(blocked))
    result = build(synthetic, tmp_path / "dist", BASE, formats=frozenset({"nt"}))
    assert result.conforms
    assert "the build cache could not be written" in capsys.readouterr().err
    assert (tmp_path / "dist" / "phenkg.nt").is_file()
