"""Counts of what a catalog holds."""

from __future__ import annotations

from phenkg.model import Catalog


def count(catalog: Catalog) -> dict[str, int]:
    keys = catalog.keys
    serious = [p for p in catalog.problems if p.severity in ("error", "warning")]
    return {
        "entries": sum(len(p.listings) for p in catalog.papers),
        "papers": len(catalog.papers),
        "authors": len(set(keys.authors.values())),
        "keywords": len(set(keys.keywords.values())),
        "topics": len(catalog.topics),
        "venues": len(keys.venues),
        "code repositories": len(set(keys.repos.values())),
        "problems": len(serious),
        "notes": len(catalog.problems) - len(serious),
    }
