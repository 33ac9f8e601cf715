"""The dataset description: VoID/DCAT counts equal the graph's, one distribution per file with its real
size, the source's repository and commit, and no licence invented."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pyoxigraph as ox
import pytest

from phenkg.export import build
from phenkg.formats import EXPORTS
from phenkg.vocab import DCAT, DCTERMS, PREFIXES, RDF, VOID, Iris

from .conftest import BASE, ROOT

Q = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@pytest.fixture(scope="module")
def dist(tmp_path_factory, catalog):
    out = tmp_path_factory.mktemp("describe")
    build(catalog, out, BASE)
    return out


@pytest.fixture(scope="module")
def void(dist):
    store = ox.Store()
    store.load(path=str(dist / "void.ttl"), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def data(dist):
    store = ox.Store()
    store.load(path=str(dist / "phenkg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def value(store, query: str) -> str:
    rows = list(store.query(Q + query))
    assert len(rows) == 1, query
    return rows[0][0].value


def test_counts_equal_the_graph(void, data):
    d = f"<{Iris(BASE).dataset}>"
    assert int(value(void, f"SELECT ?n {{ {d} void:triples ?n }}")) == len(data)
    subjects = {q.subject for q in data}
    assert int(value(void, f"SELECT ?n {{ {d} void:entities ?n }}")) == len(subjects)
    classes = Counter(q.object.value for q in data.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None))
    partitions = {r["c"].value: int(r["n"].value) for r in void.query(
        Q + f"SELECT ?c ?n {{ {d} void:classPartition ?p . ?p void:class ?c ; void:entities ?n }}")}
    assert partitions == dict(classes)
    assert partitions["https://w3id.org/phenkg/ontology#Paper"] > 0
    properties = Counter(q.predicate.value for q in data)
    assert {r["p"].value: int(r["n"].value) for r in void.query(
        Q + f"SELECT ?p ?n {{ {d} void:propertyPartition ?x . ?x void:property ?p ; void:triples ?n }}")} \
        == dict(properties)
    vocabularies = {r[0].value for r in void.query(Q + f"SELECT ?v {{ {d} void:vocabulary ?v }}")}
    assert {"https://schema.org/", "https://w3id.org/phenkg/ontology#"} <= vocabularies
    assert value(void, f"SELECT ?e {{ {d} void:sparqlEndpoint ?e }}") == BASE + "sparql"


def test_one_distribution_per_file_with_its_size(void, dist):
    rows = {r["url"].value: (r["type"].value, int(r["size"].value)) for r in void.query(
        Q + "SELECT ?url ?type ?size { ?d a dcat:Dataset ; dcat:distribution ?x ; void:dataDump ?url . "
        "?x dcat:downloadURL ?url ; dcat:mediaType ?type ; dcat:byteSize ?size }")}
    assert len(rows) == len(EXPORTS)
    for fmt in EXPORTS.values():
        path = dist / f"phenkg.{fmt.extension}"
        media, size = rows[f"{BASE}dist/{path.name}"]
        assert media.endswith("/" + fmt.media_type)
        assert size == path.stat().st_size
    schema = json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8"))
    assert schema["@type"] == "Dataset"
    sizes = {d["contentUrl"]: (d["encodingFormat"], d["contentSize"]) for d in schema["distribution"]}
    assert sizes == {url: (m.rsplit("/", 2)[-2] + "/" + m.rsplit("/", 1)[-1], f"{s} bytes")
                     for url, (m, s) in rows.items()}


def test_source_is_stated_and_no_licence_invented(void, dist, catalog):
    src = catalog.source
    d = f"<{Iris(BASE).dataset}>"
    assert value(void, f"SELECT ?s {{ {d} dcterms:source ?s }}") == src.repository
    assert value(void, f"SELECT ?c {{ {d} prov:wasDerivedFrom ?x . ?x phenkg:commit ?c }}") == src.commit
    assert "no licence" in value(void, f"SELECT ?c {{ {d} rdfs:comment ?c }}")
    licence_terms = [DCTERMS + "license", DCTERMS + "rights", "https://schema.org/license",
                     "http://creativecommons.org/ns#license", DCAT + "license"]
    for store in (void,):
        for term in licence_terms:
            assert not list(store.quads_for_pattern(None, ox.NamedNode(term), None)), term
    schema = json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8"))
    assert "license" not in json.dumps(schema)
    assert schema["isBasedOn"]["codeRepository"] == src.repository
    assert schema["isBasedOn"]["version"] == src.commit
    assert VOID  # the VoID namespace is the one PREFIXES declares


@pytest.mark.skipif(not (shutil.which("node") and (ROOT / "node_modules" / "jsonld").is_dir()),
                    reason="needs node and `npm install` (npm package jsonld)")
def test_schema_dataset_is_valid_json_ld(dist):
    script = ROOT / "tests" / "js" / "jsonld_tordf.mjs"
    run = subprocess.run(["node", str(script), str(dist / "dataset.jsonld")],
                         capture_output=True, text=True, check=True)
    typed = f"<{Iris(BASE).dataset}> <{RDF}type> <https://schema.org/Dataset>"
    assert typed in run.stdout
    assert run.stdout.count("<https://schema.org/DataDownload>") == len(EXPORTS)


@pytest.mark.parametrize("lines_per_chunk", [1, 7, 1000])
def test_counts_do_not_depend_on_where_chunks_end(dist, lines_per_chunk):
    """A subject may run on from one chunk into the next: it is still counted once."""
    from phenkg.describe import GraphStats

    lines = (dist / "phenkg.nt").read_bytes().splitlines(keepends=True)
    whole = GraphStats.of_ntriples([b"".join(lines)])
    cut = GraphStats.of_ntriples(b"".join(lines[i:i + lines_per_chunk]) for i in range(0, len(lines), lines_per_chunk))
    assert (cut.triples, cut.entities, cut.classes, cut.properties) == (
        whole.triples, whole.entities, whole.classes, whole.properties)
    assert whole.entities == len({line.split(b" ", 1)[0] for line in lines})
