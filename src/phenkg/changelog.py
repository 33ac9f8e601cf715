"""A Diff (phenkg.diff) as JSON and as Markdown that fits a pull-request comment: a summary line with
counts, then the changes grouped by kind. Both are deterministic: the same diff gives the same text."""

from __future__ import annotations

import json
from typing import Any

from phenkg import diff as d

TITLES = {
    d.PAPER_ADDED: "Papers added", d.PAPER_REMOVED: "Papers removed",
    d.PAPER_REKEYED: "Papers re-identified (key changed)", d.RENAMED: "Papers renamed",
    d.MOVED: "Papers moved to another topic", d.YEAR: "Papers listed under another year",
    d.AUTHORS: "Authors changed", d.VENUE: "Venues changed", d.LINKS: "Links changed",
    d.KEYWORDS: "Keywords changed", d.DIGEST: "Digests changed", d.TOPIC_ADDED: "Topics added",
    d.TOPIC_REMOVED: "Topics removed", d.TOPIC_RENAMED: "Topics renamed", d.TOPIC_MOVED: "Topics moved",
    d.REKEYED: "Authors, keywords or repositories re-keyed", d.SOURCE: "List version",
    d.LINES: "Source lines shifted", d.HISTORY: "History dates changed",
}
SHORT = {d.PAPER_ADDED: "added", d.PAPER_REMOVED: "removed", d.PAPER_REKEYED: "re-identified",
         d.RENAMED: "renamed", d.MOVED: "moved", d.YEAR: "re-yeared", d.AUTHORS: "authors",
         d.VENUE: "venue", d.LINKS: "links", d.KEYWORDS: "keywords", d.DIGEST: "digest",
         d.TOPIC_ADDED: "topics added", d.TOPIC_REMOVED: "topics removed", d.TOPIC_RENAMED: "topics renamed",
         d.TOPIC_MOVED: "topics moved", d.REKEYED: "re-keyed", d.SOURCE: "list version",
         d.LINES: "lines shifted", d.HISTORY: "history"}
FOLD = 30          # a group longer than this is folded into <details>
QUIET = {d.LINES: "{n} papers keep their content at other lines of the list.",   # groups shown by count only
         d.HISTORY: "{n} papers have other first-listed or last-changed dates (data/history.yaml)."}


def summary(result: d.Diff) -> dict[str, Any]:
    total = len(result.patch)
    return {"changes": result.counts(), "triples": {"deleted": len(result.patch.deleted),
                                                    "added": len(result.patch.added),
                                                    "typed": result.typed, "other": len(result.other)},
            "typed_share": round(result.typed / total, 6) if total else 1.0}


def to_json(result: d.Diff, old: str, new: str) -> str:
    doc = {"from": old, "to": new, "summary": summary(result),
           "changes": [change.as_json() for change in result.changes], "other": result.other}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def summary_line(result: d.Diff) -> str:
    counts = result.counts()
    parts = [f"{n} {SHORT[kind]}" for kind, n in counts.items()] or ["no change"]
    total = len(result.patch)
    share = f"{100 * result.typed / total:.1f}%" if total else "100%"
    return (f"{', '.join(parts)}; {total} triples changed ({len(result.patch.deleted)} deleted, "
            f"{len(result.patch.added)} added), {share} in typed changes, {len(result.other)} other")


def to_markdown(result: d.Diff, old: str, new: str) -> str:
    out = [f"**phenkg diff** `{old}` → `{new}`: {summary_line(result)}", ""]
    groups: dict[str, list[d.Change]] = {}
    for change in result.changes:
        groups.setdefault(change.kind, []).append(change)
    for kind, changes in groups.items():
        out.append(f"### {TITLES[kind]} ({len(changes)})")
        if kind in QUIET:
            out += [QUIET[kind].format(n=len(changes)), ""]
            continue
        items = [f"- {_sentence(change)}" for change in changes]
        if len(items) > FOLD:
            out += ["<details><summary>show all</summary>", "", *items, "", "</details>"]
        else:
            out += items
        out.append("")
    if result.other:
        out.append(f"### Other triples ({len(result.other)})")
        out += ["```", *result.other[:FOLD], *(["..."] if len(result.other) > FOLD else []), "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _code(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_code(v) for v in value) or "none"
    return "none" if value is None else f"`{value}`"


def _sentence(change: d.Change) -> str:
    what = f"**{_escape(change.label)}**" + (f" (`{change.entity}`)" if change.entity else "")
    x = change.detail
    if change.kind == d.PAPER_ADDED:
        return f"{what} in {_code(x['topics'])}"
    if change.kind == d.PAPER_REKEYED:
        return f"{what}, was `{x['from']}` ({', '.join(sorted(x['what'])) or 'same content'})"
    if change.kind in (d.RENAMED, d.TOPIC_RENAMED):
        return f"{what}, was *{_escape(x['from'])}*"
    if change.kind in (d.MOVED, d.YEAR, d.VENUE, d.TOPIC_MOVED, d.SOURCE, d.REKEYED):
        return f"{what}: {_code(x['from'])} → {_code(x['to'])}"
    if change.kind in (d.LINKS, d.KEYWORDS):
        return f"{what}: added {_code(x['added'])}; removed {_code(x['removed'])}"
    if change.kind == d.AUTHORS:
        parts = [f"added {_code(x['added'])}" if x["added"] else "", f"removed {_code(x['removed'])}"
                 if x["removed"] else "", "respelled " + ", ".join(f"`{a}` → `{b}`" for a, b in x["respelled"])
                 if x["respelled"] else "", "reordered" if x["reordered"] else ""]
        return f"{what}: {'; '.join(p for p in parts if p)}"
    if change.kind == d.DIGEST:
        return f"{what}: digest {'added' if not x['from'] else 'removed' if not x['to'] else 'rewritten'}"
    return what


def _escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>|" else c for c in text)
