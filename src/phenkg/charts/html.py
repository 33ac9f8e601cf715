"""The charts of one page as HTML, read from a build's charts/ folder: each chart's SVG inline (it
shows with JavaScript off and carries its <title> and <desc>), its description, and its query beside
it with a link that opens it on the query page. One function, `chart_html(kind, key, folder)`, for
`phenkg serve` and the static site alike."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import quote

from phenkg.charts.build import stem
from phenkg.charts.units import charts_of

STYLE = """<style>
.charts .chart{display:grid;grid-template-columns:minmax(0,auto) minmax(16rem,1fr);gap:1rem;margin:1.5rem 0;
align-items:start}
.charts figure{margin:0;overflow-x:auto}.charts svg{max-width:100%;height:auto}
.charts figcaption{font-size:.85rem;color:#444;max-width:40rem}
.charts pre{font-size:.75rem;background:#f6f8fa;padding:.5rem;overflow-x:auto;max-height:22rem}
.charts .chart>*{min-width:0}
@media (max-width:60rem){.charts .chart{grid-template-columns:minmax(0,1fr)}}
</style>"""


def chart_html(kind: str, key: str | None, folder: Path | None, query_page: str = "/") -> str:
    """The charts for the page of `kind` ("home", "topic", "author") and entity key (None for home),
    from `folder` (a build's dist/charts/); "" when there are none. `query_page`: where a query runs."""
    if folder is None:
        return ""
    units = []
    for chart in charts_of(kind):
        name = stem(chart, key if kind != "home" else None)
        svg, data = _read(folder, f"{name}.svg"), _read(folder, f"{name}.json")
        query = _read(folder, f"{name}.rq")
        if svg is None or data is None or query is None:
            continue
        description = json.loads(data)["description"]
        units.append(f'<div class="chart" id="chart-{escape(name)}"><figure>{svg}'
                     f"<figcaption>{escape(description)}</figcaption></figure>"
                     f"<div class=\"chart-query\">{_query_block(query, query_page)}</div></div>")
    if not units:
        return ""
    return (f'<section class="charts" aria-labelledby="charts-heading">{STYLE}'
            f'<h2 id="charts-heading">Charts</h2>{"".join(units)}</section>')


def _query_block(query: str, query_page: str) -> str:
    return (f"<p><small>The query behind the chart · <a href=\"{escape(query_page)}?query="
            f"{quote(query, safe='')}\">run it on the query page</a></small></p>"
            f"<pre><code>{escape(query)}</code></pre>")


def _read(folder: Path, name: str) -> str | None:
    """A chart file directly in `folder` (the key in `name` comes from a request's path: no separators)."""
    if "/" in name or "\\" in name or "\x00" in name:
        return None
    try:
        return (folder / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def entity_charts(iri: str, base: str, folder: Path | None, query_page: str = "/") -> str:
    """The charts of the page of the entity `iri` (a topic or an author; "" for others); `query_page`:
    where their queries run."""
    from phenkg.vocab import Iris

    kind, _, key = (Iris(base).relative(iri) or "").partition("/")
    if kind not in ("topic", "author") or not key or "/" in key:
        return ""
    return chart_html(kind, key, folder, query_page)


def charts_folder(dist: Path | None) -> Path | None:
    """Where a build's charts are, if it has them."""
    from phenkg.charts import DIR

    return dist / DIR if dist is not None and (dist / DIR).is_dir() else None
