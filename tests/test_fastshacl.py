"""The compiled SHACL engines give exactly pySHACL's results, on clean data and with violations planted:
`validate_store` (SPARQL on a pyoxigraph store) and `validate_lines` (N-Triples streamed, grouped by subject)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from phenkg import fastshacl
from phenkg.fastshacl import NotGrouped, Unsupported, validate_lines, validate_store
from phenkg.graph import triples
from phenkg.validate import Result, load_shapes, result_order, validate

from .conftest import BASE

P = "https://w3id.org/phenkg/ontology#"
S = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def plant(lines: list[str]) -> list[str]:
    """Break the graph in the ways the shapes are meant to catch."""
    papers = [line.split(" ", 1)[0] for line in lines if line.endswith(f"<{P}Paper> .")]
    drop_title = f"{papers[0]} <{S}name> "
    out = [line for line in lines if not line.startswith(drop_title)]
    out += [
        f'{papers[1]} <{S}url> "https://example.org/literal-url" .',  # a literal where an IRI belongs
        f'{papers[2]} <{P}publicationYear> "2019"^^<{XSD}gYear> .',  # gYear, not integer
        f'{papers[3]} <{P}publicationYear> "1900"^^<{XSD}integer> .',  # implausible, and a second value
        f"{papers[4]} <{P}arxiv> <https://arxiv.org/pdf/1234.5678> .",  # not an abs IRI
        f'{papers[5]} <{S}name> "Masked Autoencoders Are Scalable Vision Learners" .',  # a second title...
        f'{papers[6]} <{S}name> "Masked autoencoders are scalable vision learners!" .',  # ...near-duplicate
        f"{papers[7]} <{S}author> <https://w3id.org/phenkg/author/nobody> .",  # author without authorship
        f"{papers[8]} <{P}authorship> <https://w3id.org/phenkg/authorship/x/9> .",
        f"<https://w3id.org/phenkg/authorship/x/9> <{P}position> \"7\"^^<{XSD}integer> .",  # a gap, untyped
        f'{papers[9]} <{S}keywords> "a keyword as a string" .',
    ]
    return out


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def seed(catalog) -> list[str]:
    return list(triples(catalog, BASE))


def store_of(lines: list[str]) -> ox.Store:
    store = ox.Store()
    store.load(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


def streamed(lines: list[str], shapes) -> list[Result]:
    """validate_lines over the lines, handed out anew on every call (it reads them twice)."""
    return validate_lines(lambda: iter(lines), shapes)


def engines(lines: list[str], shapes) -> tuple[list[Result], list[Result], list[Result]]:
    """pySHACL, validate_store and validate_lines on the same triples."""
    graph = rdflib.Graph().parse(data="\n".join(lines) + "\n", format="nt")
    return validate(graph, shapes=shapes).results, validate_store(store_of(lines), shapes), streamed(lines, shapes)


@pytest.mark.slow   # pySHACL over a whole graph: seconds
def test_same_results_on_the_seed(seed, shapes):
    slow, fast, lines = engines(sorted(set(seed)), shapes)
    assert fast == slow
    assert lines == fast
    assert {r.severity for r in fast} == {"Warning"}


@pytest.mark.slow   # pySHACL over a whole graph: seconds
def test_same_results_with_planted_violations(seed, shapes):
    slow, fast, lines = engines(sorted(set(plant(seed))), shapes)
    assert fast == slow
    assert lines == fast
    components = {r.component for r in fast if r.severity == "Violation"}
    assert {"MinCountConstraintComponent", "MaxCountConstraintComponent", "NodeKindConstraintComponent",
            "DatatypeConstraintComponent", "PatternConstraintComponent", "ClassConstraintComponent",
            "MinInclusiveConstraintComponent", "SPARQLConstraintComponent"} <= components


SHAPE_FIXTURES = sorted(Path(__file__).parent.joinpath("data", "shapes").glob("*/*.ttl"))


@pytest.mark.parametrize("path", SHAPE_FIXTURES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_same_results_on_the_shape_fixtures(path, shapes):
    graph = rdflib.Graph().parse(path, format="turtle")
    lines = sorted(set(graph.serialize(format="nt").splitlines()) - {""})
    slow, fast, streamed_results = engines(lines, shapes)
    assert streamed_results == fast == slow


def test_lines_with_or_without_newlines(seed, shapes):
    lines = sorted(set(plant(seed)))
    assert streamed([line + "\n" for line in lines], shapes) == streamed(lines, shapes)


def _nodes(lines: list[str], cls: str) -> list[str]:
    return sorted({line.split(" ", 1)[0] for line in lines if line.endswith(f"{TYPE} <{P}{cls}> .")})


def _replace(lines: list[str], old: str, new: str) -> list[str]:
    assert old in lines
    return [new if line == old else line for line in lines]


def odd_literals(seed: list[str]) -> list[str]:
    """Literals with escapes, control characters, language tags and odd datatypes on the shapes' paths."""
    papers, ships = _nodes(seed, "Paper"), _nodes(seed, "Authorship")
    position = [next(line for line in seed if line.startswith(f"{ship} <{P}position> ")) for ship in ships[:2]]
    year = next(line for line in seed if f"<{P}publicationYear> " in line)
    lines = _replace(seed, position[0], position[0].replace('"', '"0', 1))  # "01": the same integer
    lines = _replace(lines, position[1], f'{ships[1]} <{P}position> "x"^^<{XSD}integer> .')  # not an integer
    lines = _replace(lines, year, f'{year.split(" ", 1)[0]} <{P}publicationYear> "NaN"^^<{XSD}double> .')
    return [
        *lines,
        f'{papers[0]} <{S}name> "a\\tb"@en .',  # a second title, with a language tag and an escape
        f'{papers[1]} <{P}publicationYear> "INF"^^<{XSD}double> .',
        f'{papers[2]} <{S}description> "bell \\u0007, smile \\U0001F600, quote \\", slash \\\\"@EN-gb .',
        f'{papers[3]} <{P}openreview> "https://openreview.net/forum?id=\\u0041b" .',  # a literal, escaped
        f"{papers[4]} <{S}url> <ftp://example.org/caf\\u00E9> .",  # an escaped IRI, not http
        f'{papers[5]} <{S}name> "" .',  # empty
        f'{ships[2]} <{P}printedName> "Ren\\u00e9e\\r\\nMore\\f"@FR .',
        f'{ships[3]} <{P}printedName> "Written out"^^<{XSD}string> .',  # xsd:string, a second name
    ]


