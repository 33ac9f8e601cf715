"""A normal install works: a wheel, and a wheel built from the sdist, each installed into a fresh
virtualenv outside the checkout, import the seed, validate, build and serve the ontology.

The source is copied out of the checkout first, so building leaves nothing in it. The distributions are
built by `python -m build` (isolated: setuptools comes from the package index or pip's cache); each
virtualenv sees the test environment's packages (`--system-site-packages`) and gets phenkg with
`--no-deps`, so nothing else is downloaded. The commands run with their working directory outside the
checkout and without PYTHONPATH, so they can only find what the distribution carries.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph

from phenkg import cli

from .conftest import DATA, ROOT

pytestmark = [pytest.mark.slow,   # two builds and two virtualenvs: 20 s on an idle machine, 50 s on a busy one
              pytest.mark.skipif(importlib.util.find_spec("build") is None,
                                 reason="the package `build` is not installed: pip install -e '.[test]'")]

# what building reads; the rest of the checkout (tests, benchmarks, node_modules, .git) is left behind
SOURCE = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "shapes", "ontology"]
SEED = [DATA / "awesome-deep-phenomena.md", "--repository", "https://github.com/MinghuiChen43/awesome-deep-phenomena",
        "--commit", "cf5911c2", "--date", "2022-05-17"]     # as data/source.yaml records it


def run(command: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The wheel and the sdist, built from a copy of the checkout."""
    where = tmp_path_factory.mktemp("dists")
    source = where / "source"
    source.mkdir()
    for name in SOURCE:
        if not (ROOT / name).exists():
            continue
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = where / "out"
    done = run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, source], cwd=where)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The seed imported and built by the checkout's own code: what an installed phenkg must match."""
    where = tmp_path_factory.mktemp("reference")
    assert cli.main(["import", *map(str, SEED), "--data", str(where / "data")]) == 1
    assert cli.main(["build", "--data", str(where / "data"), "--out", str(where / "dist")]) == 0
    return where / "dist"


def test_shipped_files_are_in_both_distributions(dists):
    import tarfile
    import zipfile

    wheel = set(zipfile.ZipFile(dists["wheel"]).namelist())
    for name in ("shapes/phenkg-shapes.ttl", "shapes/phenkg-quality.ttl", "ontology/phenkg.ttl"):
        assert f"phenkg/resources/{name}" in wheel
        assert (ROOT / name).is_file()
    for name in ("resources/oxigraph-web/web.js", "resources/oxigraph-web/web_bg.wasm",   # the site's query page
                 "charts/queries/keywords.rq"):
        assert f"phenkg/{name}" in wheel, name
    with tarfile.open(dists["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"setup.py", "MANIFEST.in", "shapes/phenkg-shapes.ttl", "ontology/phenkg.ttl"} <= names


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installed_phenkg_imports_validates_builds_and_serves(kind, dists, reference, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    done = run([python, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", dists[kind]],
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    work = tmp_path / "work"                 # outside the checkout, so it is not on sys.path
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PHENKG_DATA")}
    where = run([python, "-c", "import phenkg; print(phenkg.__file__)"], cwd=work, env=env)
    assert where.stdout.startswith(str(env_dir)), f"phenkg came from {where.stdout} {where.stderr}"
    phenkg = env_dir / "bin" / "phenkg"

    imported = run([phenkg, "import", *SEED], cwd=work, env=env)
    assert imported.returncode == 1, imported.stderr     # the seed's three reported items
    assert (work / "data" / "papers.yaml").is_file()

    validated = run([phenkg, "validate"], cwd=work, env=env)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.startswith("conforms: 0 violation(s), 6 warning(s)"), validated.stdout[:500]

    built = run([phenkg, "build", "--out", "dist"], cwd=work, env=env)
    assert built.returncode == 0, built.stderr
    for name in ("ontology.ttl", "ontology.html", "validation.txt", "void.ttl"):
        assert (work / "dist" / name).is_file(), name
    triples = len(Graph().parse(work / "dist" / "phenkg.nt", format="nt"))
    assert triples == len(Graph().parse(reference / "phenkg.nt", format="nt"))
    assert (work / "dist" / "phenkg.nt").read_bytes() == (reference / "phenkg.nt").read_bytes()
    assert (work / "dist" / "validation.ttl").read_bytes() == (reference / "validation.ttl").read_bytes()

    served = run([phenkg, "serve", "--get", "/ontology", "--accept", "text/turtle"], cwd=work, env=env)
    assert served.returncode == 0, served.stdout[-2000:] + served.stderr[-2000:]
    ontology = Graph().parse(data=served.stdout, format="turtle")
    assert (None, RDF.type, OWL.Ontology) in ontology
    assert len(ontology) == len(Graph().parse(ROOT / "ontology" / "phenkg.ttl", format="turtle"))
