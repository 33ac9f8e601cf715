"""The in-browser SPARQL engine a static site ships: Oxigraph compiled to WebAssembly (npm `oxigraph`).

The files come from the npm package installed beside this checkout (scripts/setup runs `npm ci`), or
from the folder $PHENKG_OXIGRAPH_WEB names; a site built without them has a query page that says so.
"""

from __future__ import annotations

import os
from pathlib import Path

FILES = ("web.js", "web_bg.wasm")


def engine_folder() -> Path | None:
    named = os.environ.get("PHENKG_OXIGRAPH_WEB")
    candidates = [Path(named)] if named else []
    here = Path(__file__).resolve()
    candidates += [parent / "node_modules" / "oxigraph" for parent in here.parents[:4]]
    candidates.append(Path.cwd() / "node_modules" / "oxigraph")
    return next((c for c in candidates if all((c / f).is_file() for f in FILES)), None)


def engine_files() -> list[tuple[str, Path]]:
    """(name in the site's static/oxigraph/, source file) for each file; empty when not installed."""
    folder = engine_folder()
    return [(name, folder / name) for name in FILES] if folder is not None else []
