"""JSON-LD: the reference processor (npm jsonld) reads our dump as the same graph, and framing with our
frame gives exactly `paper_document`; authors come in authorship order; no remote context."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from phenkg import graph
from phenkg.export import atomic_output, write_format
from phenkg.formats import EXPORTS
from phenkg.jsonld import context, load_frame, node_document, paper_document
from phenkg.vocab import Iris

from .conftest import BASE, ROOT

JS = ROOT / "tests" / "js"
RESOURCES = ROOT / "src" / "phenkg" / "resources"


def node_ready() -> bool:
    return bool(shutil.which("node")) and (ROOT / "node_modules" / "jsonld").is_dir()


needs_node = pytest.mark.skipif(not node_ready(), reason="needs node and `npm install` (npm package jsonld)")


@pytest.fixture(scope="module")
def files(tmp_path_factory, catalog):
    out = tmp_path_factory.mktemp("jsonld")
    (out / "graph.nt").write_text("\n".join(graph.triples(catalog, BASE)) + "\n", encoding="utf-8")
    with atomic_output(out / "graph.jsonld") as stream:
        write_format(EXPORTS["jsonld"], graph.blocks(catalog, BASE), stream, BASE)
    return out


@pytest.fixture(scope="module")
def store(files):
    s = ox.Store()
    s.bulk_load(path=str(files / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    return s


def sorted_lines(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.strip())


@needs_node
def test_reference_processor_reads_the_same_graph(files):
    run = subprocess.run(["node", str(JS / "jsonld_tordf.mjs"), str(files / "graph.jsonld")],
                         capture_output=True, text=True, check=True)
    ours = (files / "graph.nt").read_text(encoding="utf-8")
    assert sorted_lines(run.stdout) == sorted_lines(ours)


@needs_node
def test_a_json_ld_1_0_processor_reads_the_same_graph(files):
    """Nothing in the context needs JSON-LD 1.1, so it must not declare `@version: 1.1` (which a 1.0
    processor refuses) and a 1.0 processor must read the dump as our N-Triples."""
    run = subprocess.run(["node", str(JS / "jsonld_tordf.mjs"), str(files / "graph.jsonld"), "1.0"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    ours = (files / "graph.nt").read_text(encoding="utf-8")
    assert sorted_lines(run.stdout) == sorted_lines(ours)


def test_pyoxigraph_reads_the_same_graph(files):
    got = {str(ox.Triple(q.subject, q.predicate, q.object))
           for q in ox.parse(path=str(files / "graph.jsonld"), format=ox.RdfFormat.JSON_LD)}
    want = {str(t) for t in ox.parse(path=str(files / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert got == want


def test_dump_is_compacted_with_the_inline_context(files, catalog):
    doc = json.loads((files / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == context()
    nodes = {n["@id"]: n for n in doc["@graph"]}
    assert len(nodes) == len(doc["@graph"])  # one node object per subject
    iris = Iris(BASE)
    paper = nodes[iris.paper(catalog.papers[0].key)]
    assert "ScholarlyArticle" in paper["@type"]
    assert paper["name"] == catalog.papers[0].title
    for p in catalog.papers:
        node = nodes[iris.paper(p.key)]
        want = list(dict.fromkeys(iris.author(catalog.keys.authors[n]) for n in p.authors))
        assert node.get("author", []) == want, p.key
        assert isinstance(node.get("listYear", 0), int | list)


def test_context_is_shipped_and_never_remote():
    text = (RESOURCES / "context.jsonld").read_text(encoding="utf-8")
    ctx = json.loads(text)["@context"]
    assert isinstance(ctx, dict)
    assert "@import" not in text
    assert ctx["@vocab"] == "https://schema.org/"
    for name in ("name", "url", "author", "keywords", "about"):
        assert ctx[name]["@id"].startswith("https://schema.org/"), name
    frame = load_frame("paper")
    assert frame["@context"] == ctx


@needs_node
def test_framing_gives_paper_document(files, store, catalog):
    iris = Iris(BASE)
    papers = [iris.paper(p.key) for p in catalog.papers[::20]]
    papers.append(iris.paper(max(catalog.papers, key=lambda p: (len(p.authors), len(p.links))).key))
    frame, ctx = RESOURCES / "frames" / "paper.jsonld", RESOURCES / "context.jsonld"
    script = JS / "jsonld_frame.mjs"
    run = subprocess.run(["node", str(script), str(files / "graph.jsonld"), str(frame), str(ctx), *papers],
                         capture_output=True, text=True, check=True)
    framed = json.loads(run.stdout)
    assert len(framed) == len(papers)
    for iri, doc in zip(papers, framed, strict=True):
        ours = paper_document(store, iri, BASE)
        doc["@context"] = context()  # the frame references the shipped context by name
        assert ours == doc, iri


def test_paper_document_embeds_in_order_and_is_fast(store, catalog):
    iris = Iris(BASE)
    paper = max(catalog.papers, key=lambda p: len(p.authors))
    iri = iris.paper(paper.key)
    doc = paper_document(store, iri, BASE)
    assert [a["name"] for a in doc["author"]] == list(dict.fromkeys(paper.authors))
    assert {t["@id"] for t in doc["about"]} == {iris.topic(x.topic) for x in paper.listings}
    assert paper_document(catalog, iri, BASE) == doc
    assert paper_document(store, iris.paper("no-such-paper"), BASE) is None
    timings = []
    for p in catalog.papers[:50]:
        started = time.perf_counter()
        paper_document(store, iris.paper(p.key), BASE)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.02


@needs_node
def test_node_documents_expand_to_graph_triples(files, store, catalog, tmp_path):
    iris, keys = Iris(BASE), catalog.keys
    paper = next(p for p in catalog.papers if p.venue and p.code_urls and p.keywords)
    wanted = {iris.author(keys.authors[paper.authors[0]]): "authorOf",
              iris.topic(paper.listings[0].topic): "topicOf",
              iris.keyword(keys.keywords[paper.keywords[0]]): "keywordOf",
              iris.venue(paper.venue.key): "venueOf",
              iris.repo(keys.repos[paper.code_urls[0]]): "codeOf"}
    graph_lines = set(sorted_lines((files / "graph.nt").read_text(encoding="utf-8")))
    for iri, reverse in wanted.items():
        doc = node_document(store, iri)
        assert iris.paper(paper.key) in [x["@id"] for x in doc[reverse]], iri
        path = tmp_path / "node.jsonld"
        path.write_text(json.dumps(doc), encoding="utf-8")
        run = subprocess.run(["node", str(JS / "jsonld_tordf.mjs"), str(path)],
                             capture_output=True, text=True, check=True)
        assert set(sorted_lines(run.stdout)) <= graph_lines, iri
    assert node_document(store, iris.author("nobody-at-all")) is None


def test_frame_file_is_valid_json(tmp_path: Path):
    for path in (RESOURCES / "frames").glob("*.jsonld"):   # the context served at /context.jsonld
        assert json.loads(path.read_text(encoding="utf-8"))["@context"] == f"{BASE}context.jsonld", path
