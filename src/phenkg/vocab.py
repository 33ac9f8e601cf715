"""Namespaces, prefixes, and the IRI of each entity. Holds no data."""

from __future__ import annotations

import re
from urllib.parse import quote

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
         "source")


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")


def _segment(text: str) -> str:
    """A path segment: unreserved characters as they are (most keys), anything else percent-encoded."""
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="-._~")


class Iris:
    """IRIs of entities under one base: `Iris(base).paper('arxiv-2111.06377')`."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def entity(self, kind: str, *parts: str | int) -> str:
        return self.base + kind + "/" + "/".join(_segment(str(p)) for p in parts)

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

    def source(self, commit: str | None) -> str:
        return self.entity("source", commit or "unknown")

    @property
    def dataset(self) -> str:
        return self.base + "dataset"
