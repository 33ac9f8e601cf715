"""SHACL shapes compiled once and run two ways, with the same results as pySHACL, many times faster.

pySHACL walks focus nodes one by one in Python. Here the shapes are compiled once (`Compiled`, `_checks`)
and run either

* on a pyoxigraph store (`validate_store`): each constraint of each shape becomes one SPARQL query over
  all its focus nodes at once, evaluated in Rust, returning only the violations; or
* on N-Triples lines grouped by subject (`validate_lines`), without loading the graph: pass 1 notes the
  classes of every subject and who points at whom through inverse paths; pass 2 takes one subject at a
  time and checks its property shapes in Python, with the semantics of the SPARQL filters above
  (terms as Oxigraph stores them: it writes "01"^^xsd:integer as "1"). SPARQL-based constraints run in
  Oxigraph on small stores holding only the triples their queries can read (`_Reads`).

Both cover the SHACL Core components our shapes use (class, datatype, nodeKind, minCount, maxCount,
minInclusive, maxInclusive, minLength, pattern, hasValue; paths that are a predicate or its inverse;
targetClass) and SPARQL-based constraints. Anything else raises Unsupported, and `phenkg.validate`
falls back (to pySHACL, or to a full store), so the answer never depends on the engine;
`tests/test_fastshacl.py` proves the engines agree on graphs with planted violations.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import logging
import os
import queue
import re
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import SH

from phenkg.errors import PhenkgError
from phenkg.validate import Result, result_order

log = logging.getLogger(__name__)

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NUMERIC = {f"{_XSD}{t}" for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                   "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                   "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_KNOWN = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
          SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minInclusive, SH.maxInclusive,
          SH.minLength, SH.pattern, SH.flags, SH.hasValue}
_NODE_KNOWN = {RDF.type, SH.targetClass, SH.property, SH.sparql, SH.severity, SH.message, SH.name,
               SH.description, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
               URIRef("http://www.w3.org/2000/01/rdf-schema#comment")}


class Unsupported(PhenkgError):
    """The shapes (or the data) use something this engine does not compile; use another engine instead."""


class NotGrouped(Unsupported):
    """The N-Triples lines are not grouped by subject: one subject's triples come in two runs."""


@dataclass
class _Property:
    shape: str  # the node shape's IRI
    target: str  # the target class IRI
    path: str  # SPARQL path: <p> or ^<p>
    path_text: str  # as in pySHACL reports: p or ^p
    node: BNode | URIRef
    severity: str
    message: str


def _term(node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"cannot compile {node!r}")


def _one_message(shapes: Graph, node) -> str:
    return " / ".join(sorted(str(m) for m in shapes.objects(node, SH.message)))


def _severity(shapes: Graph, node) -> str:
    return _SEVERITY.get(shapes.value(node, SH.severity), "Violation")


class Compiled:
    """The shapes graph, read once and compiled into SPARQL queries."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.prefixes = self._prefixes()
        self.node_shapes = sorted(set(shapes.subjects(SH.targetClass, None)), key=str)
        for other in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            if (None, other, None) in shapes:
                raise Unsupported(f"{other} targets are not compiled")
        for shape in self.node_shapes:
            if isinstance(shape, BNode):
                raise Unsupported("node shapes must be IRIs")
            for pred in shapes.predicates(shape):
                if pred not in _NODE_KNOWN and str(pred).startswith(str(SH)):
                    raise Unsupported(f"shape {shape} uses {pred}")

    def _prefixes(self) -> str:
        lines = []
        for decl in self.shapes.objects(None, SH.declare):
            prefix, namespace = self.shapes.value(decl, SH.prefix), self.shapes.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines))) + "\n"

    def properties(self) -> Iterator[_Property]:
        for shape in self.node_shapes:
            for target in self.shapes.objects(shape, SH.targetClass):
                for prop in self.shapes.objects(shape, SH.property):
                    for pred in self.shapes.predicates(prop):
                        if pred not in _KNOWN and str(pred).startswith(str(SH)):
                            raise Unsupported(f"property shape of {shape} uses {pred}")
                    path = self.shapes.value(prop, SH.path)
                    if isinstance(path, URIRef):
                        sparql, text = f"<{path}>", str(path)
                    elif isinstance(path, BNode) and (
                            inv := self.shapes.value(path, SH.inversePath)) is not None:
                        sparql, text = f"^<{inv}>", f"^{inv}"
                    else:
                        raise Unsupported(f"path {path!r} of {shape}")
                    yield _Property(str(shape), str(target), sparql, text, prop,
                                    _severity(self.shapes, prop), _one_message(self.shapes, prop))

    def by_target(self) -> dict[tuple[str, str], list[_Property]]:
        """The property shapes grouped by (node shape, target class), in the order both engines check them."""
        groups: dict[tuple[str, str], list[_Property]] = {}
        for prop in self.properties():
            groups.setdefault((prop.shape, prop.target), []).append(prop)
        return groups


def _rows(store, query: str) -> Iterator[tuple]:
    for row in store.query(query):
        yield tuple(row)


def _value_text(term) -> str:
    return "" if term is None else term.value


@dataclass
class _Check:
    """One value-level constraint of one property shape: a SPARQL filter that selects violations,
    optionally a Python test that has the last word (pySHACL's own comparison or regex), and the
    constraint's parameter for the streaming engine."""

    prop: _Property
    component: str
    condition: str
    confirm: Callable[[object], bool] | None = None  # True when the value really violates
    arg: object = None


def _checks(c: Compiled, prop: _Property, typed: str) -> Iterator[_Check]:
    shapes, node = c.shapes, prop.node
    if (dt := shapes.value(node, SH.datatype)) is not None:
        ok = f"isLiteral(?v) && DATATYPE(?v) = <{dt}>"
        if str(dt) == f"{_XSD}string":
            ok += ' && LANG(?v) = ""'
        if str(dt) == f"{_XSD}integer":
            ok += ' && REGEX(STR(?v), "^[+-]?[0-9]+$")'
        yield _Check(prop, "DatatypeConstraintComponent", f"!({ok})", arg=str(dt))
    if (kind := shapes.value(node, SH.nodeKind)) is not None:
        tests = {SH.IRI: "isIRI(?v)", SH.Literal: "isLiteral(?v)", SH.BlankNode: "isBlank(?v)",
                 SH.BlankNodeOrIRI: "!isLiteral(?v)", SH.IRIOrLiteral: "!isBlank(?v)",
                 SH.BlankNodeOrLiteral: "!isIRI(?v)"}
        yield _Check(prop, "NodeKindConstraintComponent", f"!({tests[kind]})", arg=kind)
    if (cls := shapes.value(node, SH["class"])) is not None:
        yield _Check(prop, "ClassConstraintComponent", f"NOT EXISTS {{ ?v {typed_path(typed)} <{cls}> }}",
                     arg=str(cls))
    numeric = " || ".join(f"DATATYPE(?v) = <{t}>" for t in sorted(_NUMERIC))
    for bound, op, sign, component in ((SH.minInclusive, ">=", 1, "MinInclusiveConstraintComponent"),
                                       (SH.maxInclusive, "<=", -1, "MaxInclusiveConstraintComponent")):
        if (limit := shapes.value(node, bound)) is not None:
            # numbers compare in SPARQL; anything else as pySHACL compares it (rdflib's own rules)
            yield _Check(prop, component,
                         f"!(isLiteral(?v) && ({numeric})) || !COALESCE(?v {op} {_term(limit)}, false)",
                         lambda value, limit=limit, sign=sign: not _in_range(value, limit, sign),
                         arg=(limit, sign))
    if (n := shapes.value(node, SH.minLength)) is not None:
        yield _Check(prop, "MinLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) < {int(n)}",
                     arg=int(n))
    if (pattern := shapes.value(node, SH.pattern)) is not None:
        flags = str(shapes.value(node, SH.flags) or "")
        regex = re.compile(str(pattern), (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)
                           | (re.S if "s" in flags else 0) | (re.X if "x" in flags else 0))
        yield _Check(prop, "PatternConstraintComponent", "true",
                     lambda value, regex=regex: isinstance(value, ox.BlankNode)
                     or not regex.search(value.value), arg=regex)


def _count_test(low, high) -> str:
    tests = ([f"COUNT(?v) < {int(low)}"] if low is not None else []) + (
        [f"COUNT(?v) > {int(high)}"] if high is not None else [])
    return " || ".join(tests)


def _result(prop: _Property, focus, component: str, value=None) -> Result:
    return Result(prop.severity, focus.value, prop.path_text, _value_text(value), prop.message, prop.shape,
                  component)


def _check_target(store, c: Compiled, target: str, props: list[_Property], typed: str) -> Iterator[Result]:
    """All core constraints of the property shapes on one target class, in three queries."""
    shapes, focus = c.shapes, typed.format(target=target)
    counted = [(p, shapes.value(p.node, SH.minCount), shapes.value(p.node, SH.maxCount)) for p in props]
    counted = [(p, lo, hi) for p, lo, hi in counted if lo is not None or hi is not None]
    if counted:
        # values that are there, counted per focus node and property (only nodes with at least one)
        branches = " UNION ".join(f"{{ ?this {p.path} ?v BIND({k} AS ?k) }}"
                                  for k, (p, _, _) in enumerate(counted))
        having = " || ".join(f"(?k = {k} && ({_count_test(lo, hi)}))"
                             for k, (_, lo, hi) in enumerate(counted))
        q = (f"SELECT ?this ?k (COUNT(?v) AS ?n) WHERE {{ {focus} {branches} }} "
             f"GROUP BY ?this ?k HAVING ({having})")
        for this, k, n in _rows(store, q):
            prop, lo, hi = counted[int(k.value)]
            if lo is not None and int(n.value) < int(lo):
                yield _result(prop, this, "MinCountConstraintComponent")
            if hi is not None and int(n.value) > int(hi):
                yield _result(prop, this, "MaxCountConstraintComponent")
        # focus nodes with no value at all, where at least one is required
        needed = [(k, p) for k, (p, lo, _) in enumerate(counted) if lo is not None and int(lo) > 0]
        if needed:
            branches = " UNION ".join(
                f"{{ {focus} FILTER NOT EXISTS {{ ?this {p.path} ?v }} BIND({k} AS ?k) }}" for k, p in needed)
            for this, k in _rows(store, f"SELECT ?this ?k WHERE {{ {branches} }}"):
                yield _result(counted[int(k.value)][0], this, "MinCountConstraintComponent")
    for prop in props:
        if (v := shapes.value(prop.node, SH.hasValue)) is not None:
            q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {prop.path} {_term(v)} }} }}"
            yield from (_result(prop, r[0], "HasValueConstraintComponent") for r in _rows(store, q))
    checks = [check for prop in props for check in _checks(c, prop, typed)]
    if checks:
        branches = " UNION ".join(f"{{ ?this {ch.prop.path} ?v FILTER({ch.condition}) BIND({k} AS ?k) }}"
                                  for k, ch in enumerate(checks))
        for this, value, k in _rows(store, f"SELECT ?this ?v ?k WHERE {{ {focus} {branches} }}"):
            check = checks[int(k.value)]
            if check.confirm is None or check.confirm(value):
                yield _result(check.prop, this, check.component, value)


