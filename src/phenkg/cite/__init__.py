"""Citations of papers, of the papers of a topic, keyword, author or venue, and of the whole list, in
BibTeX, CSL-JSON, RIS and as plain references; and the dataset's CITATION.cff.

    store --reference.py (the one field mapping)--> Reference --write.py--> bytes

Everything reads a pyoxigraph Store: the server's evaluators hold only that, and `phenkg export` and
the site build one from the catalog (`store_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from phenkg.cite.reference import SCOPES, Citer, Reference, base_key, citation_keys, papers_by, references
from phenkg.cite.write import CFF_NAME, bibliography, bibtex, citation_cff, csl_json, ris
from phenkg.formats import BIBLIOGRAPHY, BIBTEX, CITATIONS, CSLJSON, RIS, Format
from phenkg.model import Catalog, Source

WRITERS: dict[str, Callable[[Iterable[Reference]], bytes]] = {
    BIBTEX.name: bibtex, CSLJSON.name: csl_json, RIS.name: ris, BIBLIOGRAPHY.name: bibliography}


def render(refs: Iterable[Reference], fmt: Format) -> bytes:
    """References in one citation format (CITATIONS or BIBLIOGRAPHY)."""
    return WRITERS[fmt.name](refs)


def store_of(catalog: Catalog, base: str):
    """The catalog's graph in an in-memory store, to cite from."""
    from phenkg.graph import build_store

    return build_store(catalog, base)


def source_of(store) -> Source | None:
    """The list's source (title, repository, commit, date) as the graph records it."""
    from phenkg.vocab import DCTERMS, PHENKG, SCHEMA

    query = (f"SELECT ?title ?repo ?commit ?date WHERE {{ ?s a <{PHENKG}SourceList> ; <{SCHEMA}name> ?title . "
             f"OPTIONAL {{ ?s <{DCTERMS}source> ?repo }} OPTIONAL {{ ?s <{PHENKG}commit> ?commit }} "
             f"OPTIONAL {{ ?s <{DCTERMS}date> ?date }} }} ORDER BY ?s LIMIT 1")
    for row in store.query(query):
        value = {name: row[name].value if row[name] is not None else None
                 for name in ("title", "repo", "commit", "date")}
        return Source(title=value["title"] or "", file="", repository=value["repo"], commit=value["commit"],
                      date=value["date"])
    return None


def export_citations(store, base: str, fmt: Format) -> bytes:
    """The whole list in one citation format, in list order: the same graph gives the same bytes."""
    return render(Citer(store, base).everything(), fmt)


def citation_files(store, base: str, source: Source | None = None) -> dict[str, bytes]:
    """Every citation file of a site, path -> bytes: `CITATION.cff`, the whole list as `phenkg.bib`,
    `phenkg.csl.json` and `phenkg.ris`, and for each paper, topic, keyword, author and venue
    `{kind}/{key}.bib`, `.csl.json` and `.ris` (key: the IRI's path under the base)."""
    from phenkg.vocab import Iris

    citer, iris = Citer(store, base), Iris(base)
    source = source or source_of(store)
    files: dict[str, bytes] = {}
    if source is not None:
        files[CFF_NAME] = citation_cff(source, base)
    everything = citer.everything()
    for fmt in CITATIONS.values():
        files[f"phenkg.{fmt.extension}"] = render(everything, fmt)
    by_iri = {ref.iri: ref for ref in everything}
    for kind in SCOPES:
        if kind == "source":
            continue
        for iri, papers in sorted(papers_by(store, kind).items(), key=lambda item: str(item[0])):
            path = iris.relative(iri) if iri is not None and iri.startswith(iris.namespace(kind)) else None
            refs = [by_iri[p] for p in papers if p in by_iri]
            if refs and path:
                for fmt in CITATIONS.values():
                    files[f"{path}.{fmt.extension}"] = render(refs, fmt)
    return files


def catalog_citation_files(catalog: Catalog, base: str) -> dict[str, bytes]:
    """`citation_files` of a catalog (for `phenkg site`)."""
    return citation_files(store_of(catalog, base), base, catalog.source)


__all__ = ["CFF_NAME", "SCOPES", "Citer", "Reference", "base_key", "catalog_citation_files", "citation_cff",
           "citation_files",
           "citation_keys", "export_citations", "references", "render", "source_of", "store_of"]
