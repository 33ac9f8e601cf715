"""The shapes graph compiled once, for both engines: its node and property shapes (`Compiled`), the value
checks of each property shape as SPARQL filters with their parameters (`compile_checks`), its sh:sparql
constraints (`sparql_constraints`), the constants both engines share, and the errors that send a
caller to another engine (`Unsupported`, `NotGrouped`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from phenkg.errors import PhenkgError
from phenkg.vocab import RDF as RDF_NS
from phenkg.vocab import XSD as XSD_NS

NUMERIC = {f"{XSD_NS}{t}" for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                   "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                   "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_KNOWN = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
          SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minInclusive, SH.maxInclusive,
          SH.minLength, SH.pattern, SH.flags, SH.hasValue}
_NODE_KNOWN = {RDF.type, SH.targetClass, SH.property, SH.sparql, SH.severity, SH.message, SH.name,
               SH.description, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
               URIRef("http://www.w3.org/2000/01/rdf-schema#comment")}

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal  # a value as the engines read it
TYPED = "?this a <{target}> ."
RDF_TYPE = f"<{RDF_NS}type>"


class Unsupported(PhenkgError):
    """The shapes (or the data) use something this engine does not compile; use another engine instead."""


class NotGrouped(Unsupported):
    """The N-Triples lines are not grouped by subject: one subject's triples come in two runs."""


@dataclass
class Property:
    shape: str  # the node shape's IRI
    target: str  # the target class IRI
    path: str  # SPARQL path: <p> or ^<p>
    path_text: str  # as in pySHACL reports: p or ^p
    node: BNode | URIRef
    severity: str
    message: str


def sparql_term(node) -> str:
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
        found = sorted(set(shapes.subjects(SH.targetClass, None)), key=str)
        for other in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            if (None, other, None) in shapes:
                raise Unsupported(f"{other} targets are not compiled")
        self.node_shapes: list[URIRef] = []
        for shape in found:
            if not isinstance(shape, URIRef):
                raise Unsupported("node shapes must be IRIs")
            for pred in shapes.predicates(shape):
                if pred not in _NODE_KNOWN and str(pred).startswith(str(SH)):
                    raise Unsupported(f"shape {shape} uses {pred}")
            self.node_shapes.append(shape)

    def _prefixes(self) -> str:
        lines = []
        for decl in self.shapes.objects(None, SH.declare):
            prefix, namespace = self.shapes.value(decl, SH.prefix), self.shapes.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines))) + "\n"

    def properties(self) -> Iterator[Property]:
        for shape in self.node_shapes:
            for target in self.shapes.objects(shape, SH.targetClass):
                for prop in self.shapes.objects(shape, SH.property):
                    if not isinstance(prop, (BNode, URIRef)):
                        raise Unsupported(f"property shape {prop!r} of {shape}")
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
                    yield Property(str(shape), str(target), sparql, text, prop,
                                    _severity(self.shapes, prop), _one_message(self.shapes, prop))

    def by_target(self) -> dict[tuple[str, str], list[Property]]:
        """The property shapes grouped by (node shape, target class), in the order both engines check them."""
        groups: dict[tuple[str, str], list[Property]] = {}
        for prop in self.properties():
            groups.setdefault((prop.shape, prop.target), []).append(prop)
        return groups


@dataclass
class Check:
    """One value-level constraint of one property shape: a SPARQL filter that selects violations,
    optionally a Python test that has the last word (pySHACL's own comparison or regex), and the
    constraint's parameter for the streaming engine."""

    prop: Property
    component: str
    condition: str
    confirm: Callable[[OxTerm], bool] | None = None  # True when the value really violates
    # the constraint's parameter: the datatype or class IRI, the sh:nodeKind, (sh:minInclusive or
    # sh:maxInclusive, 1 or -1), the sh:minLength, the sh:pattern compiled
    arg: str | URIRef | tuple[Literal, int] | int | re.Pattern[str] | None = None


def integer(shapes: Graph, node: Node, parameter: URIRef) -> int | None:
    """A whole-number parameter of a shape (sh:minCount, sh:maxCount, sh:minLength): its literal's
    lexical form read as an int; None when the shape has none."""
    value = shapes.value(node, parameter)
    return None if value is None else int(str(value))


