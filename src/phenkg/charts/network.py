"""Co-author networks for charts: query rows of author pairs -> a bounded, laid-out node and edge list.

The layout is networkx's spring layout with a fixed seed, so the same rows always give the same
picture; only the `limit` authors with the most shared papers are drawn, so a chart stays readable
at any size of the list.
"""

from __future__ import annotations

from dataclasses import dataclass

SEED = 7


@dataclass
class Network:
    nodes: list[dict]   # {"id", "name", "x", "y", "papers"}: papers = shared papers (or the node's weight)
    edges: list[dict]   # {"a", "b", "x", "y", "x2", "y2", "papers"}
    rows: list[dict]    # the query rows the picture draws (each one a row of the query's result)


def graph_of(rows: list[dict]):
    """A weighted networkx graph of the query rows (a, aName, b, bName, papers)."""
    import networkx as nx

    graph = nx.Graph()
    for row in rows:
        graph.add_node(row["a"], name=row["aName"])
        graph.add_node(row["b"], name=row["bName"])
        graph.add_edge(row["a"], row["b"], papers=row["papers"])
    return graph


def largest_group(rows: list[dict]) -> set[str]:
    """The authors of the largest connected co-author group (ties: the one with the smallest IRI)."""
    import networkx as nx

    groups = list(nx.connected_components(graph_of(rows)))
    if not groups:
        return set()
    return max(groups, key=lambda group: (len(group), [-ord(c) for c in min(group)]))


def weights(rows: list[dict], centre: str | None) -> dict[str, int]:
    """Each author's weight: the papers shared with `centre` (the centre itself: all its papers with
    co-authors), or without a centre the papers shared with anyone, summed over co-authors."""
    weight: dict[str, int] = {}
    for row in rows:
        for me, other in ((row["a"], row["b"]), (row["b"], row["a"])):
            if centre is None or other == centre:
                weight[me] = weight.get(me, 0) + row["papers"]
    if centre is not None:
        weight[centre] = max(weight.values(), default=0)
    return weight


def layout(rows: list[dict], limit: int, centre: str | None = None, within: set[str] | None = None) -> Network:
    """The `limit` heaviest authors (weights) among `within` (default: all), always with `centre`, the
    edges between them, and spring-layout positions in [0, 1] (seeded)."""
    import networkx as nx

    weight = weights(rows, centre)
    chosen = connected_choice(graph_of(rows), weight, limit, centre, within)
    drawn = [row for row in rows if row["a"] in chosen and row["b"] in chosen]
    graph = graph_of(drawn)
    if not graph:
        return Network([], [], [])
    positions = nx.spring_layout(graph, seed=SEED, k=3 / len(graph) ** 0.5, iterations=200)
    xs = [float(p[0]) for p in positions.values()]
    ys = [float(p[1]) for p in positions.values()]

    def scaled(node: str) -> tuple[float, float]:
        x, y = positions[node]
        return (_unit(float(x), min(xs), max(xs)), _unit(float(y), min(ys), max(ys)))

    nodes = []
    for node in sorted(graph, key=lambda n: (-weight[n], n)):
        x, y = scaled(node)
        nodes.append({"id": node, "name": graph.nodes[node]["name"], "x": x, "y": y, "papers": weight[node],
                      "centre": node == centre})
    edges = []
    for row in drawn:
        (x, y), (x2, y2) = scaled(row["a"]), scaled(row["b"])
        edges.append({"a": row["aName"], "b": row["bName"], "x": x, "y": y, "x2": x2, "y2": y2,
                      "papers": row["papers"]})
    return Network(nodes, edges, drawn)


def connected_choice(graph, weight: dict[str, int], limit: int, centre: str | None,
                     within: set[str] | None) -> set[str]:
    """Up to `limit` authors that stay connected: from `centre` (or the heaviest author), add the heaviest
    neighbour of those chosen until there are enough (ties by IRI)."""
    candidates = [a for a in weight if within is None or a in within]
    if not candidates:
        return set()
    start = centre if centre in weight else min(candidates, key=lambda a: (-weight[a], a))
    chosen, frontier = {start}, set(graph.neighbors(start)) if start in graph else set()
    while len(chosen) < limit and frontier:
        best = min(frontier, key=lambda a: (-weight.get(a, 0), a))
        frontier.discard(best)
        chosen.add(best)
        frontier |= set(graph.neighbors(best)) - chosen
    return chosen


def _unit(value: float, low: float, high: float) -> float:
    return round(0.5 if high == low else (value - low) / (high - low), 4)