def _spelled_as_python(result: Result) -> Result:
    """rdflib writes an xsd:double back as Python does (NaN -> nan, INF -> inf); Oxigraph keeps the
    XSD spelling. Only the spelling of those values differs between pySHACL and the compiled engines."""
    return dataclasses.replace(result, value={"NaN": "nan", "INF": "inf"}.get(result.value, result.value))


@pytest.mark.slow   # pySHACL over a whole graph: seconds
def test_odd_literals_as_pyshacl_reads_them(seed, shapes):
    slow, fast, lines = engines(sorted(set(odd_literals(seed))), shapes)
    assert lines == fast
    assert sorted((_spelled_as_python(r) for r in lines), key=result_order) == slow
    values = {r.value for r in lines}
    assert {"a\tb", "x", "NaN", "INF", "", "ftp://example.org/café", "https://openreview.net/forum?id=Ab",
            "bell \x07, smile \U0001F600, quote \", slash \\", "Renée\r\nMore\f"} <= values


def test_literals_as_oxigraph_stores_them(seed, shapes):
    """Oxigraph stores numbers, booleans and dates in canonical form ("5"^^xsd:int is "5"^^xsd:integer,
    "1.50"^^xsd:double is "1.5") and lower-cases language tags; validate_store sees those forms and so
    must validate_lines (pySHACL, on rdflib's forms, differs here)."""
    papers, listings = _nodes(seed, "Paper"), _nodes(seed, "Listing")
    lines = sorted({
        *seed,
        f'{listings[0]} <{P}listYear> "2020"^^<{XSD}int> .',  # a second year, of xsd:int
        f'{papers[0]} <{P}publicationYear> "1.50E3"^^<{XSD}double> .',
        f'{papers[1]} <{P}arxivYear> "+02019"^^<{XSD}integer> .',
        f'{papers[2]} <{P}arxivYear> "true"^^<{XSD}boolean> .',
        f'{papers[2]} <{P}arxivYear> "1"^^<{XSD}boolean> .',  # the same value as "true"
        f'{papers[3]} <{S}name> "x"@EN .',
        f'{papers[3]} <{S}name> "x"@en .',  # the same term
        f'{papers[4]} <{P}listYear> "2000-01-01Z"^^<{XSD}date> .',
    })
    assert streamed(lines, shapes) == validate_store(store_of(lines), shapes)


