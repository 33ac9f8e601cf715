"""Curated identity links (issue 16): identifiers a curator writes in data/ (`ids:` of a paper,
data/authors.yaml), read strictly, written back canonically, and published as schema:sameAs and
schema:identifier in the forms the shapes' patterns accept. Nothing is looked up. The identifiers
below are of the right forms; they are test values, not checked against the registries."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from phenkg import graph
from phenkg.errors import DataError
from phenkg.identifiers import AUTHOR_SCHEMES, PAPER_SCHEMES, orcid_checksum_ok
from phenkg.store import AUTHORS, PAPERS, read_catalog, render_files
from phenkg.validate import load_shapes

from .conftest import BASE, DATA

SAME_AS, IDENTIFIER = "<https://schema.org/sameAs>", "<https://schema.org/identifier>"
ORCID = "0000-0002-1825-0097"  # ORCID's own example identity (Josiah Carberry)
MAE_IDS = """  ids:
    doi: "10.1109/CVPR52688.2022.01553"
    wikidata: Q111446315
    openalex: W3213468617
    dblp: conf/cvpr/HeCXLDG22
"""
AUTHORS_YAML = f"""# Curated by hand and by `phenkg import`; written canonically by `phenkg fmt`.
- name: Kaiming He
  orcid: "{ORCID}"
  wikidata: Q28956431
  dblp: "34/4157"
