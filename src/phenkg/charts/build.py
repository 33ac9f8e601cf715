"""Run every chart's query on a pyoxigraph store and write each chart as one unit into a folder:

    {stem}.rq       the query as run (prefixes added, the entity's IRI in place of {topic}/{author})
    {stem}.json     the rows drawn, the title and the description
    {stem}.vl.json  the Vega-Lite specification (its data inline)
    {stem}.svg      the chart, rendered offline by vl-convert (its own JavaScript engine, no network),
                    with <title> and <desc> for screen readers

The stem is the chart's name, followed by `--{key}` for a topic's or author's chart. Every author with
co-authors gets their network: a list of 20,000 papers has tens of thousands of them, so their rows
are read off the one all-pairs query the home page's network runs (not a query per author), their
SVG is written by charts/ego.py (not rendered by vl-convert, about 20 ms a chart), and their files
are written without atomic.write_atomic's scan of the folder per file (quadratic at 100,000 files).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path

from phenkg.charts import ego
from phenkg.charts.units import Chart, charts_of
from phenkg.vocab import PREFIXES, XSD, Iris, sparql_prefixes

PAIRS = "coauthor-pairs"         # the home chart whose rows give every author's co-authors
# a bound on the files a huge list writes (4 a network, about 26 kB): 20,000 papers have 23,000 authors
MAX_AUTHOR_CHARTS = 25_000
NUMBERS = {XSD + "integer": int, XSD + "int": int, XSD + "long": int, XSD + "decimal": float,
           XSD + "double": float, XSD + "float": float}

TOPICS = """SELECT ?topic ?label WHERE { ?topic a phenkg:Topic ; skos:prefLabel ?label ; phenkg:order ?order }
ORDER BY ?order"""

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
               name: str | None = None, rows: list[dict] | None = None, text: str | None = None) -> list[Path]:
    """One chart as its four files in `out` (none when its query has no rows): for a topic or author,
    `iri`, `key` and `name` say which. `rows` and `text`: the query's result and text when known."""
    text = query_text(chart, iri) if text is None else text
    rows = run(store, text) if rows is None else rows
    if not rows:        # nothing to draw (no history for the months, no venue years for a topic)
        return []
    title = chart.title.replace("{name}", name or "")
    drawn = chart.draw(rows, title, iri)
    unit = stem(chart, key)
    svg = accessible(drawn.svg, unit, title, drawn.description) if drawn.svg is not None else \
        render_svg(drawn.spec, unit, title, drawn.description)
    data = {"chart": chart.name, "title": title, "description": drawn.description, "query": f"{unit}.rq",
            "rows": drawn.rows}
    files = {f"{unit}.rq": text, f"{unit}.json": compact(data), f"{unit}.vl.json": compact(drawn.spec),
             f"{unit}.svg": svg}
    return write_files(out, files)


def compact(value) -> str:
    """JSON on one line: Python's C encoder, which `indent` turns off (the pure-Python one took about
    40 of the 54 s that 23,000 authors' networks took at 20,000 papers, profiled)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_files(out: Path, files: dict[str, str]) -> list[Path]:
    """Each file written to a temporary sibling and renamed over its target (atomic per file, as
    atomic.write_atomic, whose naming it keeps so a killed run's leftovers are removed by the next
    write_atomic), without scanning the folder for stale temporaries on every write."""
    written = []
    for file_name, content in files.items():
        path, tmp = out / file_name, out / f".{file_name}.{os.getpid()}.charts.tmp"
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def topics(store, base: str) -> Iterator[tuple[Chart, str, str, str]]:
    """(chart, IRI, key, name) for every topic's charts."""
    iris = Iris(base)
    for row in run(store, sparql_prefixes() + TOPICS):
        key = (iris.relative(row["topic"]) or "").partition("/")[2]
        for chart in charts_of("topic"):
            yield chart, row["topic"], key, row["label"]


def write_authors(store, pairs: list[dict], out: Path, base: str) -> list[Path]:
    """Every author's co-author network, from the rows of the all-pairs query (`pairs`): each unit's
    data is what its own query (written beside it) returns for that author."""
    iris = Iris(base)
    files: list[Path] = []
    networks = ego.by_author(pairs)
    if len(networks) > MAX_AUTHOR_CHARTS:   # the most connected ones (by shared papers), then by IRI
        ranked = sorted(networks, key=lambda a: (-sum(r["papers"] for r in networks[a][1]), a))
        networks = {a: networks[a] for a in ranked[:MAX_AUTHOR_CHARTS]}
        print(f"charts: co-author networks for the {MAX_AUTHOR_CHARTS:,} most connected of "
              f"{len(ranked):,} authors", file=sys.stderr)
    for chart in charts_of("author"):
        template = query_text(chart, None)
        for author, (name, rows) in sorted(networks.items()):
            key = (iris.relative(author) or "").partition("/")[2]
            if not key or "/" in key:
                continue
            text = template.replace("{" + chart.kind + "}", f"<{author}>")
            files += write_unit(store, chart, out, iri=author, key=key, name=name, rows=rows, text=text)
    return files


def write_charts(store, out: Path, base: str) -> list[Path]:
    """Every chart of the graph in `store` into the folder `out` (made if missing); the files written."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    pairs: list[dict] = []
    for chart in charts_of("home"):
        text = query_text(chart, None)
        rows = run(store, text)
        pairs = rows if chart.name == PAIRS else pairs
        files += write_unit(store, chart, out, rows=rows, text=text)
    for chart, iri, key, name in topics(store, base):
        files += write_unit(store, chart, out, iri=iri, key=key, name=name)
    home_and_topics = time.monotonic() - started
    files += write_authors(store, pairs, out, base)
    print(f"charts: {len(files) // 4} charts, {time.monotonic() - started:.1f} s (authors' networks "
          f"{time.monotonic() - started - home_and_topics:.1f} s)", file=sys.stderr)
    return files
