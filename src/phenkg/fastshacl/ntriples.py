"""N-Triples for the streaming engine: the syntax of a line and its terms (regular expressions), node
keys, and object terms as Oxigraph stores them (`_Terms`: canonical numbers, lower-case language tags),
so that the streaming engine sees the values `validate_store` sees. A term is a tuple
(kind, text, language, datatype)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox

from phenkg.fastshacl.compile import _RDF, _XSD, Unsupported

_STRING, _INTEGER, _LANG_STRING = f"{_XSD}string", f"{_XSD}integer", f"{_RDF}langString"
_IRI_KIND, _BNODE_KIND, _LITERAL_KIND = 0, 1, 2  # a term is (kind, text, language, datatype)
_CACHE = 4096  # entries per cache (terms, test results) before it starts afresh: the repeated values come back

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRI = rf"<(?:[^\x00-\x20<>\"{{}}|^`\\]|{_UCHAR})*>"
_PN = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
       "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff_:")
_BNODE = rf"_:[{_PN}0-9](?:[{_PN}0-9.\-\u00b7\u0300-\u036f\u203f-\u2040]*[{_PN}0-9\-\u00b7\u0300-\u036f\u203f-\u2040])?"
_LANG = r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"
_LITERAL = rf'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|{_UCHAR})*)"(?:@({_LANG})|\^\^({_IRI}))?'
_LINE = re.compile(rf"[ \t]*(?:({_IRI}|{_BNODE})[ \t]*({_IRI})[ \t]*({_IRI}|{_BNODE}|"
                   rf'"(?:[^"\\\n\r]|\\[tbnrf"\'\\]|{_UCHAR})*"(?:@{_LANG}|\^\^{_IRI})?)[ \t]*\.[ \t]*)?'
                   r"(?:#[^\n\r]*)?\r?\n?")
_NODE_RE = re.compile(rf'<[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{{}}|^`\\]*>|{_BNODE}')  # as written, no escapes
_IRI_RE, _LITERAL_RE = re.compile(_IRI), re.compile(_LITERAL)
_PLAIN_LITERAL = re.compile(rf'"([^"\\\n\r]*)"(?:@({_LANG})|\^\^<([^\x00-\x20<>"{{}}|^`\\]*)>)?')
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")  # as Oxigraph writes an xsd:integer it parsed


def _unescape(text: str) -> str:
    """ECHAR and UCHAR escapes (\\t \\b \\n \\r \\f \\" \\' \\\\ \\uXXXX \\UXXXXXXXX) -> characters."""
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        if m[3] is not None:
            return _ECHAR[m[3]]
        code = int(m[1] or m[2], 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise Unsupported(f"\\u{code:X} is not a character")
        return chr(code)

    return _ESCAPE.sub(one, text)


def _iri(written: str) -> str:
    """The IRI of a term written <...>, unescaped, if Oxigraph would take it (absolute, no banned character)."""
    if not _IRI_RE.fullmatch(written):
        raise Unsupported(f"not an N-Triples IRI: {written[:200]}")
    iri = _unescape(written[1:-1])
    if _NOT_IN_IRI.search(iri) or not _SCHEME.match(iri):
        raise Unsupported(f"not an absolute IRI: {iri[:200]}")
    return iri


def _node_key(written: str) -> str:
    """The key of a subject (or object) node: <iri> or _:label, written without escapes."""
    if _NODE_RE.fullmatch(written):
        return written
    if written.startswith("_:"):
        raise Unsupported(f"not an N-Triples blank node: {written[:200]}")
    return f"<{_iri(written)}>"


def _key_term(key: str) -> tuple:
    """The term of a node key: the node as it ends an N-Triples line, "<iri> .\\n" or "_:label .\\n" (so
    that what follows a predicate is the key itself, with its hash computed once)."""
    return (_IRI_KIND, key[1:-4], "", "") if key[0] == "<" else (_BNODE_KIND, key[2:-3], "", "")


def _term_key(term: tuple) -> str | None:
    kind, text = term[0], term[1]
    return f"<{text}> .\n" if kind == _IRI_KIND else f"_:{text} .\n" if kind == _BNODE_KIND else None


def _ox(term: tuple):
    kind, text, language, datatype = term
    try:
        if kind == _IRI_KIND:
            return ox.NamedNode(text)
        if kind == _BNODE_KIND:
            return ox.BlankNode(text)
        if language:
            return ox.Literal(text, language=language)
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    except ValueError as error:
        raise Unsupported(f"Oxigraph does not take {term!r}: {error}") from error


def _from_ox(node) -> tuple:
    if isinstance(node, ox.NamedNode):
        return (_IRI_KIND, node.value, "", "")
    if isinstance(node, ox.BlankNode):
        return (_BNODE_KIND, node.value, "", "")
    if node.language:
        return (_LITERAL_KIND, node.value, node.language, _LANG_STRING)
    return (_LITERAL_KIND, node.value, "", node.datatype.value)


class _Terms:
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
            if len(self.cache) >= _CACHE:
                self.cache.clear()
            self.cache[rest] = found
        return found

    def parse(self, written: str) -> tuple:
        first = written[:1]
        if first in ("<", "_"):
            return _key_term(_node_key(written) + " .\n")
        if first == '"':
            if m := _PLAIN_LITERAL.fullmatch(written):
                lexical, language, datatype = m[1], m[2], m[3]
                if datatype is not None and (_NOT_IN_IRI.search(datatype) or not _SCHEME.match(datatype)):
                    raise Unsupported(f"not an absolute IRI: {datatype[:200]}")
            elif m := _LITERAL_RE.fullmatch(written):
                lexical, language = _unescape(m[1]), m[2]
                datatype = _iri(m[3]) if m[3] else None
            else:
                raise Unsupported(f"not an N-Triples literal: {written[:200]}")
            return self.literal(lexical, language, datatype)
        raise Unsupported(f"not an N-Triples term: {written[:200]}")

    def literal(self, lexical: str, language: str | None, datatype: str | None) -> tuple:
        if language:
            if (tag := self.languages.get(language)) is None:
                tag = self.languages[language] = _ox((_LITERAL_KIND, "", language, _LANG_STRING)).language
            return (_LITERAL_KIND, lexical, tag, _LANG_STRING)
        if datatype is None or datatype == _STRING:
            return (_LITERAL_KIND, lexical, "", _STRING)
        if datatype == _INTEGER and _CANONICAL_INTEGER.fullmatch(lexical):
            return (_LITERAL_KIND, lexical, "", datatype)
        if datatype.startswith((_XSD, _RDF)):
            return self.stored((_LITERAL_KIND, lexical, "", datatype))
        return (_LITERAL_KIND, lexical, "", datatype)

    def _with(self, term: tuple, job: Callable[[], object]):
        self.scratch.add(ox.Quad(self.node, self.node, _ox(term)))
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