def _in_range(value, limit: Literal, sign: int) -> bool:
    """pySHACL's comparison of a value with sh:minInclusive (sign 1) or sh:maxInclusive (sign -1)."""
    from pyshacl.rdfutil.compare import compare_literal

    if not isinstance(value, ox.Literal):
        return False
    datatype = None if value.language else value.datatype.value
    term = Literal(value.value, lang=value.language, datatype=datatype)
    if isinstance(term.value, str) != isinstance(limit.value, str):
        return False
    try:
        return compare_literal(term, limit) * sign >= 0
    except (TypeError, NotImplementedError):
        return False


def typed_path(typed: str) -> str:
    return "a" if "subClassOf" not in typed else "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/" \
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


@dataclass
class _Sparql:
    """One sh:sparql constraint of one node shape."""

    shape: URIRef
    select: str
    severity: str
    template: str
    targets: list[str]


def _sparql_constraints(c: Compiled) -> list[_Sparql]:
    found = []
    for shape in c.node_shapes:
        for constraint in c.shapes.objects(shape, SH.sparql):
            select = c.shapes.value(constraint, SH.select)
            if select is None:
                raise Unsupported(f"SPARQL constraint of {shape} has no sh:select")
            found.append(_Sparql(shape, str(select), _severity(c.shapes, shape),
                                 _one_message(c.shapes, constraint) or _one_message(c.shapes, shape),
                                 [str(t) for t in c.shapes.objects(shape, SH.targetClass)]))
    return found


def _run_sparql(store, c: Compiled, constraint: _Sparql, typed: str) -> Iterator[Result]:
    for target in constraint.targets:
        focus_nodes = [r[0] for r in _rows(store, "SELECT ?this WHERE { " + typed.format(target=target) + " }")]
        if focus_nodes:
            yield from _sparql_results(store, c, constraint.select, focus_nodes, constraint.shape,
                                       constraint.severity, constraint.template)


def _sparql_results(store, c: Compiled, select: str, focus_nodes: list, shape, severity: str,  # noqa: PLR0917
                    template: str) -> Iterator[Result]:
    body = select.replace("$this", "?this")
    brace = body.index("{", body.upper().index("WHERE"))
    values = "VALUES ?this { " + " ".join(f"<{n.value}>" for n in focus_nodes) + " } "
    query = c.prefixes + body[: brace + 1] + values + body[brace + 1:]
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    for row in solutions:
        binding = {name: row[name] for name in names if row[name] is not None}
        this = binding.get("this")
        value = binding.get("value", this)
        path = binding.get("path")

        def fill(m: re.Match, binding=binding) -> str:
            term = binding.get(m[1])
            return term.value if term is not None else m[0]

        message = re.sub(r"\{[?$](\w+)\}", fill, template)
        yield Result(severity, this.value if this else "", path.value if path else "", _value_text(value),
                     message, str(shape), "SPARQLConstraintComponent")


