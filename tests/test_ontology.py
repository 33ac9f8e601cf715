"""The ontology parses (rdflib and rapper), declares every phenkg: term docs/design.md uses with a
label and a comment, and the generated HTML documents each term."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS

from phenkg.ontodoc import PHENKG, render_html

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "phenkg.ttl"
DESIGN = ROOT / "docs" / "design.md"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def design_terms() -> set[str]:
    """Every `phenkg:Name` mentioned in docs/design.md."""
    return set(re.findall(r"phenkg:([A-Za-z][A-Za-z0-9]*)", DESIGN.read_text()))


def test_design_mentions_the_terms_we_expect():
    assert {"Paper", "Authorship", "position", "arxivYear", "order"} <= design_terms()


@pytest.mark.skipif(shutil.which("rapper") is None, reason="needs rapper (Debian raptor2-utils)")
def test_rapper_parses_the_ontology():
    done = subprocess.run(["rapper", "-i", "turtle", "-c", str(ONTOLOGY)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "returned" in done.stderr
    assert "error" not in done.stderr.lower()


def test_ontology_header(ontology):
    [onto] = list(ontology.subjects(RDF.type, OWL.Ontology))
    assert onto == URIRef("https://w3id.org/phenkg/ontology")
    for predicate in (OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.created):
        assert ontology.value(onto, predicate) is not None, predicate


@pytest.mark.parametrize("name", sorted(design_terms()))
def test_design_term_is_declared_with_label_and_comment(ontology, name):
    term = PHENKG[name]
    types = set(ontology.objects(term, RDF.type))
    if name[0].isupper():
        assert OWL.Class in types
    else:
        assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}
        assert ontology.value(term, RDFS.domain) is not None
        assert ontology.value(term, RDFS.range) is not None
    assert ontology.value(term, RDFS.label) is not None
    assert ontology.value(term, RDFS.comment) is not None


def test_no_undeclared_phenkg_terms_are_used(ontology):
    declared = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(PHENKG))}
    used = {t for triple in ontology for t in triple
            if isinstance(t, URIRef) and str(t).startswith(str(PHENKG))}
    assert used <= declared


def test_alignments(ontology):
    schema = "https://schema.org/"
    assert (PHENKG.Paper, RDFS.subClassOf, URIRef(schema + "ScholarlyArticle")) in ontology
    assert (PHENKG.Author, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Person")) in ontology
    assert (PHENKG.CodeRepository, RDFS.subClassOf, URIRef(schema + "SoftwareSourceCode")) in ontology
    skos_concept = URIRef("http://www.w3.org/2004/02/skos/core#Concept")
    assert (PHENKG.Topic, RDFS.subClassOf, skos_concept) in ontology
    assert (PHENKG.Keyword, RDFS.subClassOf, skos_concept) in ontology
    # identifiers point at pages about the paper: never owl:sameAs
    assert not list(ontology.triples((None, RDFS.subPropertyOf, OWL.sameAs)))


def test_html_lists_every_term_with_an_anchor(ontology):
    html = render_html(ontology)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    # self-contained: the only link is the canonical address, which loads nothing
    assert re.findall(r"<link [^>]*>", html) == ['<link rel="canonical" href="https://w3id.org/phenkg/ontology">']
    for name in design_terms():
        assert f'id="{name}"' in html, name
        assert f'href="#{name}"' in html, name
        label = ontology.value(PHENKG[name], RDFS.label)
        assert str(label) in html


def test_html_shows_domain_range_and_alignment(ontology):
    html = render_html(ontology)
    section = html.split('id="authorship"', 1)[1].split("</section>", 1)[0]
    assert 'href="#Paper"' in section
    assert 'href="#Authorship"' in section
    assert "prov:qualifiedAttribution" in section
    union = html.split('id="paper"', 1)[1].split("</section>", 1)[0]
    assert 'href="#Authorship"' in union
    assert 'href="#Listing"' in union


def test_html_is_deterministic(ontology):
    again = Graph().parse(ONTOLOGY, format="turtle")
    assert render_html(ontology) == render_html(again)


def test_build_publishes_the_ontology_and_its_docs(catalog, tmp_path):
    from phenkg.export import build

    from .conftest import BASE, ROOT

    build(catalog, tmp_path, BASE)
    assert (tmp_path / "ontology.ttl").read_bytes() == (ROOT / "ontology" / "phenkg.ttl").read_bytes()
    html = (tmp_path / "ontology.html").read_text(encoding="utf-8")
    assert 'id="Authorship"' in html or "Authorship" in html
    assert "<html" in html.lower()
