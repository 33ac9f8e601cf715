"""An import over a data/ that already holds a list: what it would change, entity by entity, and whether
data/ holds hand edits it would lose.

data/ keeps the list it was imported from, byte for byte (`source.yaml`'s `file:`). Importing that copy
again, in memory, gives what data/ held before anyone edited it; a data file whose canonical text differs
from that is hand-edited. An import of a newer list over a data/ with no hand edit is a pure upstream
update and needs no --force; over hand edits it does, as before.
"""

from __future__ import annotations

from pathlib import Path

from phenkg.errors import PhenkgError
from phenkg.model import Catalog
from phenkg.store import HISTORY, SOURCE, read_catalog, render_files
from phenkg.versions import import_bytes


def hand_edits(data: Path, current: Catalog) -> list[str]:
    """The data files of `current` (read from `data`) that differ from an import of data/'s own copy of
    the list; [] when data/ is exactly such an import. `history.yaml` is `phenkg history`'s, never an edit."""
    src = current.source
    copy = data / src.file
    try:
        fresh = import_bytes(copy.read_bytes(), str(copy), commit=src.commit, date=src.date,
                             repository=src.repository)
    except (OSError, PhenkgError):
        return [src.file]   # no usable copy of the list: nothing shows the data is unedited
    ours, theirs = render_files(fresh), render_files(current)
    return [name for name in theirs if name != HISTORY and ours.get(name) != theirs[name]
            and not (name == SOURCE and _same_source(fresh, current))]


def _same_source(fresh: Catalog, current: Catalog) -> bool:
    a, b = fresh.source, current.source
    return (a.title, a.file, a.preamble) == (b.title, b.file, b.preamble)


def preview(new: Catalog, data: Path, base: str) -> tuple[str, list[str]]:
    """The entity-level diff from data/ to `new` as Markdown, and data/'s hand-edited files."""
    from phenkg.changelog import to_markdown
    from phenkg.diff import diff

    current = read_catalog(data)
    current.history = {}    # the import leaves history.yaml alone; the diff is of what it writes
    text = to_markdown(diff(current, new, base), str(data), new.source.file)
    return text, hand_edits(data, current)
