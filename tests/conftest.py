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
