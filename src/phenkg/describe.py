"""The dataset description: VoID and DCAT in `void.ttl`, a schema.org `Dataset` in `dataset.jsonld`.

Counts come from the exported N-Triples as they stream past (`GraphStats.observe`), so they are the
counts of the files described. The description names the source list (repository and commit) and
states no licence: the upstream list declares none, and inventing one would mislead.
Download URLs are `{base}dist/{file}`; the SPARQL endpoint is `{base}sparql`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from phenkg import graph, ntriples
from phenkg.graph import integer, iri, lit
from phenkg.model import Catalog
from phenkg.vocab import DCAT, DCTERMS, PREFIXES, PROV, RDF, RDFS, SCHEMA, VOID, XSD, Iris, compact_iri

if TYPE_CHECKING:
    from phenkg.formats import Format

_TYPE = f"<{RDF}type>"
IANA = "https://www.iana.org/assignments/media-types/"
NO_LICENCE = ("The upstream list declares no licence, so none is stated for this dataset; ask the list's "
              "authors before reusing its content.")


class GraphStats:
    """Counts over the graph's N-Triples lines: triples, subjects, classes, properties."""

    def __init__(self) -> None:
        self.triples = 0
        self.entities = 0
        self.classes: Counter[str] = Counter()
        self.properties: Counter[str] = Counter()

    def observe(self, batches: Iterable[list[str]]) -> Iterator[list[str]]:
        """Pass batches of N-Triples lines through, counting them. The lines must be grouped by subject
        (graph.py's canonical order); a subject may run on from one batch into the next."""
        last = None
        for lines in batches:
            if not lines:
                continue
            triples = ntriples.split_all(lines)
            self.triples += len(triples)
            subjects = {s for s, _, _ in triples}
            self.entities += len(subjects) - (triples[0][0] == last)
            last = triples[-1][0]
            for predicate, n in Counter([p for _, p, _ in triples]).items():
                self.properties[predicate[1:-1]] += n
            for cls, n in Counter([ntriples.end_of(o)[1:-1] for _, p, o in triples
                                   if p == _TYPE and o[0] == "<"]).items():
                self.classes[cls] += n
            yield lines

    @classmethod
    def of_ntriples(cls, chunks: Iterable[bytes]) -> GraphStats:
        """The counts of an N-Triples file in graph.py's order, given as chunks that end at line ends."""
        stats = cls()
        for _ in stats.observe(ntriples.chunk_lines(chunks)):
            pass
        return stats

    def vocabularies(self) -> list[str]:
        used = [*self.classes, *self.properties]
        return sorted(ns for ns in PREFIXES.values() if any(x.startswith(ns) for x in used))


def _local(value: str) -> str:
    compact = compact_iri(value)
    if compact != value:
        return compact.replace(":", "-", 1)
    return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def download_url(base: str, path: Path) -> str:
    return Iris(base).download(path.name)


def source_summary(catalog: Catalog) -> str:
    src = catalog.source
    where = src.repository or "an unrecorded repository"
    at = f" at commit {src.commit}" if src.commit else ""
    return f"Derived from the list '{src.title}' in {where}{at}."