def _labels_hidden(results: list[Result], labels: set[str]) -> list[Result]:
    """Blank node labels (ours as written; Oxigraph writes 128 random bits in hex) replaced by one."""
    pattern = re.compile("|".join([r"\b[0-9a-f]{24,32}\b", *map(re.escape, labels)]))

    def hide(text: str) -> str:
        return pattern.sub("_:b", text)

    return sorted((dataclasses.replace(r, focus=hide(r.focus), value=hide(r.value), message=hide(r.message))
                   for r in results), key=result_order)


def test_blank_nodes(seed, shapes):
    """Blank nodes as values, as focus nodes and in the triples the SPARQL constraints read (Oxigraph
    gives them labels of its own, so the labels are compared as equal)."""
    papers = _nodes(seed, "Paper")
    lines = sorted({
        *seed,
        f"{papers[0]} <{S}author> _:someone .",
        f"_:someone {TYPE} <{P}Author> .",
        f'_:someone <{S}name> "Kaiming  HE" .',
        f"{papers[1]} <{P}code> _:repo .",
        f"_:repo {TYPE} <{P}CodeRepository> .",
    })
    fast = validate_store(store_of(lines), shapes)
    labels = {"someone", "repo"}
    assert _labels_hidden(streamed(lines, shapes), labels) == _labels_hidden(fast, labels)
    assert any(r.component == "SPARQLConstraintComponent" and "Kaiming  HE" in r.message for r in fast)


@pytest.mark.slow   # pySHACL over a whole graph: seconds
def test_inverse_paths(seed, shapes):
    """An authorship linked from two papers, and one linked from none (counts on ^phenkg:authorship)."""
    papers, ships = _nodes(seed, "Paper"), _nodes(seed, "Authorship")
    lines = sorted({
        *seed,
        f"{papers[0]} <{P}authorship> {ships[-1]} .",
        f"<https://w3id.org/phenkg/authorship/lonely/1> {TYPE} <{P}Authorship> .",
    })
    slow, fast, streamed_results = engines(lines, shapes)
    assert streamed_results == fast == slow
    inverse = {(r.component, r.focus) for r in fast if r.path == f"^{P}authorship"}
    assert inverse == {("MaxCountConstraintComponent", ships[-1][1:-1]),
                       ("MinCountConstraintComponent", "https://w3id.org/phenkg/authorship/lonely/1")}


def test_lines_written_unusually(seed, shapes):
    """Comments, blank lines, tabs, escapes in IRIs, CRLF: the slow path reads them as Oxigraph does."""
    lines = sorted(set(plant(seed)))
    subject = lines[100].split(" ", 1)[0]
    escaped = subject.replace("phenkg", "phen\\u006Bg", 1)
    unusual = ["# a comment", ""]
    for n, line in enumerate(lines):
        if n % 7 == 0:
            unusual.append(line.replace(" ", "\t", 1))
        elif n % 7 == 1:
            unusual.append(line[:-2] + "\t.  # said")
        elif line.startswith(subject + " ") and n % 2:
            unusual.append(escaped + line[len(subject):])
        elif n % 7 == 2:
            unusual.append(line + "\r\n")
        else:
            unusual.append(line)
    assert streamed(unusual, shapes) == validate_store(store_of(unusual), shapes)


def test_ungrouped_lines_are_refused(seed, shapes):
    lines = sorted(set(plant(seed)))
    with pytest.raises(NotGrouped):
        streamed(lines[1:] + lines[:1], shapes)


def test_subclasses_are_refused(seed, shapes):
    lines = sorted({*seed, f"<{P}Paper> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{S}Thing> ."})
    with pytest.raises(Unsupported):
        streamed(lines, shapes)


def test_not_ntriples_is_refused(shapes):
    with pytest.raises(Unsupported):
        streamed(['<urn:a> <urn:b> "unterminated .'], shapes)