def _sorted(results: list[Result]) -> list[Result]:
    """In the order of `validate.result_order`, which leaves ties only between equal results."""
    return sorted(results, key=result_order)


def validate_store(store, shapes: Graph) -> list[Result]:
    """Every result of validating the store's default graph against `shapes`, sorted as pySHACL's."""
    compiled = Compiled(shapes)
    has_subclass = bool(store.query("ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"))
    typed = ("?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
             "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{target}> ." if has_subclass
             else "?this a <{target}> .")
    results: list[Result] = []
    for (_, target), props in compiled.by_target().items():
        results.extend(_check_target(store, compiled, target, props, typed))
    for constraint in _sparql_constraints(compiled):
        results.extend(_run_sparql(store, compiled, constraint, typed))
    return _sorted(results)


# ------------------------------------------------------------------------------------------------
# The streaming engine: N-Triples lines grouped by subject -> the same results as validate_store.

_TYPED = "?this a <{target}> ."
_TYPE = f"<{_RDF}type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_STRING, _INTEGER, _LANG_STRING = f"{_XSD}string", f"{_XSD}integer", f"{_RDF}langString"
_IRI_KIND, _BNODE_KIND, _LITERAL_KIND = 0, 1, 2  # a term is (kind, text, language, datatype)
_NUMBER, _COUNT = 0xFFFF, 0xFFF  # in _Streaming.classes: class set number, a packed inverse count (saturated)
_CACHE = 4096  # entries per cache (terms, test results) before it starts afresh: the repeated values come back
STORE_TRIPLES = 3_500_000  # triples per store for the sh:sparql constraints (Oxigraph: ~420 bytes each)

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
_INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")  # the datatype check's REGEX "^[+-]?[0-9]+$" (Rust: $ = end)
_KIND_OF = {SH.IRI: {_IRI_KIND}, SH.Literal: {_LITERAL_KIND}, SH.BlankNode: {_BNODE_KIND},
            SH.BlankNodeOrIRI: {_BNODE_KIND, _IRI_KIND}, SH.IRIOrLiteral: {_IRI_KIND, _LITERAL_KIND},
            SH.BlankNodeOrLiteral: {_BNODE_KIND, _LITERAL_KIND}}


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


def _value_test(check: _Check, terms: _Terms, classes: Callable[[str], tuple]) -> Callable[[tuple], bool]:
    """A Python test that is True when a term violates the check, exactly where its SPARQL filter (and
    its confirm step) would select it."""
    component, arg = check.component, check.arg
    if component == "DatatypeConstraintComponent":
        integer = arg == _INTEGER

        def datatype(term: tuple) -> bool:
            kind, text, _, dt = term
            return kind != _LITERAL_KIND or dt != arg or (integer and not _INTEGER_LEXICAL.fullmatch(text))
        return datatype
    if component == "NodeKindConstraintComponent":
        kinds = _KIND_OF[arg]
        return lambda term: term[0] not in kinds
    if component == "ClassConstraintComponent":
        def not_of_class(term: tuple) -> bool:
            key = _term_key(term)
            return key is None or arg not in classes(key)
        return not_of_class
    if component in ("MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent"):
        limit, sign = arg
        bound = limit.value if limit.datatype == URIRef(_INTEGER) and type(limit.value) is int else None

        def out_of_range(term: tuple) -> bool:
            kind, text, _, dt = term
            if kind != _LITERAL_KIND:
                return True  # the filter selects it, and pySHACL's comparison fails for a node
            if dt not in _NUMERIC:
                flagged = True  # !(isLiteral(?v) && numeric)
            elif bound is not None and dt == _INTEGER and _CANONICAL_INTEGER.fullmatch(text):
                flagged = (int(text) - bound) * sign < 0
            else:
                flagged = terms.holds(check.condition, term)
            return flagged and check.confirm(_ox(term))
        return out_of_range
    if component == "MinLengthConstraintComponent":
        return lambda term: term[0] == _BNODE_KIND or len(term[1]) < arg
    if component == "PatternConstraintComponent":
        return lambda term: term[0] == _BNODE_KIND or not arg.search(term[1])
    raise Unsupported(f"{component} is not compiled for N-Triples")


@dataclass
class _PyProperty:
    """One property shape, ready for the streaming engine."""

    prop: _Property
    index: int  # its place among the property shapes of its (shape, target) group
    low: int | None
    high: int | None
    has_value: tuple | None
    tests: list[tuple[_Check, Callable[[tuple], bool]]]


_FORM_ONLY = {"NodeKindConstraintComponent", "ClassConstraintComponent", "DatatypeConstraintComponent",
              "MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent"}  # for a node: kind, classes


class _Path:
    """The property shapes of one group on one path, checked together: a focus node's values on the path
    are read, and each tested, once. A value is known by its identity: its node key for a node, its term
    for a literal; with the tests it fails as (shape position, test index) pairs."""

    def __init__(self, predicate: str, inverse: bool, props: list[_PyProperty], engine: _Streaming) -> None:
        self.predicate, self.inverse, self.props, self.engine = predicate, inverse, props, engine
        self.low = max([p.low for p in props if p.low is not None], default=0)
        self.high = min([p.high for p in props if p.high is not None], default=float("inf"))
        self.required = tuple(_identity(p.has_value) for p in props if p.has_value is not None)
        self.quiet_one = self.low <= 1 <= self.high and not self.required  # one value failing nothing is quiet
        self.tests = [((at, n), test) for at, p in enumerate(props) for n, (_, test) in enumerate(p.tests)]
        # when every test of a node value depends only on its kind and classes (nodeKind, class...), nodes
        # that are subjects (their keys checked when read) are tested once per (kind, classes)
        forms = all(check.component in _FORM_ONLY for p in props for check, _ in p.tests)
        self.has_class = any(check.component == "ClassConstraintComponent" for p in props for check, _ in p.tests)
        self.by_form: dict[int, tuple | None] | None = {} if forms else None
        self.cache: dict[str, tuple[object, tuple | None]] = {}  # what follows the predicate -> value

    def fails(self, term: tuple) -> tuple | None:
        return tuple(pair for pair, test in self.tests if test(term)) or None

    def node_fails(self, key: str) -> tuple | None:
        """The tests a node fails, from its classes (none if it is no subject)."""
        if self.by_form is None:
            return self.fails(_key_term(key))
        if (state := self.engine.classes.get(key)) is None:
            _node_key(key[:-3])  # no subject's key, so not checked yet: Unsupported unless an IRI or blank node
            state = -1
        form = (state & _NUMBER if state >= 0 else -1) * 2 + (key[0] == "_")  # -2, -1: no classes
        if (fails := self.by_form.get(form, False)) is False:
            fails = self.by_form[form] = self.fails(_key_term(key))
        return fails

    def value(self, rest: str, parse: Callable[[str], tuple]) -> tuple[object, tuple | None]:
        """The identity of a value written `rest` (what follows the predicate) and the tests it fails."""
        if self.by_form is not None and rest[0] in "<_" and rest.endswith(" .\n") and rest.count(" ") == 1 \
                and "\\" not in rest and (state := self.engine.classes.get(rest)) is not None and state >= 0:
            # a subject (a node as written is its key): tested once per class set, so no cache needed
            form = (state & _NUMBER) * 2 + (rest[0] == "_")
            if (fails := self.by_form.get(form, False)) is False:
                fails = self.by_form[form] = self.fails(_key_term(rest))
            return rest, fails
        if (found := self.cache.get(rest)) is not None:
            return found
        if self.by_form is not None and rest[0] in "<_" and rest.endswith(" .\n") and rest.count(" ") == 1 \
                and "\\" not in rest:
            found = (rest, self.node_fails(rest))
        else:
            term = parse(rest)
            found = (_identity(term), self.fails(term))
        if len(self.cache) >= _CACHE:
            self.cache.clear()
        self.cache[rest] = found
        return found


