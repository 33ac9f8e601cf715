"""Exports: one table of formats, every file the same graph, independent readers agree, builds repeat."""

from __future__ import annotations

import io
import multiprocessing
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phenkg import graph
from phenkg.cli import parser
from phenkg.export import TrigFromTurtle, atomic_output, build, graph_name
from phenkg.formats import CITATIONS, EXPORTS

from .conftest import BASE, DATA

PARSE_AS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


@pytest.fixture(scope="module")
def dist(tmp_path_factory, catalog):
    out = tmp_path_factory.mktemp("dist")
    result = build(catalog, out, BASE)
    return out, result


def triple_set(path: Path, fmt: ox.RdfFormat) -> set[str]:
    """The file's statements as N-Triples strings, graph names dropped."""
    return {f"{q.subject} {q.predicate} {q.object} ." for q in ox.parse(path=str(path), format=fmt)}


def expected(catalog) -> set[str]:
    """Our graph, normalised by pyoxigraph's N-Triples writer."""
    text = ("\n".join(graph.triples(catalog, BASE)) + "\n").encode()
    return {f"{t.subject} {t.predicate} {t.object} ." for t in ox.parse(text, ox.RdfFormat.N_TRIPLES)}


def test_format_table_matches_cli_choices():
    export = next(a for a in parser()._subparsers._group_actions[0].choices["export"]._actions
                  if a.dest == "format")
    assert sorted(export.choices) == sorted([*EXPORTS, *CITATIONS])
    assert len({f.extension for f in EXPORTS.values()}) == len(EXPORTS)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_export_is_the_graph(dist, catalog, name):
    out, _ = dist
    path = out / f"phenkg.{EXPORTS[name].extension}"
    got = triple_set(path, PARSE_AS[name])
    assert got == triple_set(out / "phenkg.ttl", ox.RdfFormat.TURTLE)
    assert got == expected(catalog)


@pytest.mark.parametrize("name", ["nq", "trig"])
def test_quad_formats_use_the_named_graph(dist, name):
    out, _ = dist
    names = {str(q.graph_name) for q in ox.parse(path=str(out / f"phenkg.{name}"), format=PARSE_AS[name])}
    assert names == {f"<{graph_name(BASE)}>"}


def test_turtle_groups_each_subject_once(dist):
    out, _ = dist
    text = (out / "phenkg.ttl").read_text(encoding="utf-8")
    starts = [line.split(" ", 1)[0] for line in text.splitlines() if line.startswith("<")]
    assert len(starts) == len(set(starts))
    assert "@prefix schema: <https://schema.org/> ." in text


@pytest.mark.parametrize(("name", "syntax"), [("ttl", "turtle"), ("nt", "ntriples"), ("rdf", "rdfxml"),
                                             ("nq", "nquads"), ("trig", "trig")])
def test_rapper_counts_the_same_triples(dist, catalog, name, syntax):
    if not shutil.which("rapper"):
        pytest.skip("rapper not installed (Debian raptor2-utils)")
    out, result = dist
    run = subprocess.run(["rapper", "-i", syntax, "-c", str(out / f"phenkg.{name}")],
                         capture_output=True, text=True, check=True)
    assert f"returned {len(expected(catalog))} triples" in run.stderr
    assert result.triples == len(expected(catalog))


