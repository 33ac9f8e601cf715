"""The table of charts: for each, its query file, the page it belongs on, its title, the Vega-Lite
specification drawn from the query's rows, and the text that describes it to a screen reader.

A chart of kind "topic" or "author" is drawn once per topic or author: its query names the entity
with the placeholder `{topic}` or `{author}`, replaced by the entity's IRI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from phenkg.charts import ego, network

QUERIES = Path(__file__).resolve().parent / "queries"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"   # a name only: nothing is fetched
WIDTH = 520
NETWORK_NODES = 30       # authors drawn in a co-author network at most
NETWORK_SIZE = 460


@dataclass(frozen=True)
class Drawn:
    spec: dict
    rows: list[dict]        # the rows drawn: the query's result, or for a network the part of it shown
    description: str
    svg: str | None = None  # drawn here rather than by vl-convert (author networks: charts/ego.py)


@dataclass(frozen=True)
class Chart:
    name: str                          # file stem of its query and outputs
    kind: str                          # the page it is on: "home", "topic" or "author"
    title: str                         # "{name}": the entity's name
    draw: Callable[[list[dict], str, str | None], Drawn]    # rows, title, entity IRI -> the chart

    def query(self) -> str:
        return (QUERIES / f"{self.name}.rq").read_text(encoding="utf-8")


def _spec(title: str, values: list[dict], **rest) -> dict:
    return {"$schema": SCHEMA, "title": title, "width": WIDTH, "data": {"values": values},
            "config": {"font": "sans-serif", "view": {"stroke": None}}, **rest}


def _listing(rows: list[dict], label: str, value: str, limit: int = 12, unit: str = "") -> str:
    shown = "; ".join(f"{row[label]}: {row[value]}{unit}" for row in rows[:limit])
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return shown + more + "." if rows else "No data."


def stacked_years(rows: list[dict], title: str, iri: str | None) -> Drawn:
    """Papers per year, one colour per topic."""
    spec = _spec(title, rows, mark={"type": "bar", "tooltip": True},
                 encoding={"x": {"field": "year", "type": "ordinal", "title": "year", "axis": {"labelAngle": 0}},
                           "y": {"field": "papers", "type": "quantitative", "title": "papers"},
                           "color": {"field": "label", "type": "nominal", "title": "topic"}})
    totals: dict[int, int] = {}
    for row in rows:
        totals[row["year"]] = totals.get(row["year"], 0) + row["papers"]
    text = (f"Stacked bar chart of papers per year across {len({r['label'] for r in rows})} topics. Totals: "
            + _listing([{"year": y, "papers": n} for y, n in sorted(totals.items())], "year", "papers", 30))
    return Drawn(spec, rows, text)


def years(rows: list[dict], title: str, iri: str | None) -> Drawn:
    spec = _spec(title, rows, mark={"type": "bar", "tooltip": True},
                 encoding={"x": {"field": "year", "type": "ordinal", "title": "year", "axis": {"labelAngle": 0}},
                           "y": {"field": "papers", "type": "quantitative", "title": "papers"}})
    return Drawn(spec, rows, "Bar chart of papers per year: " + _listing(rows, "year", "papers", 30))


def months(rows: list[dict], title: str, iri: str | None) -> Drawn:
    spec = _spec(title, rows, mark={"type": "bar", "tooltip": True},
                 encoding={"x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": "month"},
                           "y": {"field": "papers", "type": "quantitative", "title": "papers added"}})
    total = sum(row["papers"] for row in rows)
    busiest = sorted(rows, key=lambda r: (-r["papers"], r["month"]))[:5]
    text = (f"Bar chart of papers added to the list per month, {rows[0]['month']} to {rows[-1]['month']}: "
            f"{total} papers in {len(rows)} months. Busiest months: " + _listing(busiest, "month", "papers"))
    return Drawn(spec, rows, text)


def ranked(label: str, value: str, axis: str) -> Callable[[list[dict], str, str | None], Drawn]:
    """Horizontal bars, longest first."""
    def draw(rows: list[dict], title: str, iri: str | None) -> Drawn:
        spec = _spec(title, rows, mark={"type": "bar", "tooltip": True},
                     encoding={"y": {"field": label, "type": "nominal", "sort": "-x", "title": None},
                               "x": {"field": value, "type": "quantitative", "title": axis}})
        return Drawn(spec, rows, f"Bar chart of {axis} by {label}, largest first: " + _listing(rows, label, value))
    return draw


def pairs(rows: list[dict], title: str, iri: str | None) -> Drawn:
    """Keyword co-occurrence as a grid: a cell per pair, darker for more shared papers."""
    spec = _spec(title, rows, mark={"type": "rect", "tooltip": True}, width={"step": 22}, height={"step": 22},
                 encoding={"x": {"field": "first", "type": "nominal", "title": None, "axis": {"labelAngle": -45}},
                           "y": {"field": "second", "type": "nominal", "title": None},
                           "color": {"field": "papers", "type": "quantitative", "title": "papers"}})
    shown = [{"pair": f"{r['first']} and {r['second']}", "papers": r["papers"]} for r in rows]
    return Drawn(spec, rows, "Grid of keyword pairs, by papers sharing both: " + _listing(shown, "pair", "papers"))


def code_share(label: str, axis: str, order: str) -> Callable[[list[dict], str, str | None], Drawn]:
    def draw(rows: list[dict], title: str, iri: str | None) -> Drawn:
        spec = _spec(title, rows, mark={"type": "bar", "tooltip": True},
                     encoding={"x": {"field": label, "type": order, "title": axis, "sort": None},
                               "y": {"field": "percent", "type": "quantitative", "title": "% of papers with code",
                                     "scale": {"domain": [0, 100]}}})
        spec["encoding"]["x"]["axis"] = {"labelAngle": -30 if order == "nominal" else 0}
        return Drawn(spec, rows, f"Bar chart of the share of papers with code per {axis}: "
                     + _listing(rows, label, "percent", 30, " %"))
    return draw


def network_spec(title: str, drawn: network.Network, size_title: str = "shared papers") -> dict:
    """A layered chart: rules for the shared papers, points sized by papers, and the names."""
    axis = {"axis": None, "scale": {"domain": [-0.08, 1.08]}}
    size = {"width": NETWORK_SIZE, "height": NETWORK_SIZE}
    return {"$schema": SCHEMA, "title": title, **size, "config": {"font": "sans-serif", "view": {"stroke": None}},
            "layer": [
                {"data": {"values": drawn.edges}, "mark": {"type": "rule", "color": "#9aa7b4", "tooltip": True},
                 "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                              "y": {"field": "y", "type": "quantitative", **axis}, "x2": {"field": "x2"},
                              "y2": {"field": "y2"},
                              "strokeWidth": {"field": "papers", "type": "quantitative", "legend": None,
                                              "scale": {"range": [1, 5]}}}},
                {"data": {"values": drawn.nodes}, "mark": {"type": "circle", "opacity": 0.9, "tooltip": True},
                 "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                              "y": {"field": "y", "type": "quantitative", **axis},
                              "size": {"field": "papers", "type": "quantitative", "title": size_title,
                                       "scale": {"range": [40, 500], "zero": False}},
                              "color": {"field": "centre", "type": "nominal", "legend": None,
                                        "scale": {"domain": [True, False], "range": ["#c0392b", "#2e6da4"]}}}},
                {"data": {"values": drawn.nodes}, "mark": {"type": "text", "dy": -11, "fontSize": 10},
                 "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                              "y": {"field": "y", "type": "quantitative", **axis},
                              "text": {"field": "name"}}}]}


def _network_text(drawn: network.Network, what: str) -> str:
    names = ", ".join(f"{n['name']} ({n['papers']})" for n in drawn.nodes[:15])
    more = f", and {len(drawn.nodes) - 15} more" if len(drawn.nodes) > 15 else ""
    return (f"Network of {what}: {len(drawn.nodes)} authors joined by {len(drawn.edges)} links, one per pair "
            f"who wrote a paper together. Authors with their shared papers: {names}{more}.")


def largest_group(rows: list[dict], title: str, iri: str | None) -> Drawn:
    group = network.largest_group(rows)
    drawn = network.layout(rows, NETWORK_NODES, within=group)
    what = f"the largest connected group of co-authors ({len(group)} authors; the {len(drawn.nodes)} with most " \
           "shared papers drawn)"
    return Drawn(network_spec(title, drawn, "shared papers, summed"), drawn.rows, _network_text(drawn, what))


def coauthors(rows: list[dict], title: str, iri: str | None) -> Drawn:
    """An author's co-authors around them (rows: their co-authors, most shared papers first); the rows
    are the query's whole result, the picture shows the NETWORK_NODES - 1 first."""
    centre_name = title.removeprefix("Co-authors of ")
    drawn = ego.layout(rows, NETWORK_NODES, iri or "", centre_name)
    names = ", ".join(f"{r['name']} ({r['papers']})" for r in rows[:15])
    more = f", and {len(rows) - 15} more" if len(rows) > 15 else ""
    shown = f" (the {len(drawn.rows)} with most shared papers drawn)" if len(drawn.rows) < len(rows) else ""
    count = f"{len(rows)} co-author{'s' if len(rows) != 1 else ''}"
    text = (f"Network of the {count} of {centre_name}{shown}, each linked to them and sized by "
            f"the papers they share. Co-authors with their shared papers: {names}{more}.")
    return Drawn(network_spec(title, drawn), rows, text, ego.svg(drawn, title))