def _identity(term: tuple) -> object:
    """A node's key, a literal's term: equal for equal terms, and plain subject keys stay as written."""
    return term if term[0] == _LITERAL_KIND else _term_key(term)


def _text(identity: object) -> str:
    if isinstance(identity, str):
        return identity[1:-4] if identity[0] == "<" else identity[2:-3]
    return identity[1]


class _Core:
    """The property shapes, checked one focus node at a time, in the order validate_store checks them."""

    def __init__(self, c: Compiled, terms: _Terms, engine: _Streaming) -> None:
        self.groups: list[tuple[str, list[_Path]]] = []
        self.inverse_values: set[str] = set()  # inverse predicates whose values (not only counts) are checked
        node = c.shapes.value
        for (_, target), props in c.by_target().items():
            paths: dict[str, _Path] = {}
            for index, prop in enumerate(props):
                low, high = node(prop.node, SH.minCount), node(prop.node, SH.maxCount)
                has_value = node(prop.node, SH.hasValue)
                if has_value is not None:
                    _term(has_value)  # Unsupported for a blank node, as in validate_store
                    if isinstance(has_value, URIRef):
                        has_value = (_IRI_KIND, str(has_value), "", "")
                    else:
                        datatype = str(has_value.datatype) if has_value.datatype else None
                        has_value = terms.literal(str(has_value), has_value.language, datatype)
                tests = [(check, _value_test(check, terms, engine.classes_of)) for check in _checks(c, prop, _TYPED)]
                compiled = _PyProperty(prop, index, None if low is None else int(low),
                                       None if high is None else int(high), has_value, tests)
                paths.setdefault(prop.path, []).append(compiled)
                if prop.path.startswith("^") and (tests or has_value is not None):
                    self.inverse_values.add(prop.path.removeprefix("^"))
            self.groups.append((target, [_Path(path.removeprefix("^"), path.startswith("^"), shapes, engine)
                                         for path, shapes in paths.items()]))
        # rdf:type paths with only sh:hasValue of IRIs are checked from the class set, which pass 1 keeps:
        # pass 2 then need not read rdf:type lines for them
        self.by_classes = {id(path) for _, paths in self.groups for path in paths
                           if path.predicate == _TYPE and not path.inverse and all(
                               p.low is None and p.high is None and not p.tests and p.has_value is not None
                               and p.has_value[0] == _IRI_KIND for p in path.props)}
        self.classes_needed = {t for t, _ in self.groups} | {
            check.arg for _, paths in self.groups for path in paths for p in path.props for check, _ in p.tests
            if check.component == "ClassConstraintComponent"} | {
            p.has_value[1] for _, paths in self.groups for path in paths if id(path) in self.by_classes
            for p in path.props}
        self.inverse_predicates = {path.predicate for _, paths in self.groups for path in paths if path.inverse}
        self.predicates = {path.predicate for _, paths in self.groups for path in paths
                           if not path.inverse and id(path) not in self.by_classes}
        self._plans: dict[tuple, tuple | None] = {}

    def plan(self, classes: tuple) -> tuple | None:
        """What a subject with these classes is checked for, if it is a focus node: its inverse paths,
        its other paths (with what `_Streaming._focus` needs at hand), the predicates these read, and the
        sh:hasValue rdf:type shapes its classes fail."""
        if (plan := self._plans.get(classes, False)) is False:
            paths = [path for target, paths in self.groups if target in classes for path in paths]
            read = [path for path in paths if not path.inverse and id(path) not in self.by_classes]
            missing = tuple(prop for path in paths if id(path) in self.by_classes for prop in path.props
                            if prop.has_value[1] not in classes)
            plan = self._plans[classes] = (
                tuple(path for path in paths if path.inverse), tuple((p, p.predicate, p.quiet_one) for p in read),
                frozenset(path.predicate for path in read), missing) if paths else None
        return plan


class _Everything(Exception):
    pass


@dataclass
class _Reads:
    """The triples one SPARQL query can read, so that a store holding only those gives the same solutions.

    Every solution of a query is built from the matches of its triple patterns (in BGPs, EXISTS and
    MINUS patterns, subqueries) and property paths; a triple that matches no pattern cannot change any
    solution, so dropping it changes no result. A pattern with a constant predicate matches only triples
    with that predicate (`keys` "<p>"); an rdf:type pattern with a constant class only the triples
    naming that class ("<rdf:type> <C>"). rdf:type with a variable object, or inside a path, keeps every
    rdf:type triple; a variable predicate, a negated path or a zero-length path (which matches every
    node of the graph) keeps everything. Moreover, all patterns of one BGP on the same subject must match
    together: a triple of such a "star" (say ?item a phenkg:Paper ; schema:name ?title) is kept only
    when its subject has a triple for every pattern of the star (`stars`); this only drops triples whose
    subject matches no pattern group, which no solution can use. The triples typing the focus class
    are kept too (the engine finds $this in the same store)."""

    everything: bool = False
    keys: set[str] = field(default_factory=set)  # kept whenever present
    stars: list[frozenset[str]] = field(default_factory=list)  # kept when all of the star is present
    patterns: int = 0

    @classmethod
    def of(cls, query: str, focus_classes: Iterable[str]) -> _Reads:
        reads = cls(keys={f"{_TYPE} <{c}>" for c in focus_classes})
        try:
            for block in _blocks(_algebra(query)):
                reads._add(block)
        except _Everything:
            reads.everything = True
        return reads

    def _add(self, block: list[tuple]) -> None:
        stars: dict[object, set[str]] = {}
        for s, p, o in block:
            self.patterns += 1
            if isinstance(p, URIRef):
                key = f"<{p}>"
                if p == RDF.type:
                    if isinstance(o, URIRef):
                        key = f"{_TYPE} <{o}>"
                    elif not isinstance(o, (Variable, BNode)):
                        raise _Everything  # a literal class: keep it simple
                stars.setdefault(s, set()).add(key)
            elif isinstance(p, Variable):
                raise _Everything
            else:
                self.keys.update(f"<{iri}>" for iri in _path_iris(p))
        for keys in stars.values():
            if len(keys) == 1:
                self.keys |= keys
            else:
                self.stars.append(frozenset(keys))


