"""validate_ntriples: an N-Triples file streamed (phenkg.fastshacl.validate_lines) when its lines are
grouped by subject, loaded into a store otherwise; the same report either way."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from phenkg import validate as validation
from phenkg.graph import triples
from phenkg.validate import load_shapes, validate_ntriples, validate_store

from .conftest import BASE
from .test_fastshacl import plant


@pytest.fixture(scope="module")
def planted(catalog) -> list[str]:
    return sorted(set(plant(list(triples(catalog, BASE)))))


@pytest.fixture
def stores(monkeypatch) -> list[int]:
    """How many times validate_ntriples fell back to loading a store."""
    calls: list[int] = []
    original = validation.validate_store

    def counting(store, shapes_dir=None, shapes=None):
        calls.append(len(store))
        return original(store, shapes_dir, shapes)

    monkeypatch.setattr(validation, "validate_store", counting)
    return calls


def expected(lines: list[str]):
    store = ox.Store()
    store.load(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return validate_store(store, shapes=load_shapes())


def write(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_grouped_lines_are_streamed(planted, tmp_path, stores):
    report = validate_ntriples(write(tmp_path / "graph.nt", planted))
    assert stores == []
    want = expected(planted)
    assert report.results == want.results
    assert report.conforms is want.conforms is False
    assert report.to_turtle()
    assert "does not conform" in report.to_text()


def test_ungrouped_lines_fall_back_to_a_store(planted, tmp_path, stores):
    ungrouped = planted[1:] + planted[:1]
    report = validate_ntriples(write(tmp_path / "graph.nt", ungrouped))
    assert stores == [len(planted)]
    assert report.results == expected(planted).results


def test_subclasses_fall_back_to_a_store(planted, tmp_path, stores):
    lines = sorted({*planted, "<https://w3id.org/phenkg/ontology#Paper> "
                              "<http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://schema.org/Thing> ."})
    report = validate_ntriples(write(tmp_path / "graph.nt", lines), shapes=load_shapes())
    assert stores == [len(lines)]
    assert report.results == expected(lines).results
