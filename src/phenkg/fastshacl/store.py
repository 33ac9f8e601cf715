"""The store engine, `validate_store`: each constraint of each shape as one SPARQL query over all its
focus nodes at once, evaluated by pyoxigraph on a store holding the graph, returning only the violations
(also used by the streaming engine to run the sh:sparql constraints on its small stores)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib import Graph
from rdflib.namespace import SH

from phenkg.fastshacl.compile import (
    Compiled,
    Property,
    SparqlConstraint,
    compile_checks,
    integer,
    sparql_constraints,
    sparql_term,
)
from phenkg.validation_result import Result, result_order


def _rows(store, query: str) -> Iterator[tuple]:
    for row in store.query(query):
        yield tuple(row)


def _value_text(term) -> str:
    return "" if term is None else term.value


def _count_test(low: int | None, high: int | None) -> str:
    tests = ([f"COUNT(?v) < {low}"] if low is not None else []) + (
        [f"COUNT(?v) > {high}"] if high is not None else [])
    return " || ".join(tests)


def _result(prop: Property, focus, component: str, value=None) -> Result:
    return Result(prop.severity, focus.value, prop.path_text, _value_text(value), prop.message, prop.shape,
                  component)


def _check_target(store, c: Compiled, target: str, props: list[Property], typed: str) -> Iterator[Result]:
    """All core constraints of the property shapes on one target class, in three queries."""
    shapes, focus = c.shapes, typed.format(target=target)
    counted = [(p, integer(shapes, p.node, SH.minCount), integer(shapes, p.node, SH.maxCount)) for p in props]
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
            if lo is not None and int(n.value) < lo:
                yield _result(prop, this, "MinCountConstraintComponent")
            if hi is not None and int(n.value) > hi:
                yield _result(prop, this, "MaxCountConstraintComponent")
        # focus nodes with no value at all, where at least one is required
        needed = [(k, p) for k, (p, lo, _) in enumerate(counted) if lo is not None and lo > 0]
        if needed:
            branches = " UNION ".join(
                f"{{ {focus} FILTER NOT EXISTS {{ ?this {p.path} ?v }} BIND({k} AS ?k) }}" for k, p in needed)
            for this, k in _rows(store, f"SELECT ?this ?k WHERE {{ {branches} }}"):
                yield _result(counted[int(k.value)][0], this, "MinCountConstraintComponent")
    for prop in props:
        if (v := shapes.value(prop.node, SH.hasValue)) is not None:
            q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {prop.path} {sparql_term(v)} }} }}"
            yield from (_result(prop, r[0], "HasValueConstraintComponent") for r in _rows(store, q))
    checks = [check for prop in props for check in compile_checks(c, prop, typed)]
    if checks:
        branches = " UNION ".join(f"{{ ?this {ch.prop.path} ?v FILTER({ch.condition}) BIND({k} AS ?k) }}"
                                  for k, ch in enumerate(checks))
        for this, value, k in _rows(store, f"SELECT ?this ?v ?k WHERE {{ {focus} {branches} }}"):
            check = checks[int(k.value)]
            if check.confirm is None or check.confirm(value):
                yield _result(check.prop, this, check.component, value)


def run_sparql(store, c: Compiled, constraint: SparqlConstraint, typed: str) -> Iterator[Result]:
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


def sorted_results(results: list[Result]) -> list[Result]:
    """In the order of `phenkg.validation_result.result_order`, which leaves ties only between equal results."""
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
    for constraint in sparql_constraints(compiled):
        results.extend(run_sparql(store, compiled, constraint, typed))
    return sorted_results(results)


# ------------------------------------------------------------------------------------------------
