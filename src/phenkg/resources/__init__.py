"""The files phenkg ships besides its code: the SHACL shapes, the OWL ontology, the JSON-LD context.

`shapes/` and `ontology/` at the top of the repository are the source of truth. Building a wheel
(also from the sdist) copies them into this package (`setup.py`); in a checkout (an editable install
or `PYTHONPATH=src`) this package's `shapes` and `ontology` are committed symbolic links to them, so
an edit to `shapes/` counts at once. Either way they are read here through `importlib.resources`,
and nothing looks outside the package. The CLI's `--shapes PATH` and `--ontology FILE` use other
files.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

SHAPES = "shapes"
ONTOLOGY = "ontology"
ONTOLOGY_FILE = "phenkg.ttl"


def packaged(folder: str) -> Traversable:
    """One of the shipped folders, inside this package (a copy in a wheel, a link in a checkout)."""
    return resources.files(__name__).joinpath(folder)


def shapes_files() -> list[Traversable]:
    """The shipped shapes (`*.ttl`), in name order; empty if this installation has none."""
    folder = packaged(SHAPES)
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".ttl") and f.is_file()), key=lambda f: f.name)


def ontology_file() -> Traversable | None:
    """The shipped ontology (`phenkg.ttl`), or None if this installation has none."""
    file = packaged(ONTOLOGY).joinpath(ONTOLOGY_FILE)
    return file if file.is_file() else None


def context_file() -> Traversable:
    """The JSON-LD context every JSON-LD output is compacted with."""
    return resources.files(__name__).joinpath("context.jsonld")


__all__ = ["context_file", "ontology_file", "packaged", "shapes_files"]
