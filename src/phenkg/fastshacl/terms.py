"""Terms for the streaming engine, read with the syntax of `phenkg.ntriples`: node
keys, and object terms as Oxigraph stores them (`Terms`: canonical numbers, lower-case language tags),
so that the streaming engine sees the values `validate_store` sees. A term is a tuple
(kind, text, language, datatype)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox

from phenkg import ntriples
from phenkg.fastshacl.compile import RDF_NS, XSD_NS, Unsupported
from phenkg.ntriples import IRI_RE, LITERAL_RE, NODE, NOT_IN_IRI, PLAIN_LITERAL, SCHEME

XSD_STRING, XSD_INTEGER, _LANG_STRING = f"{XSD_NS}string", f"{XSD_NS}integer", f"{RDF_NS}langString"
IRI_KIND, BNODE_KIND, LITERAL_KIND = 0, 1, 2  # a term is (kind, text, language, datatype)
CACHE_SIZE = 4096  # entries per cache (terms, test results) before it starts afresh: the repeated values come back

CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")  # as Oxigraph writes an xsd:integer it parsed


def _unescape(text: str) -> str:
    try:
        return ntriples.unescape(text)
    except ValueError as error:
        raise Unsupported(str(error)) from error


def _iri(written: str) -> str:
    """The IRI of a term written <...>, unescaped, if Oxigraph would take it (absolute, no banned character)."""
    if not IRI_RE.fullmatch(written):
        raise Unsupported(f"not an N-Triples IRI: {written[:200]}")
    iri = _unescape(written[1:-1])
    if NOT_IN_IRI.search(iri) or not SCHEME.match(iri):
        raise Unsupported(f"not an absolute IRI: {iri[:200]}")
    return iri


def node_key(written: str) -> str:
    """The key of a subject (or object) node: <iri> or _:label, written without escapes."""
    if NODE.fullmatch(written):
        return written
    if written.startswith("_:"):
        raise Unsupported(f"not an N-Triples blank node: {written[:200]}")
    return f"<{_iri(written)}>"


def key_term(key: str) -> tuple:
    """The term of a node key: the node as it ends an N-Triples line, "<iri> .\\n" or "_:label .\\n" (so
    that what follows a predicate is the key itself, with its hash computed once)."""
    return (IRI_KIND, key[1:-4], "", "") if key[0] == "<" else (BNODE_KIND, key[2:-3], "", "")


def term_key(term: tuple) -> str | None:
    kind, text = term[0], term[1]
    return f"<{text}> .\n" if kind == IRI_KIND else f"_:{text} .\n" if kind == BNODE_KIND else None


def to_ox(term: tuple):
    kind, text, language, datatype = term
    try:
        if kind == IRI_KIND:
            return ox.NamedNode(text)
        if kind == BNODE_KIND:
            return ox.BlankNode(text)
        if language:
            return ox.Literal(text, language=language)
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    except ValueError as error:
        raise Unsupported(f"Oxigraph does not take {term!r}: {error}") from error


def _from_ox(node) -> tuple:
    if isinstance(node, ox.NamedNode):
        return (IRI_KIND, node.value, "", "")
    if isinstance(node, ox.BlankNode):
        return (BNODE_KIND, node.value, "", "")
    if node.language:
        return (LITERAL_KIND, node.value, node.language, _LANG_STRING)
    return (LITERAL_KIND, node.value, "", node.datatype.value)


class Terms:
    """Object terms as written -> (kind, text, language, datatype) as Oxigraph stores them, cached.

    Oxigraph keeps IRIs and strings as written but parses numbers, booleans and dates and writes them
    back in canonical form ("01"^^xsd:integer is "1", "5"^^xsd:int becomes "5"^^xsd:integer), and
    lower-cases language tags; validate_store sees those forms, so this engine must too. Where Python
    has no exact shortcut, a one-triple scratch store answers (cached): how Oxigraph stores a literal,
    and whether a SPARQL filter holds for it."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple] = {}  # what follows a predicate ("<o> .\n") -> term
        self.scratch = ox.Store()
        self.node = ox.NamedNode("urn:phenkg:scratch")
        self.stored_forms: dict[tuple, tuple] = {}
        self.languages: dict[str, str] = {}
        self.answers: dict[tuple[str, tuple], bool] = {}

    def after(self, rest: str) -> tuple:
        """The object term of a line from what follows its predicate, written the usual way (one space,
        " .", no comment); Unsupported otherwise, and the caller parses the whole line."""
        found = self.cache.get(rest)
        if found is None:
            written = rest[:-3] if rest[-3:] == " .\n" else rest[:-2] if rest[-2:] == " ." else ""
            found = self.parse(written)
            if len(self.cache) >= CACHE_SIZE:
                self.cache.clear()
            self.cache[rest] = found
        return found

    def parse(self, written: str) -> tuple:
        first = written[:1]
        if first in ("<", "_"):
            return key_term(node_key(written) + " .\n")
        if first == '"':
            if m := PLAIN_LITERAL.fullmatch(written):
                lexical, language, datatype = m[1], m[2], m[3]
                if datatype is not None and (NOT_IN_IRI.search(datatype) or not SCHEME.match(datatype)):
                    raise Unsupported(f"not an absolute IRI: {datatype[:200]}")
            elif m := LITERAL_RE.fullmatch(written):
                lexical, language = _unescape(m[1]), m[2]
                datatype = _iri(m[3]) if m[3] else None
            else:
                raise Unsupported(f"not an N-Triples literal: {written[:200]}")
            return self.literal(lexical, language, datatype)
        raise Unsupported(f"not an N-Triples term: {written[:200]}")

    def literal(self, lexical: str, language: str | None, datatype: str | None) -> tuple:
        if language:
            if (tag := self.languages.get(language)) is None:
                tag = self.languages[language] = to_ox((LITERAL_KIND, "", language, _LANG_STRING)).language
            return (LITERAL_KIND, lexical, tag, _LANG_STRING)
        if datatype is None or datatype == XSD_STRING:
            return (LITERAL_KIND, lexical, "", XSD_STRING)
        if datatype == XSD_INTEGER and CANONICAL_INTEGER.fullmatch(lexical):
            return (LITERAL_KIND, lexical, "", datatype)
        if datatype.startswith((XSD_NS, RDF_NS)):
            return self.stored((LITERAL_KIND, lexical, "", datatype))
        return (LITERAL_KIND, lexical, "", datatype)

    def _with(self, term: tuple, job: Callable[[], object]):
        self.scratch.add(ox.Quad(self.node, self.node, to_ox(term)))
        try:
            return job()
        finally:
            self.scratch.clear()

    def stored(self, term: tuple) -> tuple:
        if (found := self.stored_forms.get(term)) is None:
            found = self.stored_forms[term] = self._with(term, lambda: _from_ox(next(iter(self.scratch)).object))
        return found

    def holds(self, condition: str, term: tuple) -> bool:
        """Whether the SPARQL filter `condition` on ?v selects `term`, as Oxigraph evaluates it."""
        key = (condition, term)
        if (found := self.answers.get(key)) is None:
            found = self.answers[key] = self._with(
                term, lambda: bool(self.scratch.query(f"ASK {{ ?s ?p ?v FILTER({condition}) }}")))
        return found