CHARTS: tuple[Chart, ...] = (
    Chart("papers-per-list-year", "home", "Papers per topic per list year", stacked_years),
    Chart("papers-per-publication-year", "home", "Papers per topic per publication year", stacked_years),
    Chart("keywords", "home", "Most frequent keywords", ranked("label", "papers", "papers")),
    Chart("keyword-pairs", "home", "Keywords that occur together", pairs),
    Chart("code-share-per-year", "home", "Share of papers with code, per list year",
          code_share("year", "list year", "ordinal")),
    Chart("code-share-per-topic", "home", "Share of papers with code, per topic",
          code_share("label", "topic", "nominal")),
    Chart("venues", "home", "Venues by number of papers", ranked("venue", "papers", "papers")),
    Chart("papers-added-per-month", "home", "Papers added to the list per month", months),
    Chart("coauthor-pairs", "home", "The largest group of co-authors", largest_group),
    Chart("topic-papers-per-list-year", "topic", "{name}: papers per list year", years),
    Chart("topic-papers-per-publication-year", "topic", "{name}: papers per publication year", years),
    Chart("topic-keywords", "topic", "{name}: most frequent keywords", ranked("label", "papers", "papers")),
    Chart("author-coauthors", "author", "Co-authors of {name}", coauthors),
)


def charts_of(kind: str) -> list[Chart]:
    return [chart for chart in CHARTS if chart.kind == kind]
