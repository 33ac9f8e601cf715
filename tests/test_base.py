"""The IRI base: normalised once (vocab.base_iri), and every IRI minted by vocab.Iris under it.

Regression (issue 13): `--base https://example.org/kg` (no final slash) made every entity page 404,
while the same base with the slash worked.
"""

from __future__ import annotations

import pytest

from phenkg.cli import main
from phenkg.errors import PhenkgError
from phenkg.vocab import Iris, base_iri

from .conftest import DATA

SLASHED = "https://example.org/kg/"


@pytest.mark.parametrize(("given", "expected"), [
    ("https://example.org/kg", SLASHED),
    (SLASHED, SLASHED),
    ("http://example.org", "http://example.org/"),
    ("https://example.org/ns#", "https://example.org/ns#"),
])
def test_base_is_normalised(given, expected):
    assert base_iri(given) == expected
    assert Iris(given).base == expected


@pytest.mark.parametrize("bad", ["example.org/kg", "/kg/", "ftp://example.org/kg/", "https://", "urn:x:kg/",
                                 "https://example.org/k g/", "https://example.org/kg?x=1", "https://exa<mple.org/"])
def test_a_base_that_is_not_an_http_iri_is_refused(bad):
    with pytest.raises(PhenkgError, match="not an absolute http"):
        base_iri(bad)


def test_cli_refuses_a_bad_base_with_exit_2(capsys):
    assert main(["export", "--data", str(DATA), "--format", "nt", "--base", "example.org/kg"]) == 2
    assert "not an absolute http(s) IRI" in capsys.readouterr().err


def test_every_iri_is_minted_under_the_normalised_base():
    iris = Iris("https://example.org/kg")
    assert iris.paper("p") == SLASHED + "paper/p"
    assert iris.graph == SLASHED + "graph"
    assert iris.sparql == SLASHED + "sparql"
    assert iris.dataset == SLASHED + "dataset"
    assert iris.download("phenkg.ttl") == SLASHED + "dist/phenkg.ttl"
    assert iris.at_path("/paper/p") == iris.paper("p")
    assert iris.relative(iris.paper("p")) == "paper/p"
    assert iris.relative("https://example.org/kgpaper/p") is None


def test_export_is_the_same_with_or_without_the_final_slash(tmp_path):
    for name, base in (("bare", SLASHED.rstrip("/")), ("slashed", SLASHED)):
        assert main(["export", "--data", str(DATA), "--format", "nq", "--base", base,
                     "-o", str(tmp_path / f"{name}.nq")]) == 0
    slashed = (tmp_path / "slashed.nq").read_bytes()
    assert slashed == (tmp_path / "bare.nq").read_bytes()
    assert f"<{SLASHED}graph> .".encode() in slashed


@pytest.mark.parametrize("base", [SLASHED.rstrip("/"), SLASHED])
@pytest.mark.parametrize("target", ["/paper/{key}", "/void"])
def test_pages_answer_under_a_base_without_its_final_slash(base, target, catalog, capsysbinary):
    key = catalog.papers[0].key
    code = main(["serve", "--data", str(DATA), "--base", base, "--get", target.format(key=key) + "?format=nt"])
    body = capsysbinary.readouterr().out.decode()
    assert code == 0, body
    expected = f"<{SLASHED}paper/{key}>" if target.startswith("/paper") else f"<{SLASHED}dataset>"
    assert expected in body
    assert "https://example.org/kgpaper" not in body
    assert "https://example.org/kgdataset" not in body


def test_library_settings_normalise_the_base(tmp_path, catalog):
    from phenkg.graph import build_store
    from phenkg.serve import Executor, Settings, call, create_app

    store = build_store(catalog, SLASHED.rstrip("/"))
    settings = Settings(base=SLASHED.rstrip("/"))
    assert settings.base == SLASHED
    assert settings.endpoint == SLASHED + "sparql"
    app = create_app(Executor(store), settings, store)
    status, _, _ = call(app, f"/paper/{catalog.papers[0].key}", "text/turtle")
    assert status == 200
