"""The compiled SHACL engine gives exactly pySHACL's results, on clean data and with violations planted."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from phenkg.fastshacl import Unsupported, validate_store
from phenkg.graph import triples
from phenkg.validate import load_shapes, validate

from .conftest import BASE

P = "https://w3id.org/phenkg/ontology#"
S = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def plant(lines: list[str]) -> list[str]:
    """Break the graph in the ways the shapes are meant to catch."""
    papers = [line.split(" ", 1)[0] for line in lines if line.endswith(f"<{P}Paper> .")]
    drop_title = f"{papers[0]} <{S}name> "
    out = [line for line in lines if not line.startswith(drop_title)]
    out += [
        f'{papers[1]} <{S}url> "https://example.org/literal-url" .',  # a literal where an IRI belongs
        f'{papers[2]} <{P}publicationYear> "2019"^^<{XSD}gYear> .',  # gYear, not integer
        f'{papers[3]} <{P}publicationYear> "1900"^^<{XSD}integer> .',  # implausible, and a second value
        f"{papers[4]} <{P}arxiv> <https://arxiv.org/pdf/1234.5678> .",  # not an abs IRI
        f'{papers[5]} <{S}name> "Masked Autoencoders Are Scalable Vision Learners" .',  # a second title...
        f'{papers[6]} <{S}name> "Masked autoencoders are scalable vision learners!" .',  # ...near-duplicate
        f"{papers[7]} <{S}author> <https://w3id.org/phenkg/author/nobody> .",  # author without authorship
        f"{papers[8]} <{P}authorship> <https://w3id.org/phenkg/authorship/x/9> .",
        f"<https://w3id.org/phenkg/authorship/x/9> <{P}position> \"7\"^^<{XSD}integer> .",  # a gap, untyped
        f'{papers[9]} <{S}keywords> "a keyword as a string" .',
    ]
    return out


def both(lines: list[str]):
    text = "\n".join(lines) + "\n"
    graph = rdflib.Graph().parse(data=text, format="nt")
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.N_TRIPLES)
    shapes = load_shapes()
    return validate(graph, shapes=shapes).results, validate_store(store, shapes)


def test_same_results_on_the_seed(catalog):
    slow, fast = both(list(triples(catalog, BASE)))
    assert fast == slow
    assert {r.severity for r in fast} == {"Warning"}


def test_same_results_with_planted_violations(catalog):
    slow, fast = both(plant(list(triples(catalog, BASE))))
    assert fast == slow
    components = {r.component for r in fast if r.severity == "Violation"}
    assert {"MinCountConstraintComponent", "MaxCountConstraintComponent", "NodeKindConstraintComponent",
            "DatatypeConstraintComponent", "PatternConstraintComponent", "ClassConstraintComponent",
            "MinInclusiveConstraintComponent", "SPARQLConstraintComponent"} <= components


def test_unsupported_shapes_are_refused():
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:qualifiedMinCount 1 ] .""", format="turtle")
    with pytest.raises(Unsupported):
        validate_store(ox.Store(), shapes)