@functools.lru_cache(maxsize=64)
def _algebra(query: str):
    """rdflib's algebra of a query (remembered: parsing takes rdflib about 0.1 s a query)."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        return prepareQuery(query).algebra
    except Exception as error:  # rdflib raises several unrelated types for what it cannot parse
        raise Unsupported(f"rdflib cannot parse a SPARQL constraint: {error}") from error


def _blocks(node) -> Iterator[list[tuple]]:
    """The conjunctive groups of triple patterns of a query's algebra, wherever they are."""
    from rdflib.plugins.sparql.algebra import triples
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            raise Unsupported("SERVICE in a SPARQL constraint")
        if node.name in ("BGP", "TriplesBlock"):
            found = list(node.get("triples") or [])
            yield [tuple(t) for t in (triples(found) if found and len(found[0]) != 3 else found)]
            return
        for key, value in node.items():
            if key != "_vars":
                yield from _blocks(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _blocks(item)


def _path_iris(path) -> Iterator[URIRef]:
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

    if isinstance(path, URIRef):
        yield path  # rdf:type too: its key "<rdf:type>" keeps every rdf:type triple
    elif isinstance(path, InvPath):
        yield from _path_iris(path.arg)
    elif isinstance(path, (SequencePath, AlternativePath)):
        for arg in path.args:
            yield from _path_iris(arg)
    elif isinstance(path, MulPath) and not path.zero:
        yield from _path_iris(path.path)
    else:
        raise _Everything  # a negated or zero-length path, or something new


class _SparqlStores:
    """The sh:sparql constraints, each run on a small Oxigraph store holding only what its query can read.

    Pass 1 hands over lines (`extend` and `route` for a predicate whose lines every reading constraint
    keeps, `take` for one subject's lines that a star pattern keeps or drops as a whole); each goes to
    the store of the constraint with the most patterns, which a worker thread loads while the pass reads
    on, and to temp files, one per set of constraints reading it. After pass 1 (`plan`) the other
    constraints are packed into stores of at most STORE_TRIPLES triples (~420 bytes each in Oxigraph),
    and the worker queries and drops one store after the other while pass 2 runs.

    Stores load chunks of a few MB of lines (from memory or a temp file), which Oxigraph parses without
    the GIL (from a Python file object it would take the GIL for every 2 KB it reads), each in a small
    transaction. Blank node labels are scoped to one load, so the lines with a blank node are set apart
    and loaded together, in one last load."""

    def __init__(self, c: Compiled, constraints: list[_Sparql], directory: str) -> None:
        self.c, self.constraints, self.directory = c, constraints, directory
        self.reads = [_Reads.of(c.prefixes + con.select, con.targets) for con in constraints]
        self.first = 1 << max(range(len(constraints)), key=lambda n: self.reads[n].patterns)
        self.everything = sum(1 << n for n, r in enumerate(self.reads) if r.everything)
        self.in_stars = {key for r in self.reads for star in r.stars for key in star}
        self.predicates = {key.split(" ", 1)[0] for r in self.reads for key in r.keys | self.in_stars}
        self.static: dict[tuple[str, ...], int | None] = {}
        self.counts: dict[int, int] = {}  # lines per set of constraints (a bit mask) that read them
        self.buffers: dict[tuple[int, bool], list[str]] = {}
        self.files: dict[tuple[int, bool], object] = {}
        self.paths: dict[tuple[int, bool], str] = {}  # (mask, with blank nodes) -> temp file
        self.masks: dict[frozenset, dict[str, int]] = {}
        self.blank: list[str] = []  # lines of the first store with a blank node
        self.queue: queue.Queue = queue.Queue(maxsize=8)  # bytes, a path, a list (one load), None (end)
        self.groups: list[int] = []
        self.results: dict[int, list[Result]] = {}
        self.error: BaseException | None = None
        self.cancelled = self.ended = False
        self.timings: list[tuple[str, float]] = []
        self.worker = threading.Thread(target=self._work, name="phenkg-sparql", daemon=True)
        self.worker.start()

    def mask_of(self, keys: tuple[str, ...]) -> int | None:
        """The constraints that keep every line with these keys ("<p>", or "<rdf:type>" and "<rdf:type> <C>"),
        or None when that depends on the subject's other lines (a key in a star)."""
        if (mask := self.static.get(keys, -1)) == -1:
            if any(key in self.in_stars for key in keys):
                mask = None
            else:
                mask = self.everything | sum(1 << n for n, r in enumerate(self.reads) if any(k in r.keys for k in keys))
            self.static[keys] = mask
        return mask

    def take(self, items: list[tuple[tuple[str, ...], str, bool]]) -> None:
        """One subject's lines that a star pattern may keep, with their keys ("<p>", "<rdf:type> <C>")."""
        present = frozenset(key for keys, _, _ in items for key in keys)
        masks = self.masks.get(present)
        if masks is None:
            if len(self.masks) > 10_000:
                self.masks.clear()
            masks = self.masks[present] = self._masks(present)
        buffers = self.buffers
        for keys, line, blank in items:
            mask = masks.get(keys[0], 0) if len(keys) == 1 else masks.get(keys[0], 0) | masks.get(keys[1], 0)
            if mask:
                if (buffer := buffers.get((mask, blank))) is None:
                    buffer = buffers[mask, blank] = []
                buffer.append(line if line[-1:] == "\n" else line + "\n")
                if len(buffer) >= 20_000:
                    self._flush(mask, blank)

    def _masks(self, present: frozenset) -> dict[str, int]:
        masks: dict[str, int] = {}
        for n, reads in enumerate(self.reads):
            kept = present if reads.everything else present & reads.keys
            for star in reads.stars:
                if star <= present:
                    kept = kept | star
            for key in kept:
                masks[key] = masks.get(key, 0) | 1 << n
        return masks

    def extend(self, buffers: dict[int, list[str]]) -> None:
        """Lines without blank nodes, by the constraints (bit mask) that keep them."""
        for mask, lines in buffers.items():
            if (buffer := self.buffers.get((mask, False))) is None:
                self.buffers[mask, False] = lines
            else:
                buffer.extend(lines)
            if len(self.buffers[mask, False]) >= 20_000:
                self._flush(mask, False)

    def route(self, line: str, mask: int, blank: bool) -> None:
        """A line for the constraints in `mask`; `blank` when it has a blank node."""
        if (buffer := self.buffers.get((mask, blank))) is None:
            buffer = self.buffers[mask, blank] = []
        buffer.append(line if line[-1:] == "\n" else line + "\n")
        if len(buffer) >= 20_000:
            self._flush(mask, blank)

    def _flush(self, mask: int, blank: bool) -> None:
        lines = self.buffers.pop((mask, blank), None)
        if not lines:
            return
        self.counts[mask] = self.counts.get(mask, 0) + len(lines)
        if mask & self.first:
            if blank:
                self.blank.extend(lines)
            else:
                self._put("".join(lines).encode())
        if mask != self.first:
            if (out := self.files.get((mask, blank))) is None:
                path = self.paths[mask, blank] = os.path.join(self.directory, f"reads-{mask}-{int(blank)}.nt")
                out = self.files[mask, blank] = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            out.write("".join(lines))

    def _put(self, item) -> None:
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.worker.is_alive():
                    raise self.error or RuntimeError("the SPARQL worker stopped") from None

    def _size(self, group: int) -> int:
        return sum(n for mask, n in self.counts.items() if mask & group)

    def plan(self) -> None:
        """After the pass: pack the constraints into stores and let the worker finish the first one."""
        for mask, blank in list(self.buffers):
            self._flush(mask, blank)
        for out in self.files.values():
            out.close()
        first = self.first
        groups = [first]
        for n in sorted(set(range(len(self.reads))) - {first.bit_length() - 1}, key=lambda n: -self._size(1 << n)):
            for k, group in enumerate(groups):
                if self._size(group | 1 << n) <= STORE_TRIPLES:
                    groups[k] = group | 1 << n
                    break
            else:
                groups.append(1 << n)
        self.groups = groups
        log.debug("SPARQL stores (constraints, lines): %s", [(bin(g), self._size(g)) for g in groups])
        # the constraints packed with the first: the lines the first store has not had yet
        for item in self._loads(groups[0], skip=first, blank="".join(self.blank).encode()):
            self._put(item)
        self.blank = []
        self.ended = True
        self._put(None)

    def _loads(self, group: int, skip: int = 0, blank: bytes = b"") -> list:
        """What to load for a store: every file of lines some constraint of `group` reads (but not those
        already loaded for `skip`), then all lines with blank nodes in one load."""
        plain = [path for (mask, has_blank), path in self.paths.items()
                 if mask & group and not mask & skip and not has_blank]
        blanks = [path for (mask, has_blank), path in self.paths.items()
                  if mask & group and not mask & skip and has_blank]
        return [*plain, [blank, *blanks]]

    def _work(self) -> None:
        reading = True
        try:
            started = time.monotonic()
            store = ox.Store()
            while (item := self.queue.get()) is not None:  # the first store, while the pass reads on
                _load(store, item)
            reading = False
            for k, group in enumerate(self.groups):
                if self.cancelled:
                    return
                if k:
                    started = time.monotonic()
                    store = ox.Store()
                    for item in self._loads(group):
                        _load(store, item)
                self.timings.append((f"store {k + 1}: {self._size(group):,} lines loaded", time.monotonic() - started))
                for n, constraint in enumerate(self.constraints):
                    if group & 1 << n and not self.cancelled:
                        started = time.monotonic()
                        self.results[n] = list(_run_sparql(store, self.c, constraint, _TYPED))
                        self.timings.append((str(constraint.shape).rsplit("#", 1)[-1], time.monotonic() - started))
                store = None
        except BaseException as error:
            self.error = error
            while reading and self.queue.get() is not None:  # so that the main thread never waits
                pass

    def finish(self) -> list[Result]:
        """The results of every constraint, in the order validate_store runs them."""
        self.worker.join()
        if self.error is not None:
            raise self.error
        for name, seconds in self.timings:
            log.debug("sparql: %s %.1f s", name, seconds)
        return [r for n in range(len(self.constraints)) for r in self.results.get(n, [])]

    def cancel(self) -> None:
        self.cancelled = True
        if not self.ended:
            self.ended = True
            with contextlib.suppress(BaseException):  # the worker is gone: nothing to stop
                self._put(None)
        self.worker.join()


def _load(store, item) -> None:
    """Bytes, a file, or a list of bytes and files loaded together (one blank node scope)."""
    if isinstance(item, bytes):
        if item:
            store.load(item, format=ox.RdfFormat.N_TRIPLES)
    elif isinstance(item, str):  # no blank nodes: any number of loads, each of a few MB (one transaction)
        with open(item, "rb") as lines:
            while chunk := lines.read(8 << 20):
                store.load(chunk + lines.readline(), format=ox.RdfFormat.N_TRIPLES)
    else:
        data = b"".join(part if isinstance(part, bytes) else Path(part).read_bytes() for part in item)
        if data:
            store.load(data, format=ox.RdfFormat.N_TRIPLES)


class _Streaming:
    """validate_lines: two passes over N-Triples lines grouped by subject.

    Pass 1 (`_scan`) notes, per subject, the classes the shapes name (`classes`: node key -> the number of
    its set of classes in `class_sets`; a subject met twice is NotGrouped), counts or lists who points at
    each node through inverse paths, and hands the lines the SPARQL constraints read to `_SparqlStores`,
    whose first store is loaded while the pass reads on and is queried while pass 2 runs. Pass 2
    (`_check`) takes one subject at a time and checks its property shapes from its own lines. Only that
    is kept, not the lines."""

    def __init__(self, shapes: Graph) -> None:
        self.c = Compiled(shapes)
        self.terms = _Terms()
        self.classes: dict[str, int] = {}  # node key -> its class set
        self.class_sets: list[tuple] = []
        self.core = _Core(self.c, self.terms, self)
        self.constraints = _sparql_constraints(self.c)
        # subjects pointing at a node through an inverse path: counted in `classes` itself when only the
        # count matters (`packed`: predicate -> bit shift of its 12-bit count), else listed in `inverse`
        counted = sorted(self.core.inverse_predicates - self.core.inverse_values)
        most = max([path.high if path.high != float("inf") else path.low for _, paths in self.core.groups
                    for path in paths if path.inverse], default=0)
        self.packed = {p: 16 + 12 * n for n, p in enumerate(counted)} if most < _COUNT else {}
        self.inverse: dict[str, dict[str, object]] = {p: {} for p in self.core.inverse_predicates
                                                      if p not in self.packed}
        self.canon: dict[str, str] = {}  # predicates seen, <iri>
        self.results: list[Result] = []
        self.sparql: _SparqlStores | None = None
        self.runs = array("H")  # the class set of each subject, in the order pass 1 met them
        self.count = self.checksum = 0  # lines read by pass 1, and a checksum of its subjects

    def run(self, lines: Callable[[], Iterable[str]]) -> list[Result]:
        # millions of long-lived dict entries and tuples, no reference cycles: the cyclic garbage collector
        # would walk them all again and again for nothing
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(lines)
        finally:
            if collecting:
                gc.enable()

    def _run(self, lines: Callable[[], Iterable[str]]) -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="phenkg-shacl-") as directory:
            if self.constraints:
                self.sparql = _SparqlStores(self.c, self.constraints, directory)
            try:
                started = time.monotonic()
                self._scan(lines)
                log.debug("pass 1: %s lines, %s subjects, %.1f s", f"{self.count:,}", f"{len(self.classes):,}",
                          time.monotonic() - started)
                if self.sparql is not None:
                    self.sparql.plan()
                started = time.monotonic()
                self._check(lines)
                self._inverse_paths()
                log.debug("pass 2: %.1f s", time.monotonic() - started)
            except BaseException:
                if self.sparql is not None:
                    self.sparql.cancel()
                raise
            if self.sparql is not None:
                started = time.monotonic()
                self.results.extend(self.sparql.finish())
                log.debug("waited %.1f s for the SPARQL constraints", time.monotonic() - started)
        return _sorted(self.results)

    def _fields(self, line: str) -> tuple[str, str, str] | None:
        """Subject, predicate (as <iri>) and object + " .\\n" of any N-Triples line; None for a blank or
        comment line. The slow path, for lines not written the way N-Triples writers usually write them."""
        m = _LINE.fullmatch(line)
        if m is None:
            raise Unsupported(f"not an N-Triples line: {line[:200]!r}")
        if m[1] is None:
            return None
        return _node_key(m[1]), _node_key(m[2]), m[3] + " .\n"

    def _flags(self, predicate: str) -> int:
        """What pass 1 does with a predicate's lines: 1 classes, 2 inverse path, 8 some property shape reads
        them; 4 some SPARQL query may read them, with 16 when a star decides, else the constraints that
        read them all as a bit mask from bit 5 on."""
        if predicate[0] != "<":
            raise Unsupported(f"a predicate must be an IRI: {predicate[:200]}")
        if predicate == _SUBCLASS:
            raise Unsupported("rdfs:subClassOf in the data: targets would need inference")
        self.canon[predicate] = predicate
        flags = ((1 if predicate == _TYPE else 0) | (2 if predicate in self.inverse or predicate in self.packed else 0)
                 | (8 if predicate in self.core.predicates else 0))
        sparql = self.sparql
        if sparql is not None and (sparql.everything or predicate in sparql.predicates):
            mask = sparql.mask_of((predicate,))
            flags |= 4 | (16 if mask is None else mask << 5)
        return flags

    def _object(self, rest: str, line: str) -> tuple:
        """The object term of a line, given what follows its predicate."""
        try:
            return self.terms.after(rest)
        except Unsupported:
            if (fields := self._fields(line)) is None:
                raise
            return self.terms.parse(fields[2][:-3])

    def classes_of(self, key: str) -> tuple:
        """The classes the shapes name that a node has (none if it is no subject)."""
        state = self.classes.get(key, -1)
        return self.class_sets[state & _NUMBER] if state >= 0 else ()

    def _type(self, rest: str, line: str) -> tuple[str | None, tuple[str, ...], int | None]:
        """For an rdf:type line: the class if the shapes name it, the keys the SPARQL reads know it by,
        and the constraints that keep it (None when a star decides)."""
        term = self._object(rest, line)
        keys = (_TYPE, f"{_TYPE} <{term[1]}>") if term[0] == _IRI_KIND else (_TYPE,)
        named = term[1] if term[0] == _IRI_KIND and term[1] in self.core.classes_needed else None
        return named, keys, self.sparql.mask_of(keys) if self.sparql is not None else 0

    def _scan(self, lines: Callable[[], Iterable[str]]) -> None:  # noqa: PLR0915 - flat for speed
        classes, class_sets, inverse, packed, sparql = self.classes, self.class_sets, self.inverse, self.packed, \
            self.sparql
        routes: dict[str, int] = {}
        types: dict[str, tuple] = {}  # what follows rdf:type -> see _type
        numbers: dict[tuple, int] = {}  # class set -> its number in class_sets
        subject = key = None
        found: list[str] = []  # the current subject's classes that the shapes name
        taken: list[tuple[tuple[str, ...], str, bool]] = []  # its lines that a SPARQL star may keep or drop
        pairs: set[tuple[str, str]] = set()  # its (inverse predicate, object) pairs already counted
        buffers: dict[int, list[str]] = {}
        buffered = count = checksum = 0
        runs = self.runs
        source = lines()
        try:
            for line in itertools.chain.from_iterable(_batches(source)):  # None last: the end of the last subject
                if line is not None:
                    count += 1
                    try:
                        s, p, rest = line.split(" ", 2)
                        flags = routes[p]
                    except (ValueError, KeyError):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                        if (flags := routes.get(p)) is None:
                            flags = routes[p] = self._flags(p)
                    if s == subject:
                        pass
                    elif not _NODE_RE.fullmatch(s):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                        if (flags := routes.get(p)) is None:
                            flags = routes[p] = self._flags(p)
                if line is None or s != subject:
                    if subject is not None:  # the end of a subject's lines
                        kept = tuple(sorted(set(found))) if found else ()
                        if (number := numbers.get(kept)) is None:
                            number = numbers[kept] = len(class_sets)
                            class_sets.append(kept)
                            if number > _NUMBER:
                                raise Unsupported("more than 65,536 different sets of classes")
                        classes[key] = number | (-1 - classes[key])  # with the counts it gathered
                        runs.append(number)
                        if taken:
                            sparql.take(taken)
                            taken = []
                        if found:
                            found = []
                        if pairs:
                            pairs = set()
                    if line is None:
                        break
                    subject, key = s, s + " .\n"
                    checksum = (checksum * 1_000_003 + hash(key)) & 0xFFFFFFFFFFFFFFFF
                    if classes.setdefault(key, -1) >= 0:
                        raise NotGrouped(f"the triples of {s[:200]} are not together (sort the lines first)",
                                         line=count)
                if not flags:
                    continue
                if flags & 1:
                    if (kind := types.get(rest)) is None:
                        if len(types) >= _CACHE:
                            types.clear()
                        kind = types[rest] = self._type(rest, line)
                    if kind[0] is not None:
                        found.append(kind[0])
                    if flags & 4:
                        if kind[2] is None:
                            taken.append((kind[1], line, s[0] == "_" or rest[0] == "_"))
                        elif kind[2]:
                            sparql.route(line, kind[2], s[0] == "_" or rest[0] == "_")
                if flags & 2:
                    if rest[0] == '"':
                        node = None
                    elif rest[-3:] == " .\n" and " " not in rest[:-3] and "\t" not in rest and "\\" not in rest:
                        node = rest  # a node as written is its key
                    else:
                        node = _term_key(self._object(rest, line))
                    if node is not None and (p, node) not in pairs:
                        pairs.add((p, node))
                        if (shift := packed.get(p)) is None:
                            inverse[p].setdefault(node, []).append(key)
                        elif (state := classes.get(node)) is None:
                            classes[node] = -1 - (1 << shift)  # a node not read yet, pointed at once
                        elif ((state if state >= 0 else -1 - state) >> shift) & _COUNT < _COUNT:
                            classes[node] = state + (1 << shift) if state >= 0 else state - (1 << shift)
                if flags & 4 and not flags & 1:
                    if flags & 16:
                        taken.append(((p,), line, s[0] == "_" or rest[0] == "_"))
                    elif s[0] == "_" or rest[0] == "_":
                        sparql.route(line, flags >> 5, True)
                    else:
                        if (buffer := buffers.get(flags >> 5)) is None:
                            buffer = buffers[flags >> 5] = []
                        buffer.append(line if line[-1] == "\n" else line + "\n")
                        buffered += 1
                        if buffered >= 100_000:
                            sparql.extend(buffers)
                            buffers, buffered = {}, 0
            if buffers:
                sparql.extend(buffers)
        finally:
            if close := getattr(source, "close", None):
                close()
        self.count, self.checksum = count, checksum

    def _check(self, lines: Callable[[], Iterable[str]]) -> None:  # noqa: PLR0915 - flat for speed
        canon, runs = self.canon, iter(self.runs)
        plans = [self.core.plan(kept) for kept in self.class_sets]
        # per plan, each predicate pass 1 met: True if the plan's shapes read it
        wanted = [None if plan is None else {p: p in plan[2] for p in canon} for plan in plans]
        subject = key = plan = None
        reads: dict[str, bool] = {}
        values: dict[str, str | list[str]] = {}  # the subject's values on the paths its shapes read
        count = checksum = 0
        source = lines()
        try:
            for line in itertools.chain.from_iterable(_batches(source)):  # None last: the end of the last subject
                if line is not None:
                    count += 1
                    try:
                        s, p, rest = line.split(" ", 2)
                    except ValueError:
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                    if s != subject and not _NODE_RE.fullmatch(s):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                if line is None or s != subject:
                    if plan is not None:
                        self._focus(key, values, plan)
                        if values:
                            values = {}
                    if line is None:
                        break
                    subject, key = s, s + " .\n"
                    checksum = (checksum * 1_000_003 + hash(key)) & 0xFFFFFFFFFFFFFFFF
                    number = next(runs, 0)  # the subjects come in the order pass 1 met them
                    if (plan := plans[number]) is not None:
                        reads = wanted[number]
                if plan is None:
                    continue
                if not (read := reads.get(p)):
                    if read is not None:
                        continue
                    if (fields := self._fields(line)) is None:  # a predicate written with escapes...
                        continue
                    _, p, rest = fields
                    if p not in plan[2]:
                        continue
                if (known := values.get(p)) is None:
                    values[p] = rest
                elif known.__class__ is str:
                    values[p] = [known, rest]
                else:
                    known.append(rest)
        finally:
            if close := getattr(source, "close", None):
                close()
        if (count, checksum) != (self.count, self.checksum):
            raise Unsupported("the lines changed between the two passes")

    def _inverse_paths(self) -> None:
        """After pass 2: the shapes on inverse paths, now that all the subjects pointing at a node are known."""
        if not self.core.inverse_predicates:
            return
        plans = [self.core.plan(kept) for kept in self.class_sets]
        for key, state in self.classes.items():
            if state < 0 or (plan := plans[state & _NUMBER]) is None:
                continue
            for path in plan[0]:
                if (shift := self.packed.get(path.predicate)) is not None:
                    if not path.low <= (count := (state >> shift) & _COUNT) <= path.high:
                        _report(path, key, count, (), self)
                    continue
                known = [(k, path.node_fails(k)) for k in self.inverse[path.predicate].get(key, [])]
                if path.low <= len(known) <= path.high and all(f[1] is None for f in known) and (
                        not path.required or {f[0] for f in known}.issuperset(path.required)):
                    continue
                _report(path, key, len(known), known, self)

    def _focus(self, key: str, values: dict, plan: tuple) -> None:
        """The core results for one focus node from its own lines (inverse paths wait for the end)."""
        for prop in plan[3]:
            self.results.append(_row(prop, key, "HasValueConstraintComponent"))
        parse = self._parse_value
        for path, predicate, quiet in plan[1]:
            # the focus node's distinct values on the path, each with the tests it fails
            if (rests := values.get(predicate)) is None:
                if path.low or path.required:
                    _report(path, key, 0, (), self)
                continue
            if rests.__class__ is str:
                found = path.value(rests, parse)
                if found[1] is None and quiet:
                    continue  # the usual case: one value, nothing to report
                known = [found]
            else:
                known = [path.value(rest, parse) for rest in rests]
                identities = {f[0] for f in known}
                if len(identities) < len(known):  # one value written twice (or two ways)
                    known = list({f[0]: f for f in known}.values())
                if path.low <= len(known) <= path.high and (
                        not path.required or identities.issuperset(path.required)):
                    for f in known:
                        if f[1] is not None:
                            break
                    else:
                        continue
            _report(path, key, len(known), known, self)

    def _parse_value(self, rest: str) -> tuple:
        """The term of a value (cached per path by the caller, not here)."""
        if rest[0] == '"' and rest.endswith('" .\n') and rest.count('"') == 2 and "\\" not in rest \
                and "\r" not in rest:
            return (_LITERAL_KIND, rest[1:-4], "", _STRING)  # a plain string, the commonest literal
        written = rest[:-3] if rest[-3:] == " .\n" else rest[:-2] if rest[-2:] == " ." else ""
        try:
            return self.terms.parse(written)
        except Unsupported:  # not written the usual way (tabs, a comment): parse it as a line
            if (fields := self._fields(f"<urn:x> <urn:x> {rest}")) is None:
                raise
            return self.terms.parse(fields[2][:-3])


