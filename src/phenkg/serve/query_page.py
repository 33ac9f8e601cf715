"""The query page at /: an editor, the example queries, results as a table, download links."""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from phenkg.formats import JSONLD
from phenkg.markup import script_json
from phenkg.serve.examples import examples

TEMPLATE = Path(__file__).resolve().parent / "templates" / "query.html"


def query_page(base: str, dataset: dict | None = None, charts: str = "", first: str | None = None) -> bytes:
    """The page; `dataset` (a build's dataset.jsonld) is embedded for search engines (Google Dataset
    Search reads schema.org JSON-LD embedded in a page, not a separate file); `charts`: the HTML of the
    home page's charts (phenkg.charts.html); `first`: the query in the editor (a chart's "run it" link
    asks for its own), by default the first example."""
    items = examples(base)
    buttons = "\n".join(f'<li><button type="button" class="example" data-index="{i}">'
                        f"{escape(title)}</button></li>" for i, (title, _) in enumerate(items))
    data = script_json([{"title": t, "query": q} for t, q in items])
    text = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        examples=buttons, examples_json=data, charts=charts, base_json=script_json(base),
        first=escape(items[0][1] if first is None else first),
        dataset=(f'<script type="{JSONLD.media_type}">\n{script_json(dataset, indent=1)}\n</script>\n'
                 if dataset else ""))
    return text.encode()
