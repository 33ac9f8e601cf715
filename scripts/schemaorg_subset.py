#!/usr/bin/env python3
"""Extract from the schema.org vocabulary release the part tests/test_schemaorg.py needs: every
schema.org term phenkg uses (in the seed's dumps, its dataset description and the JSON-LD context
the pages use), each class with all its superclasses, each property with its domain.

    python3 scripts/schemaorg_subset.py [../shared/vocab/schemaorg-current-https.nt]

writes tests/data/schemaorg/terms.json. Run it again when phenkg starts using another schema.org
term (the test says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import rdflib

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = "https://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OUT = ROOT / "tests" / "data" / "schemaorg" / "terms.json"
# ../shared/vocab/ next to the main checkout (one level further up from a worktree)
DEFAULTS = [up / "shared" / "vocab" / "schemaorg-current-https.nt" for up in (ROOT.parent, ROOT.parent.parent)]
RELEASE = "schema.org release 30.0 (schemaorg/schemaorg data/releases/30.0/schemaorg-current-https.nt, commit cc71c8e0)"


def used_terms() -> set[str]:
    """The schema.org IRIs of the seed's build: predicates and classes of phenkg.nt and dataset.jsonld,
    and every schema.org IRI the shipped JSON-LD context names."""
    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "dist"
        subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(ROOT / "data"), "--out", str(dist)],
                       check=True, capture_output=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
        graph = rdflib.Graph().parse(dist / "phenkg.nt", format="nt")
        graph.parse(dist / "dataset.jsonld", format="json-ld")
    used = {str(p) for p in graph.predicates()} | {str(o) for o in graph.objects(None, rdflib.RDF.type)}
    context = json.loads((ROOT / "src" / "phenkg" / "resources" / "context.jsonld").read_text())["@context"]
    for value in context.values():
        iri = value.get("@id") or value.get("@reverse") if isinstance(value, dict) else None
        if iri:
            used.add(iri.replace("schema:", SCHEMA))
    return {t for t in used if t.startswith(SCHEMA)}


def main(vocab: Path) -> None:
    release = rdflib.Graph().parse(vocab, format="nt")
    supers: dict[str, set[str]] = {}
    for sub, sup in release.subject_objects(rdflib.URIRef(RDFS + "subClassOf")):
        supers.setdefault(str(sub), set()).add(str(sup))

    def closure(cls: str) -> list[str]:
        seen, todo = set(), [cls]
        while todo:
            for parent in supers.get(todo.pop(), ()):
                if parent.startswith(SCHEMA) and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return sorted(seen)

    classes, properties = {}, {}
    domain_includes = rdflib.URIRef(SCHEMA + "domainIncludes")
    is_class = {str(s) for s in release.subjects(rdflib.RDF.type, rdflib.RDFS.Class)}
    is_property = {str(s) for s in release.subjects(rdflib.RDF.type, rdflib.RDF.Property)}
    for term in sorted(used_terms()):
        if term in is_property:
            domain = sorted(str(d) for d in release.objects(rdflib.URIRef(term), domain_includes))
            properties[term] = domain
            for cls in domain:
                classes[cls] = closure(cls)
        elif term in is_class:
            classes[term] = closure(term)
    short = {k.removeprefix(SCHEMA): [v.removeprefix(SCHEMA) for v in vs] for k, vs in sorted(classes.items())}
    props = {k.removeprefix(SCHEMA): [v.removeprefix(SCHEMA) for v in vs] for k, vs in sorted(properties.items())}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "source": RELEASE,
        "licence": "schema.org vocabulary, CC BY-SA 3.0 (https://schema.org/docs/terms.html); the release file is "
                   "distributed in the schemaorg/schemaorg repository under the Apache License 2.0. This is an "
                   "extract: class -> all its schema.org superclasses, property -> schema:domainIncludes.",
        "generator": "scripts/schemaorg_subset.py",
        "classes": short, "properties": props}, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(short)} classes, {len(props)} properties")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else next((p for p in DEFAULTS if p.is_file()), DEFAULTS[0]))