def _report(path: _Path, key: str, n: int, known: list, engine: _Streaming) -> None:
    """The results of one focus node on one path, given its number of values and the tests each fails."""
    out = engine.results
    identities = {identity for identity, _ in known}
    for prop in path.props:
        if n:
            if prop.low is not None and n < prop.low:
                out.append(_row(prop, key, "MinCountConstraintComponent"))
            if prop.high is not None and n > prop.high:
                out.append(_row(prop, key, "MaxCountConstraintComponent"))
        elif prop.low:
            out.append(_row(prop, key, "MinCountConstraintComponent"))
        if prop.has_value is not None and _identity(prop.has_value) not in identities:
            out.append(_row(prop, key, "HasValueConstraintComponent"))
    for identity, fails in known:
        for at, check in fails or ():
            prop = path.props[at]
            out.append(_row(prop, key, prop.tests[check][0].component, _text(identity)))


def _batches(source: Iterable[str]) -> Iterator[list]:
    """The lines in lists, by `readlines` where the source has it (a file, or the build's pipe, whose
    iterator would add a generator step per line), then [None]."""
    if (readlines := getattr(source, "readlines", None)) is not None:
        while batch := readlines(1 << 22):
            yield batch
    else:
        source = iter(source)
        while batch := list(itertools.islice(source, 10_000)):
            yield batch
    yield [None]


def _row(prop: _PyProperty, key: str, component: str, value: str = "") -> Result:
    p = prop.prop
    return Result(p.severity, _text(key), p.path_text, value, p.message, p.shape, component)


def validate_lines(lines: Callable[[], Iterable[str]], shapes: Graph) -> list[Result]:
    """Every result of validating the N-Triples lines against `shapes`: the same list as `validate_store`
    on a store holding them, without loading them.

    `lines()` must return a fresh iterator over the lines (with or without their newline); it is called
    twice. The lines must be grouped by subject (sorted lines are); NotGrouped is raised when they are
    not, Unsupported for data or shapes this engine does not handle (rdfs:subClassOf triples, a line
    that is not N-Triples) - use `validate_store` then. Blank node values are reported by their labels
    in the input (validate_store's labels are Oxigraph's own)."""
    return _Streaming(shapes).run(lines)
