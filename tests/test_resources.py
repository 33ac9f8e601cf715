"""The shipped shapes and ontology (phenkg.resources), and the --shapes / --ontology options that replace them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rdflib import OWL, RDF, Graph

from phenkg import resources
from phenkg.validate import ShapesError, load_shapes, shape_files

from .conftest import DATA, ROOT

STRICT = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix phenkg: <https://w3id.org/phenkg/ontology#> .
<urn:x:NeedsAColourShape> a sh:NodeShape ; sh:targetClass phenkg:Paper ;
  sh:property [ sh:path <urn:x:colour> ; sh:minCount 1 ] .
"""
OTHER_ONTOLOGY = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
<urn:x:other-ontology> a owl:Ontology .
<urn:x:Thing> a owl:Class .
"""


def phenkg(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phenkg.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


def test_the_shipped_files_are_the_top_level_ones():
    """In a checkout phenkg.resources reads shapes/ and ontology/ themselves (no copy to go stale);
    tests/test_install.py checks that an installed phenkg carries them."""
    assert [f.name for f in resources.shapes_files()] == ["phenkg-quality.ttl", "phenkg-shapes.ttl"]
    assert resources.shapes_files()[0].read_bytes() == (ROOT / "shapes" / "phenkg-quality.ttl").read_bytes()
    assert resources.ontology_file().read_bytes() == (ROOT / "ontology" / "phenkg.ttl").read_bytes()
    assert resources.context_file().is_file()


def test_shape_paths_files_and_directories_in_the_order_given(tmp_path):
    (tmp_path / "b.ttl").write_text(STRICT, encoding="utf-8")
    (tmp_path / "a.ttl").write_text(STRICT, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a shape", encoding="utf-8")
    one = ROOT / "shapes" / "phenkg-shapes.ttl"
    assert shape_files([one, tmp_path]) == [one, tmp_path / "a.ttl", tmp_path / "b.ttl"]
    assert shape_files(one) == [one]
    assert len(load_shapes([tmp_path])) > len(load_shapes(tmp_path / "a.ttl"))  # both files: two property shapes


def test_a_missing_installation_names_the_real_option(monkeypatch):
    monkeypatch.setattr(resources, "shapes_files", list)
    with pytest.raises(ShapesError) as raised:
        load_shapes()
    assert "--shapes PATH" in raised.value.hint
    helps = subprocess.run([sys.executable, "-m", "phenkg.cli", "validate", "--help"], capture_output=True,
                           text=True, check=True).stdout
    assert "--shapes PATH" in helps


def test_validate_with_other_shapes(tmp_path):
    strict = tmp_path / "strict.ttl"
    strict.write_text(STRICT, encoding="utf-8")
    done = phenkg("validate", "--data", DATA, "--shapes", strict)
    assert done.returncode == 1, done.stderr                  # every paper lacks a colour
    assert "NeedsAColourShape" in done.stdout
    assert "SimilarAuthorNamesShape" not in done.stdout      # the shipped shapes are replaced, not added to
    both = phenkg("validate", "--data", DATA, "--shapes", ROOT / "shapes", "--shapes", strict)
    assert both.returncode == 1
    assert "SimilarAuthorNamesShape" in both.stdout


@pytest.mark.parametrize(("args", "where"), [
    (["validate", "--shapes", "nowhere"], "nowhere: no such file or directory"),
    (["validate", "--shapes", "."], "no shapes (*.ttl) found"),
    (["build", "--ontology", "nowhere.ttl"], "nowhere.ttl: no such ontology file"),
    (["serve", "--ontology", "nowhere.ttl", "--get", "/ontology"], "nowhere.ttl: no such ontology file"),
    (["serve", "--shapes", "nowhere", "--get", "/shapes"], "nowhere: no such file or directory"),
])
def test_unusable_options_are_exit_2_before_any_work(tmp_path, args, where):
    done = phenkg(*args[:1], "--data", DATA, *args[1:], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert where in done.stderr
    assert "hint: pass --" in done.stderr
    assert not (tmp_path / "dist").exists()


def test_serve_and_build_use_another_ontology_and_shapes(tmp_path):
    other = tmp_path / "other.ttl"
    other.write_text(OTHER_ONTOLOGY, encoding="utf-8")
    strict = tmp_path / "strict.ttl"
    strict.write_text(STRICT, encoding="utf-8")
    served = phenkg("serve", "--data", DATA, "--ontology", other, "--get", "/ontology", "--accept", "text/turtle")
    assert served.returncode == 0, served.stderr
    assert len(Graph().parse(data=served.stdout, format="turtle")) == 2
    shapes = phenkg("serve", "--data", DATA, "--shapes", strict, "--get", "/shapes", "--accept", "text/turtle")
    assert shapes.returncode == 0, shapes.stderr
    assert "NeedsAColourShape" in shapes.stdout
    assert "SimilarAuthorNamesShape" not in shapes.stdout
    built = phenkg("build", "--data", DATA, "--out", tmp_path / "dist", "--ontology", other, "--shapes", strict)
    assert built.returncode == 1, built.stderr               # the strict shapes find violations
    assert (tmp_path / "dist" / "ontology.ttl").read_text(encoding="utf-8") == OTHER_ONTOLOGY
    assert "NeedsAColourShape" in (tmp_path / "dist" / "validation.txt").read_text(encoding="utf-8")
    assert (None, RDF.type, OWL.Ontology) in Graph().parse(tmp_path / "dist" / "ontology.ttl")