def compile_checks(c: Compiled, prop: Property, typed: str) -> Iterator[Check]:
    shapes, node = c.shapes, prop.node
    if (dt := shapes.value(node, SH.datatype)) is not None:
        ok = f"isLiteral(?v) && DATATYPE(?v) = <{dt}>"
        if str(dt) == f"{XSD_NS}string":
            ok += ' && LANG(?v) = ""'
        if str(dt) == f"{XSD_NS}integer":
            ok += ' && REGEX(STR(?v), "^[+-]?[0-9]+$")'
        yield Check(prop, "DatatypeConstraintComponent", f"!({ok})", arg=str(dt))
    if (kind := shapes.value(node, SH.nodeKind)) is not None:
        tests = {SH.IRI: "isIRI(?v)", SH.Literal: "isLiteral(?v)", SH.BlankNode: "isBlank(?v)",
                 SH.BlankNodeOrIRI: "!isLiteral(?v)", SH.IRIOrLiteral: "!isBlank(?v)",
                 SH.BlankNodeOrLiteral: "!isIRI(?v)"}
        if not isinstance(kind, URIRef) or kind not in tests:
            raise Unsupported(f"sh:nodeKind {kind!r} of {prop.shape}")
        yield Check(prop, "NodeKindConstraintComponent", f"!({tests[kind]})", arg=kind)
    if (cls := shapes.value(node, SH["class"])) is not None:
        yield Check(prop, "ClassConstraintComponent", f"NOT EXISTS {{ ?v {typed_path(typed)} <{cls}> }}",
                     arg=str(cls))
    numeric = " || ".join(f"DATATYPE(?v) = <{t}>" for t in sorted(NUMERIC))
    for bound, op, sign, component in ((SH.minInclusive, ">=", 1, "MinInclusiveConstraintComponent"),
                                       (SH.maxInclusive, "<=", -1, "MaxInclusiveConstraintComponent")):
        if (limit := shapes.value(node, bound)) is not None:
            if not isinstance(limit, Literal):
                raise Unsupported(f"{bound} of {prop.shape} is {limit!r}, not a literal")
            # numbers compare in SPARQL; anything else as pySHACL compares it (rdflib's own rules)
            yield Check(prop, component,
                         f"!(isLiteral(?v) && ({numeric})) || !COALESCE(?v {op} {sparql_term(limit)}, false)",
                         partial(_out_of_range, limit=limit, sign=sign), arg=(limit, sign))
    if (n := integer(shapes, node, SH.minLength)) is not None:
        yield Check(prop, "MinLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) < {n}", arg=n)
    if (pattern := shapes.value(node, SH.pattern)) is not None:
        flags = str(shapes.value(node, SH.flags) or "")
        regex = re.compile(str(pattern), (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)
                           | (re.S if "s" in flags else 0) | (re.X if "x" in flags else 0))
        yield Check(prop, "PatternConstraintComponent", "true", partial(_unmatched, regex=regex), arg=regex)


def _unmatched(value: OxTerm, regex: re.Pattern[str]) -> bool:
    return isinstance(value, ox.BlankNode) or not regex.search(value.value)


def _out_of_range(value: OxTerm, limit: Literal, sign: int) -> bool:
    return not _in_range(value, limit, sign)


def _in_range(value: OxTerm, limit: Literal, sign: int) -> bool:
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
class SparqlConstraint:
    """One sh:sparql constraint of one node shape."""

    shape: URIRef
    select: str
    severity: str
    template: str
    targets: list[str]


def sparql_constraints(c: Compiled) -> list[SparqlConstraint]:
    found = []
    for shape in c.node_shapes:
        for constraint in c.shapes.objects(shape, SH.sparql):
            select = c.shapes.value(constraint, SH.select)
            if select is None:
                raise Unsupported(f"SPARQL constraint of {shape} has no sh:select")
            found.append(SparqlConstraint(shape, str(select), _severity(c.shapes, shape),
                                 _one_message(c.shapes, constraint) or _one_message(c.shapes, shape),
                                 [str(t) for t in c.shapes.objects(shape, SH.targetClass)]))
    return found
