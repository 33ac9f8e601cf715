"""The SHACL Core constraints in Python for the streaming engine: a test per value check with the
semantics of its SPARQL filter (`_value_test`), the property shapes on one path checked together
(`_Path`), all of them grouped by target class and planned per set of classes (`Core`), and the
results of one focus node on one path (`report_focus`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import SH

from phenkg.fastshacl.compile import (
    NUMERIC,
    RDF_TYPE,
    TYPED,
    Check,
    Compiled,
    Property,
    Unsupported,
    compile_checks,
    integer,
    sparql_term,
)
from phenkg.fastshacl.terms import (
    BNODE_KIND,
    CACHE_SIZE,
    CANONICAL_INTEGER,
    IRI_KIND,
    LITERAL_KIND,
    XSD_INTEGER,
    Terms,
    key_term,
    node_key,
    term_key,
    to_ox,
)
from phenkg.validation_result import Result

if TYPE_CHECKING:
    from phenkg.fastshacl.streaming import Streaming

NUMBER_MASK, COUNT_MASK = 0xFFFF, 0xFFF  # in Streaming.classes: class set number, a packed inverse count (saturated)

_INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")  # the datatype check's REGEX "^[+-]?[0-9]+$" (Rust: $ = end)
_KIND_OF = {SH.IRI: {IRI_KIND}, SH.Literal: {LITERAL_KIND}, SH.BlankNode: {BNODE_KIND},
            SH.BlankNodeOrIRI: {BNODE_KIND, IRI_KIND}, SH.IRIOrLiteral: {IRI_KIND, LITERAL_KIND},
            SH.BlankNodeOrLiteral: {BNODE_KIND, LITERAL_KIND}}


def _value_test(check: Check, terms: Terms, classes: Callable[[str], tuple]) -> Callable[[tuple], bool]:
    """A Python test that is True when a term violates the check, exactly where its SPARQL filter (and
    its confirm step) would select it."""
    component, arg = check.component, check.arg
    if component == "DatatypeConstraintComponent":
        integer = arg == XSD_INTEGER

        def datatype(term: tuple) -> bool:
            kind, text, _, dt = term
            return kind != LITERAL_KIND or dt != arg or (integer and not _INTEGER_LEXICAL.fullmatch(text))
        return datatype
    if component == "NodeKindConstraintComponent":
        assert isinstance(arg, URIRef)
        kinds = _KIND_OF[arg]
        return lambda term: term[0] not in kinds
    if component == "ClassConstraintComponent":
        def not_of_class(term: tuple) -> bool:
            key = term_key(term)
            return key is None or arg not in classes(key)
        return not_of_class
    if component in ("MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent"):
        assert isinstance(arg, tuple)
        assert check.confirm is not None
        limit, sign = arg
        confirm = check.confirm
        bound = limit.value if limit.datatype == URIRef(XSD_INTEGER) and type(limit.value) is int else None

        def out_of_range(term: tuple) -> bool:
            kind, text, _, dt = term
            if kind != LITERAL_KIND:
                return True  # the filter selects it, and pySHACL's comparison fails for a node
            if dt not in NUMERIC:
                flagged = True  # !(isLiteral(?v) && numeric)
            elif bound is not None and dt == XSD_INTEGER and CANONICAL_INTEGER.fullmatch(text):
                flagged = (int(text) - bound) * sign < 0
            else:
                flagged = terms.holds(check.condition, term)
            return flagged and confirm(to_ox(term))
        return out_of_range
    if component == "MinLengthConstraintComponent":
        assert isinstance(arg, int)
        length = arg
        return lambda term: term[0] == BNODE_KIND or len(term[1]) < length
    if component == "PatternConstraintComponent":
        assert isinstance(arg, re.Pattern)
        pattern = arg
        return lambda term: term[0] == BNODE_KIND or not pattern.search(term[1])
    raise Unsupported(f"{component} is not compiled for N-Triples")


@dataclass
class _PyProperty:
    """One property shape, ready for the streaming engine."""

    prop: Property
    index: int  # its place among the property shapes of its (shape, target) group
    low: int | None
    high: int | None
    has_value: tuple | None
    tests: list[tuple[Check, Callable[[tuple], bool]]]


_FORM_ONLY = {"NodeKindConstraintComponent", "ClassConstraintComponent", "DatatypeConstraintComponent",
              "MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent"}  # for a node: kind, classes


class _Path:
    """The property shapes of one group on one path, checked together: a focus node's values on the path
    are read, and each tested, once. A value is known by its identity: its node key for a node, its term
    for a literal; with the tests it fails as (shape position, test index) pairs."""

    def __init__(self, predicate: str, inverse: bool, props: list[_PyProperty], engine: Streaming) -> None:
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
            return self.fails(key_term(key))
        if (state := self.engine.classes.get(key)) is None:
            node_key(key[:-3])  # no subject's key, so not checked yet: Unsupported unless an IRI or blank node
            state = -1
        form = (state & NUMBER_MASK if state >= 0 else -1) * 2 + (key[0] == "_")  # -2, -1: no classes
        try:
            return self.by_form[form]
        except KeyError:
            fails = self.by_form[form] = self.fails(key_term(key))
            return fails

    def value(self, rest: str, parse: Callable[[str], tuple]) -> tuple[object, tuple | None]:
        """The identity of a value written `rest` (what follows the predicate) and the tests it fails."""
        if self.by_form is not None and rest[0] in "<_" and rest.endswith(" .\n") and rest.count(" ") == 1 \
                and "\\" not in rest and (state := self.engine.classes.get(rest)) is not None and state >= 0:
            # a subject (a node as written is its key): tested once per class set, so no cache needed
            form = (state & NUMBER_MASK) * 2 + (rest[0] == "_")
            try:
                fails = self.by_form[form]
            except KeyError:
                fails = self.by_form[form] = self.fails(key_term(rest))
            return rest, fails
        if (found := self.cache.get(rest)) is not None:
            return found
        if self.by_form is not None and rest[0] in "<_" and rest.endswith(" .\n") and rest.count(" ") == 1 \
                and "\\" not in rest:
            found = (rest, self.node_fails(rest))
        else:
            term = parse(rest)
            found = (_identity(term), self.fails(term))
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
        self.cache[rest] = found
        return found


def _identity(term: tuple) -> object:
    """A node's key, a literal's term: equal for equal terms, and plain subject keys stay as written."""
    return term if term[0] == LITERAL_KIND else term_key(term)


def _text(identity: str | tuple) -> str:
    if isinstance(identity, str):
        return identity[1:-4] if identity[0] == "<" else identity[2:-3]
    return identity[1]


class Core:
    """The property shapes, checked one focus node at a time, in the order validate_store checks them."""

    def __init__(self, c: Compiled, terms: Terms, engine: Streaming) -> None:
        self.groups: list[tuple[str, list[_Path]]] = []
        self.inverse_values: set[str] = set()  # inverse predicates whose values (not only counts) are checked
        node = c.shapes.value
        for (_, target), props in c.by_target().items():
            paths: dict[str, list[_PyProperty]] = {}
            for index, prop in enumerate(props):
                low, high = integer(c.shapes, prop.node, SH.minCount), integer(c.shapes, prop.node, SH.maxCount)
                has_value: tuple | None = None
                if (value := node(prop.node, SH.hasValue)) is not None:
                    sparql_term(value)  # Unsupported unless an IRI or a literal, as in validate_store
                    if isinstance(value, Literal):
                        datatype = str(value.datatype) if value.datatype else None
                        has_value = terms.literal(str(value), value.language, datatype)
                    else:
                        has_value = (IRI_KIND, str(value), "", "")
                tests = [(check, _value_test(check, terms, engine.classes_of))
                         for check in compile_checks(c, prop, TYPED)]
                compiled = _PyProperty(prop, index, low, high, has_value, tests)
                paths.setdefault(prop.path, []).append(compiled)
                if prop.path.startswith("^") and (tests or has_value is not None):
                    self.inverse_values.add(prop.path.removeprefix("^"))
            self.groups.append((target, [_Path(path.removeprefix("^"), path.startswith("^"), shapes, engine)
                                         for path, shapes in paths.items()]))
        # rdf:type paths with only sh:hasValue of IRIs are checked from the class set, which pass 1 keeps:
        # pass 2 then need not read rdf:type lines for them
        self.by_classes = {id(path) for _, paths in self.groups for path in paths
                           if path.predicate == RDF_TYPE and not path.inverse and all(
                               p.low is None and p.high is None and not p.tests and p.has_value is not None
                               and p.has_value[0] == IRI_KIND for p in path.props)}
        self.classes_needed = {t for t, _ in self.groups} | {
            check.arg for _, paths in self.groups for path in paths for p in path.props for check, _ in p.tests
            if check.component == "ClassConstraintComponent"} | {
            p.has_value[1] for _, paths in self.groups for path in paths if id(path) in self.by_classes
            for p in path.props if p.has_value is not None}  # all of them have one (by_classes)
        self.inverse_predicates = {path.predicate for _, paths in self.groups for path in paths if path.inverse}
        self.predicates = {path.predicate for _, paths in self.groups for path in paths
                           if not path.inverse and id(path) not in self.by_classes}
        self._plans: dict[tuple, tuple | None] = {}

    def plan(self, classes: tuple) -> tuple | None:
        """What a subject with these classes is checked for, if it is a focus node: its inverse paths,
        its other paths (with what `Streaming._focus` needs at hand), the predicates these read, and the
        sh:hasValue rdf:type shapes its classes fail."""
        try:
            return self._plans[classes]
        except KeyError:
            paths = [path for target, paths in self.groups if target in classes for path in paths]
            read = [path for path in paths if not path.inverse and id(path) not in self.by_classes]
            missing = tuple(prop for path in paths if id(path) in self.by_classes for prop in path.props
                            if prop.has_value is not None and prop.has_value[1] not in classes)
            plan = self._plans[classes] = (
                tuple(path for path in paths if path.inverse), tuple((p, p.predicate, p.quiet_one) for p in read),
                frozenset(path.predicate for path in read), missing) if paths else None
            return plan


def report_focus(path: _Path, key: str, n: int, known: Sequence[tuple], engine: Streaming) -> None:
    """The results of one focus node on one path, given its number of values and the tests each fails."""
    out = engine.results
    identities = {identity for identity, _ in known}
    for prop in path.props:
        if n:
            if prop.low is not None and n < prop.low:
                out.append(result_row(prop, key, "MinCountConstraintComponent"))
            if prop.high is not None and n > prop.high:
                out.append(result_row(prop, key, "MaxCountConstraintComponent"))
        elif prop.low:
            out.append(result_row(prop, key, "MinCountConstraintComponent"))
        if prop.has_value is not None and _identity(prop.has_value) not in identities:
            out.append(result_row(prop, key, "HasValueConstraintComponent"))
    for identity, fails in known:
        for at, check in fails or ():
            prop = path.props[at]
            out.append(result_row(prop, key, prop.tests[check][0].component, _text(identity)))


def result_row(prop: _PyProperty, key: str, component: str, value: str = "") -> Result:
    p = prop.prop
    return Result(p.severity, _text(key), p.path_text, value, p.message, p.shape, component)
