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
        **lists(catalog),
    }


def lists(catalog: Catalog) -> dict[str, int]:
    """With several lists in data/: the papers each list lists, and those listed by more than one."""
    if not catalog.sources:
        return {}
    files = [catalog.source.file, *(x.file for x in catalog.sources)]
    by_paper = [{x.source or catalog.source.file for x in p.listings} for p in catalog.papers]
    out = {f"papers listed by {file}": sum(file in found for found in by_paper) for file in files}
    out["papers in several lists"] = sum(len(found) > 1 for found in by_paper)
    return out
