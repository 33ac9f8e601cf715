"""Text that reaches an HTML page, made safe in one place: text, links and JSON inside <script>.

Every page this project writes (entity pages, the query page, the ontology page, the RDF document
pages) goes through these helpers, so data from the list (titles, digests, URLs) is never markup.
"""

from __future__ import annotations

import json
import re
from html import escape

# Only these become clickable: javascript:, data:, vbscript: and the rest are shown as text.
_WEB_URL = re.compile(r"https?://", re.IGNORECASE)
# In JSON these can only occur inside strings, where \u escapes mean the same characters; escaped,
# no `</script>`, `<!--` or `<script` can end or bend the script element's data (HTML "script data
# escaped" states), and `&` cannot start a character reference in XHTML parsers.
_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}


def text(value: str) -> str:
    """Plain text for an element's content or a quoted attribute value."""
    return escape(value, quote=True)


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL, the only kind of data URL a page makes clickable."""
    return _WEB_URL.match(url) is not None


def link(url: str, label: str, *, local: bool = False) -> str:
    """`<a href=url>label</a>` for an http(s) URL (or a `local` path this server made); else the
    label as text, so a `javascript:` or `data:` IRI is never a link."""
    if local or is_web_url(url):
        return f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'
    return escape(label)


def script_json(value, **dumps) -> str:
    """JSON text for a `<script type="application/ld+json">` (or JSON) element; parses back to `value`."""
    return json.dumps(value, ensure_ascii=False, **dumps).translate(_SCRIPT_UNSAFE)
