"""One owner each: the format table (phenkg.formats), the prefix table and compact IRIs (phenkg.vocab).

Issue 13: media types, format names and prefixes were spelled in many modules and drifted. These
tests fail when a module spells its own again, or when the shipped JSON-LD context and the prefix
table disagree.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from phenkg import formats
from phenkg.cli import parser
from phenkg.serve import citations
from phenkg.serve import negotiate as nego
from phenkg.vocab import PREFIXES, compact_iri

SRC = Path(__file__).resolve().parents[1] / "src" / "phenkg"
CONTEXT = SRC / "resources" / "context.jsonld"
MEDIA_TYPES = sorted({f.media_type.split(";")[0].strip() for f in formats.TABLE}, key=len, reverse=True)
SPELLED = re.compile(r"(?<![\w/+.-])(" + "|".join(re.escape(m) for m in MEDIA_TYPES) + r")(?![\w/+.-])")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def spelled_media_types(path: Path) -> list[tuple[int, str]]:
    """(line, media type) for each string in the module (docstrings aside) naming a table's media type."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [(node.lineno, match[1]) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            for match in SPELLED.finditer(node.value)]


def test_no_module_spells_a_media_type_the_table_holds():
    spelled = [f"{path.relative_to(SRC)}:{line}: {media}" for path in sorted(SRC.rglob("*.py"))
               if path != SRC / "formats.py" for line, media in spelled_media_types(path)]
    assert not spelled, ("media types spelled outside phenkg/formats.py (use its Format objects):\n"
                         + "\n".join(spelled))


def test_the_guard_sees_a_spelled_media_type(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Serves text/turtle."""\nTYPES = {".ttl": "text/turtle"}\n'
                      'HEAD = f\'<link type="application/ld+json" href="{1}">\'\n', encoding="utf-8")
    assert spelled_media_types(module) == [(2, "text/turtle"), (3, "application/ld+json")]


def test_the_table_has_one_entry_per_name_media_type_and_extension():
    for column in ("name", "media_type", "extension"):
        values = [getattr(f, column) for f in formats.TABLE]
        assert len(values) == len(set(values)), column


def test_cli_export_choices_are_the_table_exports():
    subcommands = parser()._subparsers._group_actions[0].choices
    export = next(a for a in subcommands["export"]._actions if a.dest == "format")
    assert export.choices == [*formats.EXPORTS, *formats.CITATIONS]


@pytest.mark.parametrize("offers", [nego.RESULTS, nego.GRAPH, nego.PAGE, citations.OFFERS])
def test_negotiation_offers_are_table_entries(offers):
    assert all(offer is formats.BY_NAME[offer.name] for offer in offers)


def test_downloads_cover_every_file_a_build_writes():
    from phenkg.export import CHARTS, OUTPUTS
    from phenkg.storedir import STORE

    folders = {STORE, CHARTS}
    assert all(formats.media_type(name) != formats.UNKNOWN for name in OUTPUTS - folders)


# -- prefixes -------------------------------------------------------------------------------------
def test_shipped_context_declares_exactly_the_prefix_table():
    context = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    declared = {name: value for name, value in context.items()
                if isinstance(value, str) and not name.startswith("@")}
    assert declared == PREFIXES, ("src/phenkg/resources/context.jsonld and phenkg.vocab.PREFIXES differ: "
                                  "declare the same prefix -> namespace pairs in both")


@pytest.mark.parametrize(("iri", "expected"), [
    ("https://schema.org/name", "schema:name"),
    ("https://w3id.org/phenkg/ontology#Paper", "phenkg:Paper"),
    ("http://www.w3.org/2001/XMLSchema#integer", "xsd:integer"),
    ("https://schema.org/", "https://schema.org/"),              # no local name
    ("https://schema.org/a/b", "https://schema.org/a/b"),        # not a plain local name
    ("https://example.org/x", "https://example.org/x"),          # no prefix
])
def test_compact_iri(iri, expected):
    assert compact_iri(iri) == expected


def test_compact_iri_takes_the_longest_namespace():
    assert compact_iri("http://a.example/ns/sub/x", {"a": "http://a.example/ns/",
                                                      "b": "http://a.example/ns/sub/"}) == "b:x"


def test_no_module_keeps_its_own_prefix_table():
    """A namespace IRI of the table written as a string outside vocab.py (and the shipped context) is a
    second prefix table in the making."""
    namespaces = re.compile("|".join(re.escape(f'"{ns}"') for ns in PREFIXES.values()))
    found = [f"{path.relative_to(SRC)}:{n}" for path in sorted(SRC.rglob("*.py")) if path.name != "vocab.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if namespaces.search(line)]
    assert not found, "namespaces spelled outside phenkg/vocab.py:\n" + "\n".join(found)
