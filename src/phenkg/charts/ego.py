"""An author's co-author network (their ego network) for every author with co-authors: the author at
the centre, their co-authors on a circle around them, each circle and link sized by the papers the two
share. The layout is radial and fixed by the rows' order, so no layout engine is needed, and the SVG
is written here directly (microseconds per author) instead of by vl-convert (about 20 ms per chart:
minutes for the tens of thousands of authors of a long list; see docs/design.md, Charts). The Vega-Lite
spec of the same picture is still written beside it, so the unit can be re-rendered like any other.

Rows are those of queries/author-coauthors.rq: {"coauthor", "name", "papers"}, most shared papers
first. For all authors at once they are read off the rows of queries/coauthor-pairs.rq (`by_author`).
"""

from __future__ import annotations

import math
from html import escape

from phenkg.charts import network

WIDTH, HEIGHT = 760, 480
CENTRE_X, CENTRE_Y, RADIUS = 380, 262, 160
CENTRE_R = 18
COLOURS = {"centre": "#c0392b", "coauthor": "#2e6da4", "link": "#9aa7b4"}


def by_author(pairs: list[dict]) -> dict[str, tuple[str, list[dict]]]:
    """Each author of the co-author pair rows (a, aName, b, bName, papers) -> (name, co-author rows),
    the rows as author-coauthors.rq orders them: most shared papers first, then by the co-author's IRI."""
    egos: dict[str, tuple[str, list[dict]]] = {}
    for row in pairs:
        for me, my_name, other, name in ((row["a"], row["aName"], row["b"], row["bName"]),
                                         (row["b"], row["bName"], row["a"], row["aName"])):
            egos.setdefault(me, (my_name, []))[1].append({"coauthor": other, "name": name, "papers": row["papers"]})
    for _, rows in egos.values():
        rows.sort(key=lambda r: (-r["papers"], r["coauthor"]))
    return egos


def layout(rows: list[dict], limit: int, centre: str, centre_name: str) -> network.Network:
    """The centre and the first `limit - 1` co-authors on a circle, clockwise from the top, in [0, 1]
    with y upwards (as the Vega-Lite spec draws it); links from the centre to each co-author."""
    shown = rows[:max(limit - 1, 0)]
    nodes = [{"id": centre, "name": centre_name, "x": 0.5, "y": 0.5,
              "papers": max((r["papers"] for r in shown), default=0), "centre": True}]
    edges = []
    for i, row in enumerate(shown):
        angle = math.pi / 2 - 2 * math.pi * i / len(shown)
        x, y = round(0.5 + 0.4 * math.cos(angle), 4), round(0.5 + 0.4 * math.sin(angle), 4)
        nodes.append({"id": row["coauthor"], "name": row["name"], "x": x, "y": y, "papers": row["papers"],
                      "centre": False})
        edges.append({"a": centre_name, "b": row["name"], "x": 0.5, "y": 0.5, "x2": x, "y2": y,
                      "papers": row["papers"]})
    return network.Network(nodes, edges, shown)


def svg(drawn: network.Network, title: str) -> str:
    """The picture of `layout`'s result as SVG text: every name and number escaped, nothing external.
    (The <title>/<desc> for screen readers are added by build.accessible, as for every chart.)"""
    most = max((n["papers"] for n in drawn.nodes[1:]), default=1) or 1
    links, circles, labels = [], [], []
    for node in drawn.nodes[1:]:
        dx, dy = node["x"] - 0.5, 0.5 - node["y"]          # SVG's y grows downwards
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        x, y = CENTRE_X + RADIUS * ux, CENTRE_Y + RADIUS * uy
        share = node["papers"] / most
        r = 5 + 11 * math.sqrt(share)
        papers = f"{node['papers']} shared paper{'s' if node['papers'] != 1 else ''}"
        links.append(f'<line x1="{CENTRE_X}" y1="{CENTRE_Y}" x2="{x:.1f}" y2="{y:.1f}" '
                     f'stroke-width="{1 + 4 * share:.1f}"/>')
        circles.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"><title>{escape(node["name"])}: '
                       f"{papers}</title></circle>")
        anchor = "start" if ux > 0.15 else "end" if ux < -0.15 else "middle"
        lx, ly = x + (r + 5) * ux, y + (r + 5) * uy + (4 if anchor != "middle" else 4 + 6 * uy)
        labels.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">{escape(node["name"], quote=False)}'
                      "</text>")
    centre = drawn.nodes[0] if drawn.nodes else {"name": ""}
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>'
            f'<text x="{WIDTH // 2}" y="22" text-anchor="middle" font-size="13" font-weight="bold">'
            f"{escape(title, quote=False)}</text>"
            f'<g stroke="{COLOURS["link"]}" stroke-linecap="round">{"".join(links)}</g>'
            f'<g fill="{COLOURS["coauthor"]}" fill-opacity="0.9">{"".join(circles)}</g>'
            f'<circle cx="{CENTRE_X}" cy="{CENTRE_Y}" r="{CENTRE_R}" fill="{COLOURS["centre"]}"/>'
            f'<g fill="#222">{"".join(labels)}'
            f'<text x="{CENTRE_X}" y="{CENTRE_Y + CENTRE_R + 14}" text-anchor="middle" font-weight="bold">'
            f'{escape(centre["name"], quote=False)}</text></g></svg>')
