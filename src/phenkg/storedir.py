"""The query store a build leaves in dist/, and the cache of builds that `phenkg serve --data` reuses.

    phenkg build  -> dist/store/ (a pyoxigraph on-disk store) + dist/store.json (its figures)
    phenkg serve --dist dist/   -> opens dist/store/ read-only: ready at once at any size
    phenkg serve --data data/   -> the same, over a build kept in the cache (cache_root), keyed by
                                   what data/ holds (cache_key); serve.entry makes and reuses it

Nothing at serving time scans the store: the triple count and the named graphs are read from
store.json, the dataset description from void.ttl.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

STORE = "store"
FIGURES = "store.json"
KEEP = 4                # cached builds kept; older ones are removed
_KEY = re.compile(r"[0-9a-f]{20}")  # the name of a cached build (cache_key)


def write_store(nt_path: Path, out_dir: Path, triples: int) -> list[Path]:
    """Bulk-load the N-Triples into `out_dir/store` and write its figures beside it."""
    import pyoxigraph

    from phenkg.atomic import write_atomic

    path = out_dir / STORE
    store = pyoxigraph.Store(str(path))
    store.bulk_load(path=str(nt_path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    graphs = sorted(g.value for g in store.named_graphs())
    store.flush()
    store.optimize()
    del store
    figures = {"triples": triples, "graphs": graphs, "sha256": file_digest(nt_path)}
    write_atomic(out_dir / FIGURES, (json.dumps(figures, indent=1) + "\n").encode())
    return [path, out_dir / FIGURES]


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in pieces: the version of the data the server's ETags name."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def figures(dist: Path) -> dict | None:
    """The figures of dist/'s store, or None if the build that made dist/ wrote no store."""
    try:
        data = json.loads((dist / FIGURES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (dist / STORE).is_dir() or not isinstance(data.get("triples"), int):
        return None
    return data


def cache_root() -> Path:
    """$PHENKG_CACHE, else $XDG_CACHE_HOME/phenkg, else ~/.cache/phenkg."""
    if os.environ.get("PHENKG_CACHE"):
        return Path(os.environ["PHENKG_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phenkg"


def cache_key(data: Path, base: str, extra_files: list[Path]) -> str:
    """What a build depends on: phenkg's version, the base, every file of data/ and the shapes."""
    from phenkg import __version__

    digest = hashlib.sha256(f"{__version__}\0{base}\0".encode())
    files = sorted(p for p in data.iterdir() if p.is_file()) + sorted(extra_files)
    for file in files:      # read in pieces: a hand edit may make a file of any size
        digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:20]


def prune(root: Path, keep: Path) -> None:
    """Remove all but the KEEP most recently used cached builds (always keeping `keep`); other folders
    (the build cache, phenkg.incremental's "incremental/") are not builds."""
    entries = sorted((p for p in root.iterdir() if p.is_dir() and p != keep and _KEY.fullmatch(p.name)),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
