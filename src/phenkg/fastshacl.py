"""SHACL shapes compiled to SPARQL and run in pyoxigraph: the same results as pySHACL, many times faster.

pySHACL walks focus nodes one by one in Python; here each constraint of each shape becomes one
SPARQL query over all its focus nodes at once, evaluated in Rust, returning only the violations.
It covers the SHACL Core components our shapes use (class, datatype, nodeKind, minCount, maxCount,
minInclusive, maxInclusive, minLength, pattern, hasValue; paths that are a predicate or its inverse;
targetClass) and SPARQL-based constraints. A shape using anything else raises Unsupported, and
`validate.validate_store` then falls back to pySHACL, so the answer never depends on the engine;
`tests/test_fastshacl.py` proves the two agree on graphs with planted violations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from phenkg.errors import PhenkgError
from phenkg.validate import Result

_XSD = "http://www.w3.org/2001/XMLSchema#"
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
    """The shapes use a SHACL feature this engine does not compile; use pySHACL instead."""


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


def _rows(store, query: str) -> Iterator[tuple]:
    for row in store.query(query):
        yield tuple(row)


def _value_text(term) -> str:
    return "" if term is None else term.value


@dataclass
class _Check:
    """One value-level constraint of one property shape: a SPARQL filter that selects violations,
    and optionally a Python test that has the last word (pySHACL's own comparison or regex)."""

    prop: _Property
    component: str
    condition: str
    confirm: Callable[[object], bool] | None = None  # True when the value really violates


def _checks(c: Compiled, prop: _Property, typed: str) -> Iterator[_Check]:
    shapes, node = c.shapes, prop.node
    if (dt := shapes.value(node, SH.datatype)) is not None:
        ok = f"isLiteral(?v) && DATATYPE(?v) = <{dt}>"
        if str(dt) == f"{_XSD}string":
            ok += ' && LANG(?v) = ""'
        if str(dt) == f"{_XSD}integer":
            ok += ' && REGEX(STR(?v), "^[+-]?[0-9]+$")'
        yield _Check(prop, "DatatypeConstraintComponent", f"!({ok})")
    if (kind := shapes.value(node, SH.nodeKind)) is not None:
        tests = {SH.IRI: "isIRI(?v)", SH.Literal: "isLiteral(?v)", SH.BlankNode: "isBlank(?v)",
                 SH.BlankNodeOrIRI: "!isLiteral(?v)", SH.IRIOrLiteral: "!isBlank(?v)",
                 SH.BlankNodeOrLiteral: "!isIRI(?v)"}
        yield _Check(prop, "NodeKindConstraintComponent", f"!({tests[kind]})")
    if (cls := shapes.value(node, SH["class"])) is not None:
        yield _Check(prop, "ClassConstraintComponent", f"NOT EXISTS {{ ?v {typed_path(typed)} <{cls}> }}")
    numeric = " || ".join(f"DATATYPE(?v) = <{t}>" for t in sorted(_NUMERIC))
    for bound, op, sign, component in ((SH.minInclusive, ">=", 1, "MinInclusiveConstraintComponent"),
                                       (SH.maxInclusive, "<=", -1, "MaxInclusiveConstraintComponent")):
        if (limit := shapes.value(node, bound)) is not None:
            # numbers compare in SPARQL; anything else as pySHACL compares it (rdflib's own rules)
            yield _Check(prop, component,
                         f"!(isLiteral(?v) && ({numeric})) || !COALESCE(?v {op} {_term(limit)}, false)",
                         lambda value, limit=limit, sign=sign: not _in_range(value, limit, sign))
    if (n := shapes.value(node, SH.minLength)) is not None:
        yield _Check(prop, "MinLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) < {int(n)}")
    if (pattern := shapes.value(node, SH.pattern)) is not None:
        flags = str(shapes.value(node, SH.flags) or "")
        regex = re.compile(str(pattern), (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)
                           | (re.S if "s" in flags else 0) | (re.X if "x" in flags else 0))
        yield _Check(prop, "PatternConstraintComponent", "true",
                     lambda value, regex=regex: isinstance(value, ox.BlankNode)
                     or not regex.search(value.value))


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


def _check_sparql(store, c: Compiled, typed: str) -> Iterator[Result]:
    shapes = c.shapes
    for shape in c.node_shapes:
        for constraint in shapes.objects(shape, SH.sparql):
            select = shapes.value(constraint, SH.select)
            if select is None:
                raise Unsupported(f"SPARQL constraint of {shape} has no sh:select")
            severity = _severity(shapes, shape)
            template = _one_message(shapes, constraint) or _one_message(shapes, shape)
            for target in shapes.objects(shape, SH.targetClass):
                focus_nodes = [r[0] for r in _rows(store, "SELECT ?this WHERE { "
                                                   + typed.format(target=str(target)) + " }")]
                if not focus_nodes:
                    continue
                yield from _sparql_results(store, c, str(select), focus_nodes, shape, severity, template)


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


def validate_store(store, shapes: Graph) -> list[Result]:
    """Every result of validating the store's default graph against `shapes`, sorted as pySHACL's."""
    compiled = Compiled(shapes)
    has_subclass = bool(store.query("ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"))
    typed = ("?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
             "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{target}> ." if has_subclass
             else "?this a <{target}> .")
    results: list[Result] = []
    by_target: dict[tuple[str, str], list[_Property]] = {}
    for prop in compiled.properties():
        by_target.setdefault((prop.shape, prop.target), []).append(prop)
    for (_, target), props in by_target.items():
        results.extend(_check_target(store, compiled, target, props, typed))
    results.extend(_check_sparql(store, compiled, typed))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order[r.severity], r.source_shape, r.focus, r.path, r.value, r.message))
    return results
