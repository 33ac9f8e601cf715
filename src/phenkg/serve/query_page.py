"""The query page at /: an editor, the example queries, results as a table, download links."""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from phenkg.formats import JSONLD
from phenkg.markup import script_json
from phenkg.serve.examples import examples
from phenkg.serve.metadata import page_meta
from phenkg.serve.pages import SERVER, Links, nav

TEMPLATE = Path(__file__).resolve().parent / "templates" / "query.html"


def query_page(base: str, dataset: dict | None = None, charts: str = "", first: str | None = None, *,
               links: Links = SERVER, endpoint: str | None = None) -> bytes:
    """The page (a static site's runs queries in the browser, or sends them to `endpoint`); `dataset`
    (a build's dataset.jsonld) is embedded for search engines (Google Dataset Search reads schema.org
    JSON-LD embedded in a page, not a separate file); `charts`: the HTML of charts shown under it
    (phenkg.charts.html); `first`: the query in the editor (a chart's "run it" link asks for its own),
    by default the first example."""
    items = examples(base)
    buttons = "\n".join(f'<li><button type="button" class="example" data-index="{i}">'
                        f"{escape(title)}</button></li>" for i, (title, _) in enumerate(items))
    data = script_json([{"title": t, "query": q} for t, q in items])
    description = (dataset or {}).get("description") or "Query the papers of the list, their authors, topics and venues"
    head = page_meta("phenkg · SPARQL query", base, str(description)) + "\n" + dataset_script(dataset)
    text = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        nav=nav(links), root=escape(links.root, quote=True),
        links_json=script_json({"root": links.root, "suffix": links.suffix, "static": bool(links.suffix),
                                **({"endpoint": endpoint} if endpoint else {})}),
        examples=buttons, examples_json=data, charts=charts, base_json=script_json(base),
        first=escape(items[0][1] if first is None else first), dataset=head)
    return text.encode()


def dataset_script(dataset: dict | None) -> str:
    """The build's schema.org Dataset as a JSON-LD script block (empty without a build)."""
    return f'<script type="{JSONLD.media_type}">\n{script_json(dataset, indent=1)}\n</script>\n' if dataset else ""