def void_lines(catalog: Catalog, stats: GraphStats, dumps: list[tuple[Format, Path]],
               base: str) -> Iterator[str]:
    iris = Iris(base)
    d = iri(iris.dataset)
    ctx = graph.Context.of(catalog, base)
    src = catalog.source
    yield f"{d} {_TYPE} <{VOID}Dataset> ."
    yield f"{d} {_TYPE} <{DCAT}Dataset> ."
    yield f"{d} <{DCTERMS}title> {lit('phenkg: ' + src.title + ' as a knowledge graph')} ."
    yield f"{d} <{DCTERMS}description> {lit(source_summary(catalog) + ' ' + NO_LICENCE)} ."
    yield f"{d} <{RDFS}comment> {lit(NO_LICENCE)} ."
    if src.repository:
        yield f"{d} <{DCTERMS}source> {iri(src.repository)} ."
    yield f"{d} <{PROV}wasDerivedFrom> {iri(ctx.source)} ."
    yield from graph.source_triples(src, ctx)
    yield f"{d} <{VOID}triples> {integer(stats.triples)} ."
    yield f"{d} <{VOID}entities> {integer(stats.entities)} ."
    yield f"{d} <{VOID}distinctSubjects> {integer(stats.entities)} ."
    yield f"{d} <{VOID}classes> {integer(len(stats.classes))} ."
    yield f"{d} <{VOID}properties> {integer(len(stats.properties))} ."
    yield f"{d} <{VOID}uriSpace> {lit(iris.base)} ."
    yield f"{d} <{VOID}sparqlEndpoint> {iri(iris.sparql)} ."
    for ns in stats.vocabularies():
        yield f"{d} <{VOID}vocabulary> {iri(ns)} ."
    if catalog.papers:
        yield f"{d} <{VOID}exampleResource> {iri(iris.paper(catalog.papers[0].key))} ."
    for cls, count in sorted(stats.classes.items()):
        node = iri(iris.dataset_part("class", _local(cls)))
        yield f"{d} <{VOID}classPartition> {node} ."
        yield f"{node} <{VOID}class> {iri(cls)} ."
        yield f"{node} <{VOID}entities> {integer(count)} ."
    for prop, count in sorted(stats.properties.items()):
        node = iri(iris.dataset_part("property", _local(prop)))
        yield f"{d} <{VOID}propertyPartition> {node} ."
        yield f"{node} <{VOID}property> {iri(prop)} ."
        yield f"{node} <{VOID}triples> {integer(count)} ."
    for fmt, path in dumps:
        url = iri(download_url(base, path))
        node = iri(iris.dataset_part("distribution", fmt.name))
        yield f"{d} <{VOID}dataDump> {url} ."
        yield f"{d} <{DCAT}distribution> {node} ."
        yield f"{node} {_TYPE} <{DCAT}Distribution> ."
        yield f"{node} <{DCTERMS}title> {lit(path.name)} ."
        yield f"{node} <{DCAT}downloadURL> {url} ."
        yield f"{node} <{DCAT}accessURL> {url} ."
        yield f"{node} <{DCAT}mediaType> {iri(IANA + fmt.media_type)} ."
        yield f'{node} <{DCAT}byteSize> "{path.stat().st_size}"^^<{XSD}nonNegativeInteger> .'


def void_turtle(catalog: Catalog, stats: GraphStats, dumps: list[tuple[Format, Path]], base: str) -> bytes:
    lines = sorted(set(void_lines(catalog, stats, dumps, base)))
    triples = ox.parse(("\n".join(lines) + "\n").encode(), ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def schema_dataset(catalog: Catalog, stats: GraphStats, dumps: list[tuple[Format, Path]], base: str) -> dict:
    """A schema.org Dataset for search engines, with one DataDownload per file."""
    iris, src = Iris(base), catalog.source
    doc: dict[str, Any] = {
        "@context": {"@vocab": SCHEMA, "url": {"@type": "@id"}, "contentUrl": {"@type": "@id"},
                     "isBasedOn": {"@type": "@id"}, "codeRepository": {"@type": "@id"}},
        "@type": "Dataset",
        "@id": iris.dataset,
        "name": f"phenkg: {src.title} as a knowledge graph",
        "description": (f"{source_summary(catalog)} {len(catalog.papers):,} papers, their authors, venues, "
                        f"topics, keywords and code repositories as linked data ({stats.triples:,} triples). "
                        + NO_LICENCE),
        "url": iris.base,
        "keywords": [t.name for t in catalog.topics],
    }
    if (maintainer := repository_owner(src.repository)) is not None:
        doc["creator"] = maintainer         # the list's maintainer: who curated what the graph holds
    if src.commit:
        doc["version"] = src.commit
    if src.date:
        doc["dateModified"] = src.date
    doc["isAccessibleForFree"] = True
    if src.repository:
        based = {"@type": "SoftwareSourceCode", "@id": iris.source(src.commit, src.file), "name": src.title,
                 "codeRepository": src.repository}
        if src.commit:
            based["version"] = src.commit
        if src.date:
            based["dateModified"] = src.date
        doc["isBasedOn"] = based
    doc["distribution"] = [
        {"@type": "DataDownload", "name": path.name, "encodingFormat": fmt.media_type,
         "contentUrl": download_url(base, path), "contentSize": f"{path.stat().st_size} bytes"}
        for fmt, path in dumps]
    return doc


def repository_owner(repository: str | None) -> dict | None:
    """The owner of a GitHub, GitLab or Codeberg repository, as schema.org names a creator."""
    match = re.match(r"^https://(github\.com|gitlab\.com|codeberg\.org)/([^/]+)/", repository or "")
    if match is None:
        return None
    return {"@type": "Person", "name": match[2], "url": f"https://{match[1]}/{match[2]}"}


def description_files(catalog: Catalog, stats: GraphStats, dumps: list[tuple[Format, Path]],
                      base: str) -> dict[str, bytes]:
    dataset = json.dumps(schema_dataset(catalog, stats, dumps, base), indent=2, ensure_ascii=False) + "\n"
    return {"void.ttl": void_turtle(catalog, stats, dumps, base), "dataset.jsonld": dataset.encode()}