def test_build_twice_gives_identical_bytes(dist, tmp_path):
    out, result = dist
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", str(again)],
                   check=True, capture_output=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert {p.name for p in result.files} == set(names)
    for name in names:
        if name == "charts":         # a folder of files, each the same bytes (phenkg.charts)
            assert folder_bytes(out / name) == folder_bytes(again / name)
            continue
        if (out / name).is_dir():    # the query store: an index whose files differ; its content may not
            assert store_quads(out / name) == store_quads(again / name)
            continue
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def folder_bytes(path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def store_quads(path) -> set:
    import pyoxigraph

    return set(pyoxigraph.Store.read_only(str(path)))


def test_export_to_stdout_equals_build_file(dist):
    out, _ = dist
    command = [sys.executable, "-m", "phenkg.cli", "export", "--data", str(DATA), "--format", "jsonld"]
    run = subprocess.run(command,
                         check=True, capture_output=True)
    assert run.stdout == (out / "phenkg.jsonld").read_bytes()


def test_ntriples_file_is_the_canonical_lines(dist, catalog):
    """The lines come sorted within each entity's block, unique, grouped by subject, and exactly as
    pyoxigraph's own N-Triples writer would write them."""
    out, _ = dist
    blocks = list(graph.blocks(catalog, BASE))
    assert all(lines == sorted(set(lines)) for lines in blocks)
    lines = [line for block in blocks for line in block]
    assert len(lines) == len(set(lines))
    subjects = [line.split(" ", 1)[0] for line in lines]
    runs = [s for i, s in enumerate(subjects) if i == 0 or subjects[i - 1] != s]
    assert len(runs) == len(set(runs))
    text = ("\n".join(lines) + "\n").encode()
    assert (out / "phenkg.nt").read_bytes() == text
    assert ox.serialize(ox.parse(text, ox.RdfFormat.N_TRIPLES), None, ox.RdfFormat.N_TRIPLES) == text


@given(st.text())
def test_literals_are_escaped_as_pyoxigraph_writes_them(text):
    assert graph.lit(text) == str(ox.Literal(text))


@pytest.mark.parametrize("name", ["nq", "trig", "ttl", "rdfxml"])
def test_export_to_stdout_equals_the_build_file_derived_differently(dist, name):
    """build derives N-Quads from the N-Triples file and TriG from the Turtle file; `export` writes
    them from the graph: the same bytes."""
    out, _ = dist
    run = subprocess.run([sys.executable, "-m", "phenkg.cli", "export", "--data", str(DATA), "--format", name],
                         check=True, capture_output=True)
    assert run.stdout == (out / f"phenkg.{EXPORTS[name].extension}").read_bytes()


def test_trig_wrapper_does_not_depend_on_how_turtle_arrives(dist):
    out, _ = dist
    turtle = (out / "phenkg.ttl").read_bytes()
    pieces = io.BytesIO()
    trig = TrigFromTurtle(pieces, graph_name(BASE))
    for i in range(0, 3003, 7):  # the prefix section cut at odd places
        trig.write(turtle[i:i + 7])
    trig.write(turtle[3003:])
    trig.close()
    assert pieces.getvalue() == (out / "phenkg.trig").read_bytes()
    empty = io.BytesIO()
    only_prefixes = TrigFromTurtle(empty, "http://example.org/g")
    only_prefixes.write(b"@prefix ex: <http://example.org/> .\n")
    only_prefixes.close()
    assert list(ox.parse(empty.getvalue(), ox.RdfFormat.TRIG)) == []


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "phenkg.ttl"
    target.write_bytes(b"old")
    def crash() -> None:
        with atomic_output(target) as stream:
            stream.write(b"half a fi")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["phenkg.ttl"]


def test_background_validation_gives_the_same_build(catalog, tmp_path, monkeypatch):
    """Large graphs are validated and exported by two more processes: the same files."""
    from phenkg import export

    inline = export.build(catalog, tmp_path / "inline", BASE)
    monkeypatch.setattr(export, "PARALLEL", 0)
    background = export.build(catalog, tmp_path / "background", BASE)
    assert background.conforms == inline.conforms
    assert [p.name for p in background.files] == [p.name for p in inline.files]
    for path in inline.files:
        if path.name == "charts":
            assert folder_bytes(tmp_path / "background" / path.name) == folder_bytes(path)
            continue
        if path.is_dir():
            assert store_quads(tmp_path / "background" / path.name) == store_quads(path)
            continue
        assert (tmp_path / "background" / path.name).read_bytes() == path.read_bytes(), path.name


def test_fed_validation_falls_back_when_the_lines_are_not_grouped(catalog, tmp_path):
    """The validator's first pass reads the lines as the build sends them; lines it cannot stream are
    read to their end before the (then whole) file is validated another way: the same report."""
    import threading

    from phenkg import export
    from phenkg.validate import validate_store

    lines = list(graph.triples(catalog, BASE))
    lines = lines[1::2] + lines[::2]  # subjects no longer grouped
    nt = tmp_path / "phenkg.nt"
    received, feed = multiprocessing.Pipe(duplex=False)

    def build_side() -> None:
        export.write_ntriples([lines[i:i + 500] for i in range(0, len(lines), 500)], nt, feed)

    writer = threading.Thread(target=build_side)
    export._Feed.receive(received)
    try:
        writer.start()
        result = export.validate_files(nt, tmp_path, graph.source_lines(catalog, BASE), fed=True)
    finally:
        export._Feed.connection = None
    writer.join(timeout=30)
    assert not writer.is_alive()
    store = ox.Store()
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(lines)
    assert result.conforms == validate_store(store).conforms
    assert (tmp_path / "validation.ttl").read_bytes() == export.canonical_turtle(validate_store(store).to_turtle())


def test_a_failing_build_does_not_leave_the_validator_waiting(catalog, tmp_path, monkeypatch):
    from phenkg import export

    blocks = list(graph.blocks(catalog, BASE))[:50]

    def broken(*args, **kwargs):
        yield from blocks
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(export, "PARALLEL", 0)
    monkeypatch.setattr(export.graph, "blocks", broken)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the disk is full"):
        export.build(catalog, tmp_path / "dist", BASE)
    assert time.monotonic() - started < 60
    assert not (tmp_path / "dist" / "phenkg.nt").exists()
