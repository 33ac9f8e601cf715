"""`phenkg build --formats`: a large list need not pay for dumps nobody reads (issue 20)."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph
import pytest

from phenkg.export import BUILDABLE, OUTPUTS

from .conftest import DATA


def build(out, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", str(out),
                           *extra], capture_output=True, text=True, timeout=300, check=False)


def downloads(dist) -> set[str]:
    """The dump files the build's dataset description offers."""
    void = pyoxigraph.Store()
    void.load(path=str(dist / "void.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    query = "SELECT ?url WHERE { ?d <http://www.w3.org/ns/dcat#downloadURL> ?url }"
    return {row["url"].value.rsplit("/", 1)[1] for row in void.query(query)}


def test_only_the_chosen_dumps_are_written_and_described(tmp_path):
    done = build(tmp_path / "dist", "--formats", "ttl,jsonld")
    assert done.returncode == 0, done.stderr
    names = {p.name for p in (tmp_path / "dist").iterdir()}
    assert {"phenkg.nt", "phenkg.ttl", "phenkg.jsonld", "void.ttl", "validation.txt"} <= names
    assert not names & {"phenkg.nq", "phenkg.trig", "phenkg.rdf", "store", "store.json", "charts"}
    assert names <= OUTPUTS
    assert downloads(tmp_path / "dist") == {"phenkg.nt", "phenkg.ttl", "phenkg.jsonld"}


def test_rebuilding_with_fewer_formats_leaves_no_stale_dump(tmp_path):
    dist = tmp_path / "dist"
    assert build(dist).returncode == 0
    assert (dist / "phenkg.rdf").is_file()
    assert (dist / "store.json").is_file()
    assert (dist / "charts" / "keywords.svg").is_file()     # charts are built by default (phenkg.charts)
    done = build(dist, "--formats", "store")
    assert done.returncode == 0, done.stderr
    names = {p.name for p in dist.iterdir()}
    assert not names & {"phenkg.rdf", "charts"}      # the old set was replaced, not added to
    assert {"phenkg.nt", "store", "store.json"} <= names
    assert downloads(dist) == {"phenkg.nt"}


@pytest.mark.parametrize("value", ["ttl,xml", "turtle", "nt,,bogus"])
def test_an_unknown_format_is_refused_before_anything_is_done(tmp_path, value):
    done = build(tmp_path / "dist", "--formats", value)
    assert done.returncode == 2
    assert "unknown format" in done.stderr
    assert all(name in done.stderr for name in BUILDABLE)
    assert not (tmp_path / "dist").exists()


def test_charts_without_the_store_are_queried_from_the_ntriples(tmp_path):
    done = build(tmp_path / "dist", "--formats", "charts")
    assert done.returncode == 0, done.stderr
    names = {p.name for p in (tmp_path / "dist").iterdir()}
    assert "charts" in names
    assert "store" not in names
    assert (tmp_path / "dist" / "charts" / "papers-per-list-year.svg").is_file()
