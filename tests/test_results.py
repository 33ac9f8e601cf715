"""The SELECT JSON writer: the same document as the dict-and-json.dumps form, for any terms."""

from __future__ import annotations

import json

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from phenkg.serve.results import json_term, write_select

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(
    ['"', "\\", "\x00\x01\x08\x0c\x1f\x7f", "\t\n\r", "'", "\u2028\u2029", "é😀", "\\u0041"])
iris = st.sampled_from(["http://a/", "http://a/é", "urn:x:y%20z", "http://a/😀?q=1&r=%22#f", "http://a/'"])
terms = st.one_of(
    iris.map(ox.NamedNode),
    texts.map(ox.Literal),
    st.tuples(texts, st.sampled_from(["en", "de-CH", "x-a1"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.tuples(st.integers().map(str), st.sampled_from([ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
                                                      ox.NamedNode("http://x/dt\u00e9")]))
    .map(lambda t: ox.Literal(t[0], datatype=t[1])),
    st.just(ox.BlankNode("b0")),
    st.just(ox.Triple(ox.NamedNode("http://s/"), ox.NamedNode("http://p/"), ox.Literal("o"))),
)


class Replay:
    """Solutions already read: the same QuerySolution objects, to write and to compare with."""

    def __init__(self, solutions) -> None:
        self.variables, self.rows = solutions.variables, list(solutions)

    def __iter__(self):
        return iter(self.rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), terms), min_size=3, max_size=3), max_size=6))
def test_json_select_is_the_w3c_document(rows):
    blocks = ["{ " + " ".join(f"BIND({_sparql(t)} AS ?{n})" for n, t in zip("abc", row, strict=True)
                              if t is not None) + " }" for row in rows] or ["{ FILTER(false) }"]
    solutions = Replay(ox.Store().query("SELECT ?a ?b ?c WHERE { " + " UNION ".join(blocks) + " }"))
    body, truncated = write_select(solutions, "json", 100)
    assert not truncated
    expected = {"head": {"vars": ["a", "b", "c"]},
                "results": {"bindings": [{n: json_term(row[n]) for n in "abc" if row[n] is not None}
                                         for row in solutions.rows]}}
    assert json.loads(body) == expected
    assert len(expected["results"]["bindings"]) == len(rows)


def _sparql(term) -> str:
    if isinstance(term, ox.Triple):
        return f"TRIPLE({term.subject}, {term.predicate}, {term.object})"
    if isinstance(term, ox.BlankNode):
        return 'BNODE("b0")'
    return str(term)