def test_unsupported_shapes_are_refused():
    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:qualifiedMinCount 1 ] .""", format="turtle")
    with pytest.raises(Unsupported):
        validate_store(ox.Store(), shapes)
    with pytest.raises(Unsupported):
        streamed([], shapes)


# --- what the SPARQL constraints read

def _constraint(shapes: rdflib.Graph, name: str):
    compiled = fastshacl.Compiled(shapes)
    [found] = [c for c in fastshacl.sparql_constraints(compiled) if str(c.shape).endswith(f"#{name}")]
    return compiled, found


def test_reads_of_a_query(shapes):
    compiled, author_list = _constraint(shapes, "AuthorListShape")
    reads = fastshacl.Reads.of(compiled.prefixes + author_list.select, author_list.targets)
    assert not reads.everything
    assert reads.keys == {f"<{P}authorship>", f"<{P}author>", f"{TYPE} <{P}SourceList>"}
    assert set(reads.stars) == {frozenset({f"<{S}author>", "<http://www.w3.org/ns/prov#wasDerivedFrom>"}),
                                frozenset({f"<{P}authorship>", "<http://www.w3.org/ns/prov#wasDerivedFrom>"})}


def test_reads_of_a_query_with_a_variable_predicate():
    query = "SELECT $this ?value WHERE { ?value ?p $this . FILTER NOT EXISTS { ?value a <urn:C> } }"
    assert fastshacl.Reads.of(query, ["urn:T"]).everything
    typed = "SELECT $this ?value WHERE { ?value a ?class ; <urn:p>/<urn:q>* $this }"
    with_paths = fastshacl.Reads.of(typed, ["urn:T"])
    assert with_paths.everything  # a zero-length path matches every node of the graph
    plus = fastshacl.Reads.of("SELECT $this ?value WHERE { ?value a ?class ; (<urn:p>|^<urn:q>)+ $this }", [])
    assert not plus.everything
    assert plus.keys == {"<urn:p>", "<urn:q>", TYPE}  # every rdf:type triple: the class is a variable
    assert plus.stars == []


@pytest.fixture
def store_per_constraint(monkeypatch):
    """Every SPARQL constraint on a store of its own, and what each store held."""
    held: dict[str, set] = {}
    run = fastshacl.run_sparql

    def recording(store, c, constraint, typed):
        held[str(constraint.shape).rsplit("#", 1)[-1]] = set(store)
        return run(store, c, constraint, typed)

    monkeypatch.setattr(fastshacl.sparql_stores, "STORE_TRIPLES", 1)
    monkeypatch.setattr(fastshacl.sparql_stores, "run_sparql", recording)
    return held


def test_dropping_what_no_query_reads_changes_nothing(seed, shapes, store_per_constraint):
    lines = sorted(set(plant(seed)))
    expected = validate_store(store_of(lines), shapes)
    store_per_constraint.clear()  # validate_store ran the constraints on the whole graph
    assert streamed(lines, shapes) == expected
    everything = set(store_of(lines))
    predicates = {q.predicate.value for q in everything}
    for name, held in store_per_constraint.items():
        assert held < everything, name
        compiled, constraint = _constraint(shapes, name)
        reads = fastshacl.Reads.of(compiled.prefixes + constraint.select, constraint.targets)
        named = {re.sub(r"^<([^>]*)>.*", r"\1", key) for key in reads.keys.union(*reads.stars)}
        # each store holds the predicates its query names, and every triple with them that can match
        assert {q.predicate.value for q in held} == named & predicates, name
    held = store_per_constraint["AuthorListShape"]
    derived = {q for q in everything if q.predicate.value == "http://www.w3.org/ns/prov#wasDerivedFrom"}
    papers = {q.subject for q in everything if q.predicate.value == f"{S}author"}
    assert {q for q in held if q in derived} == {q for q in derived if q.subject in papers}  # the star


def test_a_query_reading_everything(seed, shapes, store_per_constraint):
    extra = rdflib.Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:shapes#Everything> a sh:NodeShape ; sh:targetClass <{P}SourceList> ; sh:severity sh:Info ;
            sh:sparql [ sh:message "{{?value}} points at {{$this}} with {{?p}}" ;
                        sh:select "SELECT $this ?value ?p WHERE {{ ?value ?p $this }}" ] .""", format="turtle")
    lines = sorted(set(plant(seed)))
    with_extra = shapes + extra
    expected = validate_store(store_of(lines), with_extra)
    store_per_constraint.clear()
    assert streamed(lines, with_extra) == expected
    assert any(r.source_shape == "urn:shapes#Everything" for r in expected)
    assert store_per_constraint["Everything"] == set(store_of(lines))
