"""Run every chart's query on a pyoxigraph store and write each chart as one unit into a folder:

    {stem}.rq       the query as run (prefixes added, the entity's IRI in place of {topic}/{author})
    {stem}.json     the rows drawn, the title and the description
    {stem}.vl.json  the Vega-Lite specification (its data inline)
    {stem}.svg      the chart, rendered offline by vl-convert (its own JavaScript engine, no network),
                    with <title> and <desc> for screen readers

The stem is the chart's name, followed by `--{key}` for a topic's or author's chart. Author networks
are drawn for the MAX_AUTHORS authors with most papers with co-authors (each takes a query and a
render, about 20 ms; a list of 20,000 papers has tens of thousands of authors); the page of another
author shows the query to run instead.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path

from phenkg.atomic import write_atomic
from phenkg.charts.units import Chart, charts_of
from phenkg.vocab import PREFIXES, XSD, Iris, sparql_prefixes

MAX_AUTHORS = 100
NUMBERS = {XSD + "integer": int, XSD + "int": int, XSD + "long": int, XSD + "decimal": float,
           XSD + "double": float, XSD + "float": float}

TOPICS = """SELECT ?topic ?label WHERE { ?topic a phenkg:Topic ; skos:prefLabel ?label ; phenkg:order ?order }
ORDER BY ?order"""
AUTHORS = """SELECT ?author ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:author ?author, ?other . FILTER (?other != ?author)
  ?author schema:name ?name .
}
GROUP BY ?author ?name
ORDER BY DESC(?papers) ?author
LIMIT %d"""


def value(term) -> object:
    """A query result term as JSON: numbers as numbers, everything else as its text (IRIs included)."""
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    convert = NUMBERS.get(datatype.value) if datatype is not None else None
    if convert is not None:
        try:
            return convert(term.value)
        except ValueError:
            return term.value
    return term.value


def run(store, text: str) -> list[dict]:
    """The rows of a SELECT query, as {variable: value}."""
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [{name: value(solution[name]) for name in names} for solution in result]


def query_text(chart: Chart, iri: str | None) -> str:
    """The query as run and as shipped beside the chart: prefixes, and the entity's IRI put in."""
    body = chart.query()
    if iri is not None:
        body = body.replace("{" + chart.kind + "}", f"<{iri}>")
    return sparql_prefixes(used_prefixes(body)) + body


def used_prefixes(body: str) -> list[str]:
    """The prefixes a query's text uses, in the table's order (comments aside)."""
    text = "\n".join(line.partition("#")[0] for line in body.splitlines())
    return [name for name in PREFIXES if re.search(rf"(?<![\w<]){name}:", text)]


def stem(chart: Chart, key: str | None) -> str:
    return chart.name if key is None else f"{chart.name}--{key}"


VEGA_IDS = re.compile(r'(id="|url\(#)((?:gradient|clip|pattern)_?\d+)')


def accessible(svg: str, name: str, title: str, description: str) -> str:
    """The SVG with a <title> and <desc> first inside it, named by role="img" and aria-labelledby. The
    ids Vega numbers per process (a legend's `gradient_0`) become the chart's own: the same bytes from
    any process, and no clash between charts shown on one page."""
    order: dict[str, int] = {}
    svg = VEGA_IDS.sub(lambda m: f"{m[1]}chart-{name}-{order.setdefault(m[2], len(order))}", svg)
    ids = f"chart-{name}-title chart-{name}-desc"
    opening = svg.index(">", svg.index("<svg")) + 1
    tag = svg[:opening].replace("<svg ", f'<svg role="img" aria-labelledby="{ids}" ', 1)
    return (f'{tag}<title id="chart-{name}-title">{escape(title)}</title>'
            f'<desc id="chart-{name}-desc">{escape(description)}</desc>{svg[opening:]}')


def render_svg(spec: dict, name: str, title: str, description: str) -> str:
    """A Vega-Lite spec as an accessible SVG, offline (vl-convert bundles its own JavaScript engine)."""
    import vl_convert

    return accessible(vl_convert.vegalite_to_svg(spec), name, title, description)


def write_unit(store, chart: Chart, out: Path, *, iri: str | None = None, key: str | None = None,
               name: str | None = None) -> list[Path]:
    """One chart as its four files in `out` (none when its query has no rows): for a topic or author,
    `iri`, `key` and `name` say which."""
    text = query_text(chart, iri)
    rows = run(store, text)
    if not rows:        # nothing to draw (no history for the months, no venue years for a topic)
        return []
    title = chart.title.replace("{name}", name or "")
    drawn = chart.draw(rows, title, iri)
    unit = stem(chart, key)
    svg = render_svg(drawn.spec, unit, title, drawn.description)
    data = {"chart": chart.name, "title": title, "description": drawn.description, "query": f"{unit}.rq",
            "rows": drawn.rows}
    files = {f"{unit}.rq": text, f"{unit}.json": json.dumps(data, ensure_ascii=False, indent=1) + "\n",
             f"{unit}.vl.json": json.dumps(drawn.spec, ensure_ascii=False, indent=1) + "\n", f"{unit}.svg": svg}
    for file_name, content in files.items():
        write_atomic(out / file_name, content)
    return [out / file_name for file_name in files]


def entities(store, base: str, max_authors: int) -> Iterator[tuple[Chart, str, str, str]]:
    """(chart, IRI, key, name) for every topic's and every drawn author's charts."""
    iris = Iris(base)
    prefixes = sparql_prefixes()
    for row in run(store, prefixes + TOPICS):
        key = (iris.relative(row["topic"]) or "").partition("/")[2]
        for chart in charts_of("topic"):
            yield chart, row["topic"], key, row["label"]
    if max_authors > 0:
        for row in run(store, prefixes + AUTHORS % max_authors):
            key = (iris.relative(row["author"]) or "").partition("/")[2]
            for chart in charts_of("author"):
                yield chart, row["author"], key, row["name"]


def write_charts(store, out: Path, base: str, max_authors: int = MAX_AUTHORS) -> list[Path]:
    """Every chart of the graph in `store` into the folder `out` (made if missing); the files written."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for chart in charts_of("home"):
        files += write_unit(store, chart, out)
    for chart, iri, key, name in entities(store, base, max_authors):
        files += write_unit(store, chart, out, iri=iri, key=key, name=name)
    print(f"charts: {len(files) // 4} charts, {time.monotonic() - started:.1f} s", file=sys.stderr)
    return files
