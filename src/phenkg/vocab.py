"""Namespaces, the one prefix table, and the IRI of everything phenkg mints. Holds no data.

Every IRI under the base comes from `Iris` (entities, the named graph, the dataset, downloads, the
SPARQL endpoint); the base is normalised once, by `base_iri`. Every IRI is compacted to prefix:local
by `compact_iri`, with PREFIXES (the shipped JSON-LD context declares the same, tests/test_formats.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

from phenkg.errors import PhenkgError

DEFAULT_BASE = "https://w3id.org/phenkg/"
PHENKG = "https://w3id.org/phenkg/ontology#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {"phenkg": PHENKG, "schema": SCHEMA, "dcterms": DCTERMS, "skos": SKOS, "foaf": FOAF,
            "prov": PROV, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "void": VOID, "dcat": DCAT}

# entity kind -> IRI path segment; the server routes the same segments
KINDS = ("paper", "author", "authorship", "listing", "topic", "keyword", "venue", "repo", "link", "scheme",
         "source", "revision")


def sparql_prefixes(names: Iterable[str] | None = None) -> str:
    """PREFIX lines for the table's prefixes (or those of them `names` lists)."""
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in (PREFIXES if names is None else names))


_LOCAL_NAME = re.compile(r"[\w.-]+")


def compact_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """'prefix:local' for an IRI in one of the namespaces (the longest that matches) when the rest is a
    plain local name (letters, digits, '_', '.', '-'); else the IRI unchanged."""
    best = ""
    for namespace in prefixes.values():
        if len(namespace) > len(best) and iri.startswith(namespace):
            best = namespace
    if best and _LOCAL_NAME.fullmatch(iri, len(best)):
        prefix = next(p for p, ns in prefixes.items() if ns == best)
        return f"{prefix}:{iri[len(best):]}"
    return iri


IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')


def encoded_iri(value: str) -> str:
    """`value` with the characters an IRI may not hold percent-encoded (as the graph writes it)."""
    return IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), value)


def base_iri(base: str) -> str:
    """The base every IRI is minted under: an absolute http(s) IRI without a query, ending in '/' (added
    when missing) or '#'. A PhenkgError for anything else."""
    try:
        parts = urlsplit(base)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or IRI_UNSAFE.search(base)):
        raise PhenkgError(f"the base {base!r} is not an absolute http(s) IRI",
                          hint=f"pass --base like {DEFAULT_BASE} (no query, no spaces; a missing final slash "
                               "is added)")
    return base if base.endswith(("/", "#")) else base + "/"


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")


def _segment(text: str) -> str:
    """A path segment: unreserved characters as they are (most keys), anything else percent-encoded."""
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="-._~")


class Iris:
    """IRIs of entities under one base: `Iris(base).paper('arxiv-2111.06377')`."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base_iri(base)

    def entity(self, kind: str, *parts: str | int) -> str:
        return self.namespace(kind) + "/".join(_segment(str(p)) for p in parts)

    def namespace(self, kind: str) -> str:
        """Where the IRIs of one kind start: '{base}paper/'."""
        return self.base + kind + "/"

    def at_path(self, path: str) -> str:
        """The IRI a server path names (already percent-encoded): '/paper/x' -> '{base}paper/x'."""
        return self.base + path.lstrip("/")

    def relative(self, iri: str) -> str | None:
        """What follows the base in an IRI under it ('paper/x'); None for other IRIs."""
        return iri[len(self.base):] if iri.startswith(self.base) else None

    def paper(self, key: str) -> str:
        return self.entity("paper", key)

    def author(self, key: str) -> str:
        return self.entity("author", key)

    def authorship(self, paper_key: str, position: int) -> str:
        return self.entity("authorship", paper_key, position)

    def listing(self, paper_key: str, n: int) -> str:
        return self.entity("listing", paper_key, n)

    def topic(self, key: str) -> str:
        return self.entity("topic", key)

    def keyword(self, key: str) -> str:
        return self.entity("keyword", key)

    def venue(self, key: str) -> str:
        return self.entity("venue", key)

    def repo(self, key: str) -> str:
        return self.entity("repo", key)

    def link(self, paper_key: str, n: int) -> str:
        return self.entity("link", paper_key, n)

    def scheme(self, name: str) -> str:
        return self.entity("scheme", name)

    def source(self, commit: str | None, file: str | None = None) -> str:
        """A list the data came from: by its commit, else by its file name (a list with no known commit)."""
        from phenkg.keys import slug

        return self.entity("source", commit or (slug(file) if file else "unknown"))

    def revision(self, commit: str) -> str:
        """A commit of the list's history that a paper's dates come from (`phenkg history`)."""
        return self.entity("revision", commit)

    @property
    def dataset(self) -> str:
        return self.base + "dataset"

    def dataset_part(self, kind: str, name: str) -> str:
        """A node of the dataset's description: '{base}dataset/class/foaf-Person'."""
        return f"{self.dataset}/{kind}/{_segment(name)}"

    @property
    def graph(self) -> str:
        """The named graph the quad formats and stores put the data in."""
        return self.base + "graph"

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint of a server whose root is the base."""
        return self.base + "sparql"

    def download(self, name: str) -> str:
        """A file of the built dataset, as a server at the base offers it: '{base}dist/phenkg.ttl'."""
        return self.base + "dist/" + _segment(name)