"""


def curated_data(tmp: Path, authors: str = AUTHORS_YAML, ids: str = MAE_IDS) -> Path:
    """A copy of the seed's data/ whose MAE paper has `ids:` (after its last field) and an authors.yaml."""
    data = tmp / "data"
    shutil.copytree(DATA, data)
    text = (data / PAPERS).read_text(encoding="utf-8")
    start = text.index("- key: arxiv-2111.06377\n")
    end = text.index("\n- key:", start) + 1
    (data / PAPERS).write_text(text[:end] + ids + text[end:], encoding="utf-8")
    (data / AUTHORS).write_text(authors, encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    data = curated_data(tmp_path_factory.mktemp("curated"))
    return data, read_catalog(data)


def test_the_seed_has_no_authors_file_and_reads_as_before(catalog):
    assert not (DATA / AUTHORS).exists()
    assert catalog.people == {}
    assert all(paper.ids is None for paper in catalog.papers)
    assert AUTHORS not in render_files(catalog)


def test_curated_files_are_read_and_written_back_byte_for_byte(curated):
    data, catalog = curated
    files = render_files(catalog)
    assert files[PAPERS] == (data / PAPERS).read_text(encoding="utf-8")
    assert files[AUTHORS] == AUTHORS_YAML
    mae = next(p for p in catalog.papers if p.key == "arxiv-2111.06377")
    assert mae.ids is not None
    assert mae.ids.doi == "10.1109/CVPR52688.2022.01553"
    assert catalog.people["Kaiming He"].orcid == ORCID


def test_hand_written_unquoted_identifiers_read_the_same(tmp_path, curated):
    """What a curator types (no quotes) is read as the same text that `phenkg fmt` writes quoted."""
    data = curated_data(tmp_path, AUTHORS_YAML.replace('"', ""), MAE_IDS.replace('"', ""))
    assert read_catalog(data).people == curated[1].people
    again = read_catalog(data)
    assert [p.ids for p in again.papers] == [p.ids for p in curated[1].papers]


def test_curated_identifiers_are_published_as_same_as_and_identifier(curated):
    _, catalog = curated
    lines = set(graph.triples(catalog, BASE))
    paper, author = f"<{BASE}paper/arxiv-2111.06377>", f"<{BASE}author/kaiming-he>"
    for iri in ("https://doi.org/10.1109/CVPR52688.2022.01553", "http://www.wikidata.org/entity/Q111446315",
                "https://openalex.org/W3213468617", "https://dblp.org/rec/conf/cvpr/HeCXLDG22",
                "https://doi.org/10.48550/arXiv.2111.06377", "https://arxiv.org/abs/2111.06377"):
        assert f"{paper} {SAME_AS} <{iri}> ." in lines
    for text in ("doi:10.1109/CVPR52688.2022.01553", "wikidata:Q111446315", "openalex:W3213468617",
                 "dblp:conf/cvpr/HeCXLDG22", "arXiv:2111.06377", "doi:10.48550/arXiv.2111.06377"):
        assert f'{paper} {IDENTIFIER} "{text}" .' in lines
    for iri in (f"https://orcid.org/{ORCID}", "https://dblp.org/pid/34/4157", "http://www.wikidata.org/entity/Q28956431"):
        assert f"{author} {SAME_AS} <{iri}> ." in lines
    assert f'{author} {IDENTIFIER} "orcid:{ORCID}" .' in lines
    # an author no record names has none
    assert not any(line.startswith(f"<{BASE}author/xinlei-chen> {SAME_AS}") for line in lines)


def _patterns(shape: str, path: str) -> re.Pattern[str]:
    shapes = load_shapes()
    node = URIRef(f"https://w3id.org/phenkg/shapes#{shape}")
    for prop in shapes.objects(node, SH.property):
        if shapes.value(prop, SH.path) == URIRef(path) and (pattern := shapes.value(prop, SH.pattern)) is not None:
            return re.compile(str(pattern))
    raise AssertionError(f"{shape} has no sh:pattern on {path}")


@pytest.mark.parametrize(("shape", "schemes"), [("PaperShape", PAPER_SCHEMES), ("AuthorShape", AUTHOR_SCHEMES)])
def test_the_shapes_accept_every_form_the_table_publishes(shape, schemes):
    """identifiers.py and the shapes' sh:pattern describe the same forms."""
    identifier = _patterns(shape, "https://schema.org/identifier")
    same_as = _patterns(shape, "https://schema.org/sameAs")
    for scheme in schemes.values():
        assert identifier.search(scheme.identifier(scheme.example)), scheme.name
        assert same_as.search(scheme.same_as(scheme.example)), scheme.name
        assert not identifier.search(scheme.identifier("https://example.org/" + scheme.example)), scheme.name


def test_the_seed_graph_matches_the_patterns(catalog):
    identifier = _patterns("PaperShape", "https://schema.org/identifier")
    same_as = _patterns("PaperShape", "https://schema.org/sameAs")
    paper = f"<{BASE}paper/"
    checked = 0
    for line in graph.triples(catalog, BASE):
        if line.startswith(paper) and f" {IDENTIFIER} " in line:
            assert identifier.search(line.split(f" {IDENTIFIER} ")[1][1:-3]), line
            checked += 1
        elif line.startswith(paper) and f" {SAME_AS} " in line:
            assert same_as.search(line.split(f" {SAME_AS} ")[1][1:-3]), line
    assert checked > 100


def test_orcid_check_digit():
    assert orcid_checksum_ok(ORCID)
    assert orcid_checksum_ok("0000-0002-9079-593X")
    assert not orcid_checksum_ok("0000-0002-1825-0098")


@pytest.mark.parametrize(("authors", "ids", "message", "line"), [
    (AUTHORS_YAML.replace(ORCID, "0000-0002-1825-0098"), MAE_IDS, "fails the ORCID check digit", 3),
    (AUTHORS_YAML.replace("Kaiming He", "Kaiming Hee"), MAE_IDS, "no paper names the author 'Kaiming Hee'", 2),
    (AUTHORS_YAML + "- name: Kaiming He\n  wikidata: Q1\n", MAE_IDS, "author 'Kaiming He' appears twice", 6),
    (AUTHORS_YAML + "- name: Xinlei Chen\n", MAE_IDS, "gives no identifier", 6),
    (AUTHORS_YAML.replace('  dblp: "34/4157"\n', "  scholar: abc\n"), MAE_IDS, "unknown field", 5),
    (AUTHORS_YAML, MAE_IDS.replace('doi: "10.1109', 'doi: "https://doi.org/10.1109'), "is not a doi identifier", None),
    (AUTHORS_YAML, MAE_IDS.replace("Q111446315", "111446315"), "is not a wikidata identifier", None),
])
def test_a_malformed_identifier_is_refused_where_it_is_written(tmp_path, authors, ids, message, line):
    data = curated_data(tmp_path, authors, ids)
    with pytest.raises(DataError) as caught:
        read_catalog(data)
    error = caught.value
    assert message in str(error), str(error)
    if line is not None:  # in authors.yaml, at the value's line
        assert error.path.endswith(AUTHORS)
        assert error.line == line, (error.path, error.line)
    else:
        assert error.path.endswith(PAPERS)


def test_a_curated_paper_validates_against_the_shapes(curated):
    """pySHACL over the curated paper's block and the entities it names: no results."""
    from phenkg.jsonld import _paper_store
    from phenkg.validate import validate

    _, catalog = curated
    store = _paper_store(catalog, f"{BASE}paper/arxiv-2111.06377", BASE)
    lines = [str(q.subject) + " " + str(q.predicate) + " " + str(q.object) + " ." for q in store]
    lines += graph.source_triples(catalog.source, graph.Context.of(catalog, BASE))
    lines += graph.scheme_triples(graph.Context.of(catalog, BASE))
    report = validate(Graph().parse(data="\n".join(lines), format="nt"), shapes=load_shapes())
    ids = [r for r in report.results if "identifier" in r.message or "sameAs" in r.message]
    assert ids == [], report.to_text()


def test_a_re_import_keeps_the_curated_identifiers(tmp_path):
    """The list does not hold `ids:`: importing it again into data/ keeps them, so the import changes
    nothing and needs no --force; authors.yaml is left as it is."""
    import subprocess
    import sys

    data = curated_data(tmp_path)
    before = {name: (data / name).read_bytes() for name in (PAPERS, AUTHORS)}
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "import", str(data / "awesome-deep-phenomena.md"),
                           "--data", str(data)], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr      # 1: the seed's import report has problems to review
    assert "nothing was written" not in done.stderr
    assert {name: (data / name).read_bytes() for name in (PAPERS, AUTHORS)} == before
