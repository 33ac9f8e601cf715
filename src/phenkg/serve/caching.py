"""HTTP caching for `phenkg serve`: one ETag per dataset version and request, and conditional GETs.

Every answer of the server is a function of the dataset (a build's content) and the request (its
target and Accept header): a page, a file, a query's results. So the front computes the ETag before
any work, from the dataset's version (the digest of the build's N-Triples, phenkg.storedir) and the
request, answers `If-None-Match` with 304 at once, and marks every 200 with that ETag and a
Cache-Control; errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MAX_AGE = 300                           # seconds a client or proxy may reuse an answer without asking
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
NOT_CACHED = "no-store"


def dataset_version(settings: dict, store_path: str) -> str:
    """The version of what is served: the build's content digest (store.json's `sha256`), else (an
    older build, or a store without a build) its figures and description, else the store's path and time."""
    from phenkg import __version__

    digest = hashlib.sha256(f"{__version__}\0{json.dumps(settings, sort_keys=True, default=str)}\0".encode())
    dist = Path(settings["dist"]) if settings.get("dist") else None
    figures = dist / "store.json" if dist is not None else None
    if figures is not None and figures.is_file():
        recorded = json.loads(figures.read_text(encoding="utf-8")).get("sha256")
        digest.update(recorded.encode() if recorded else figures.read_bytes())
        if not recorded and (dist / "void.ttl").is_file():        # type: ignore[operator]
            digest.update((dist / "void.ttl").read_bytes())       # type: ignore[operator]
    else:
        store = Path(store_path)
        digest.update(f"{store}\0{store.stat().st_mtime_ns if store.exists() else 0}".encode())
    return digest.hexdigest()[:16]


def etag(version: str, target: str, accept: str | None) -> str:
    """The ETag of the answer to GET `target` with `accept`, for the dataset `version`."""
    digest = hashlib.sha256(f"{version}\0{target}\0{accept or ''}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names the tag (or is `*`); weak tags compare equal (RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    names = [n.strip().removeprefix("W/") for n in if_none_match.split(",")]
    return "*" in names or tag in names


def headers(status: int, tag: str | None, given: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answer's headers with the ETag and Cache-Control a 200 (or 304) gets; errors get no-store."""
    kept = [(k, v) for k, v in given if k.lower() not in ("cache-control", "etag")]
    if tag is not None and status in (200, 304):
        return [*kept, ("ETag", tag), ("Cache-Control", CACHE_CONTROL)]
    if status >= 400:
        return [*kept, ("Cache-Control", NOT_CACHED)]
    return list(given)
