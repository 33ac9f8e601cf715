"""The seed's family (`- Title. [[paper]](url)` with `Keyword:` and `Digest:` lines under year headings):
read as a whole document by the line reader in phenkg.parse, which keeps that family's field-exact
fidelity. It is not yet on markdown-it-py (docs/design.md says why)."""

from __future__ import annotations

import re

NAME = "seed"
_PAPER_LINK = re.compile(r"\[\[\s*paper\s*\]\]?\(|\(\s*\[\s*paper\s*\]\("
                         r"|^\s*[-*+]\s*(?:\*\*)?(?:key ?words?|digest|tags)\s*:", re.IGNORECASE | re.MULTILINE)


def signals(text: str) -> int:
    """How many lines look like the seed family's: `[[paper]]` links and `Keyword:`/`Digest:` fields."""
    return len(_PAPER_LINK.findall(text))
