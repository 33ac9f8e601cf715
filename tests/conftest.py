"""Shared fixtures: the bundled data and its seed list (tests need nothing outside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenkg.model import Catalog
from phenkg.store import read_catalog

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BASE = "https://w3id.org/phenkg/"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return read_catalog(DATA)


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed list as committed in data/ (a byte-for-byte copy of the upstream README)."""
    return (DATA / "awesome-deep-phenomena.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def serve_cache(tmp_path_factory):
    """`phenkg serve --data` keeps its builds in $PHENKG_CACHE: a folder of this test session's own."""
    import os

    os.environ["PHENKG_CACHE"] = str(tmp_path_factory.mktemp("phenkg-cache"))


@pytest.fixture(scope="session", autouse=True)
def prepared_sparql():
    """pySHACL, the reference validator, hands rdflib the same SHACL-SPARQL texts again and again, and
    rdflib parses each anew (0.13 s a text, most of a small validation). Within the test session each
    text is parsed once and the prepared query reused, which rdflib's prepared queries are made for."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    prepared: dict = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: PLR0917 (rdflib's signature)
        if isinstance(strOrQuery, str) and len(strOrQuery) < 20_000:
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    yield
    processor.SPARQLProcessor.query = original
