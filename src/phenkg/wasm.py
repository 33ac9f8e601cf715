"""The in-browser SPARQL engine a static site ships: Oxigraph compiled to WebAssembly (npm `oxigraph`).

The files ship inside phenkg (resources/oxigraph-web/, the npm package's files, pinned in
package.json), so a wheel install with no npm at hand writes a working query page; the folder
$PHENKG_OXIGRAPH_WEB names, if set, takes their place (another build of the same package).
"""

from __future__ import annotations

import os
from pathlib import Path

FILES = ("web.js", "web_bg.wasm")
SHIPPED = Path(__file__).resolve().parent / "resources" / "oxigraph-web"


def engine_folder() -> Path | None:
    named = os.environ.get("PHENKG_OXIGRAPH_WEB")
    candidates = [Path(named)] if named else []
    candidates.append(SHIPPED)
    return next((c for c in candidates if all((c / f).is_file() for f in FILES)), None)


def engine_files() -> list[tuple[str, Path]]:
    """(name in the site's static/oxigraph/, source file) for each file; empty when not installed."""
    folder = engine_folder()
    return [(name, folder / name) for name in FILES] if folder is not None else []
