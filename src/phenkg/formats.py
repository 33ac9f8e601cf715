"""The one table of formats: every file phenkg writes or serves, and every answer it negotiates.

A format has a name (the value of `--format` and `?format=`), a media type, a file extension, the
other names and media types that select it in negotiation, the pyoxigraph format that reads and
writes it, and its IRI in http://www.w3.org/ns/formats/ (what the service description lists).
Everything else (the CLI's choices, export, the downloads' and static files' media types, the
server's offers, the service description) is a selection from this table; no other module spells a
media type of a format held here (tests/test_formats.py checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str                         # the value of --format and ?format=
    media_type: str                   # what a response or a download says it is
    extension: str                    # of a file in this format, without the dot
    aliases: tuple[str, ...] = ()     # other format names and media types that select it
    rdf: str | None = None            # the pyoxigraph RdfFormat member, for RDF syntaxes
    results: str | None = None        # the pyoxigraph QueryResultsFormat member, for SPARQL results
    w3c: str | None = None            # its local name in W3C_FORMATS
    quads: bool = False               # written as quads in the named graph
    prefixed: bool = False            # the syntax writes prefixes (the vocab table's)

    def names(self) -> tuple[str, ...]:
        return (self.name, self.media_type, *self.aliases)

    @property
    def rdf_format(self) -> pyoxigraph.RdfFormat:
        """The pyoxigraph.RdfFormat (imported only when asked for)."""
        import pyoxigraph
        if self.rdf is None:
            raise ValueError(f"{self.name} is not an RDF syntax")
        return getattr(pyoxigraph.RdfFormat, self.rdf)

    @property
    def results_format(self) -> pyoxigraph.QueryResultsFormat:
        """The pyoxigraph.QueryResultsFormat (imported only when asked for)."""
        import pyoxigraph
        if self.results is None:
            raise ValueError(f"{self.name} is not a SPARQL results format")
        return getattr(pyoxigraph.QueryResultsFormat, self.results)


# RDF syntaxes
TURTLE = Format("ttl", "text/turtle", "ttl", ("turtle", "application/x-turtle"), rdf="TURTLE", w3c="Turtle",
                prefixed=True)
NTRIPLES = Format("nt", "application/n-triples", "nt", ("ntriples", "n-triples", "text/plain"), rdf="N_TRIPLES",
                  w3c="N-Triples")
NQUADS = Format("nq", "application/n-quads", "nq", rdf="N_QUADS", w3c="N-Quads", quads=True)
TRIG = Format("trig", "application/trig", "trig", rdf="TRIG", w3c="TriG", quads=True, prefixed=True)
JSONLD = Format("jsonld", "application/ld+json", "jsonld", ("json-ld", "application/json", "json"), rdf="JSON_LD",
                w3c="JSON-LD")
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", ("rdf", "xml", "application/xml"), rdf="RDF_XML",
                w3c="RDF_XML", prefixed=True)
N3 = Format("n3", "text/n3", "n3", rdf="TURTLE", w3c="N3", prefixed=True)   # written as Turtle, which is N3
# SPARQL results (SELECT and ASK)
JSON = Format("json", "application/sparql-results+json", "srj", ("application/json", "srj"), results="JSON",
              w3c="SPARQL_Results_JSON")
XML = Format("xml", "application/sparql-results+xml", "srx", ("application/xml", "text/xml", "srx"), results="XML",
             w3c="SPARQL_Results_XML")
CSV = Format("csv", "text/csv", "csv", results="CSV", w3c="SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", results="TSV", w3c="SPARQL_Results_TSV")
# other files: pages, reports, the query page's scripts and style
HTML = Format("html", "text/html", "html", ("application/xhtml+xml",))
TEXT = Format("txt", "text/plain; charset=utf-8", "txt")
JAVASCRIPT = Format("js", "text/javascript; charset=utf-8", "js")
STYLESHEET = Format("css", "text/css; charset=utf-8", "css")
SVG = Format("svg", "image/svg+xml", "svg")
ICON = Format("ico", "image/x-icon", "ico")
WASM = Format("wasm", "application/wasm", "wasm")
PLAIN_JSON = Format("figures", "application/json", "json")    # store.json: the query store's figures
# citations (phenkg.cite): of a paper, of the papers of an entity, of the whole list; the dataset's CITATION.cff
BIBTEX = Format("bibtex", "application/x-bibtex", "bib", ("bib",))
CSLJSON = Format("csljson", "application/vnd.citationstyles.csl+json", "csl.json", ("csl-json", "csl"))
RIS = Format("ris", "application/x-research-info-systems", "ris")
BIBLIOGRAPHY = Format("bibliography", "text/x-bibliography", "ref.txt", ("reference",))   # plain references
CFF = Format("cff", "application/yaml", "cff")

TABLE = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML, N3, JSON, XML, CSV, TSV, HTML, TEXT, JAVASCRIPT, STYLESHEET,
         SVG, ICON, WASM, BIBTEX, CSLJSON, RIS, BIBLIOGRAPHY, CFF)
BY_NAME: dict[str, Format] = {f.name: f for f in TABLE}

# `phenkg export --format` and the dumps `phenkg build` writes, in this order
EXPORTS: dict[str, Format] = {f.name: f for f in (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)}
# `phenkg export --format` of citations of the whole list (phenkg.cite), after EXPORTS
CITATIONS: dict[str, Format] = {f.name: f for f in (BIBTEX, CSLJSON, RIS)}
# files of a built dist/ by extension: the dumps, dataset.jsonld, validation.txt, ontology.html, store.json,
# CITATION.cff
DOWNLOADS: dict[str, Format] = {f".{f.extension}": f for f in (*EXPORTS.values(), TEXT, HTML, PLAIN_JSON,
                                                               BIBTEX, RIS, CFF)}
STATIC: dict[str, Format] = {f".{f.extension}": f for f in (JAVASCRIPT, STYLESHEET, SVG, ICON, WASM)}
UNKNOWN = "application/octet-stream"


def media_type(name: str, by_extension: dict[str, Format] = DOWNLOADS) -> str:
    """The media type a file is served with, by its extension (octet-stream for any other)."""
    found = by_extension.get(PurePath(name).suffix)
    return found.media_type if found is not None else UNKNOWN
