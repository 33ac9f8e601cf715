"""The import report made readable: a problem that a list has on most of its entries is one note, and
the printed summary counts problems by kind, errors first, and locates only the first few.

`data/import-report.yaml` keeps its line order (a curator reads it next to the list); only the
problems of a list-wide style are folded into one note there. The grouping by kind is the printed
summary's (`summary_lines`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from phenkg.model import Problem

RANK = {"error": 0, "warning": 1, "info": 2}
LIST_WIDE_MANY = 50   # a code seen more often than this is a list-wide style, whatever the list's size
LIST_WIDE_MIN = 10    # ... and one seen on more than half the entries, if it is seen this often
FIRST_LINES = 5       # lines a list-wide note names
LOCATED = 20          # problems the printed summary locates (errors first)


def is_list_wide(count: int, entries: int) -> bool:
    return count > LIST_WIDE_MANY or (count >= LIST_WIDE_MIN and 2 * count > entries)


def fold_list_wide(problems: list[Problem], entries: int) -> list[Problem]:
    """`problems` with each warning or note code that is a list-wide style (`is_list_wide`) replaced by
    one note at its first line, with the count and the first few lines. Errors (items not imported)
    are never folded: each is a real problem to fix."""
    by_code: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        if p.severity != "error":
            by_code[p.code].append(p)
    wide = {code: found for code, found in by_code.items() if is_list_wide(len(found), entries)}
    out = []
    for p in problems:
        found = wide.get(p.code) if p.severity != "error" else None
        if found is None:
            out.append(p)
        elif p is found[0]:
            lines = ", ".join(str(x.line) for x in found[:FIRST_LINES])
            more = ", ..." if len(found) > FIRST_LINES else ""
            out.append(Problem(p.line, p.code, f"list-wide style, reported once: {len(found):,} entries "
                               f"(lines {lines}{more}) have this problem; the first: {found[0].message}", "info"))
    return out


def by_kind(problems: Iterable[Problem]) -> list[tuple[str, str, int]]:
    """(severity, code, count) for each kind of problem, errors first, then the most frequent."""
    counts = Counter((p.severity, p.code) for p in problems)
    return sorted(((s, c, n) for (s, c), n in counts.items()), key=lambda x: (RANK.get(x[0], 3), -x[2], x[1]))


def summary_lines(problems: list[Problem], where: str, report: str) -> list[str]:
    """A short table of counts per kind, then the first errors and warnings located as `file:line`."""
    if not problems:
        return []
    kinds = by_kind(problems)
    width = max(len(code) for _, code, _ in kinds)
    lines = [f"  {severity:<7} {code:<{width}} {count:>6,}" for severity, code, count in kinds]
    serious = sorted((p for p in problems if p.severity in ("error", "warning")),
                     key=lambda p: (RANK[p.severity], p.line))
    for p in serious[:LOCATED]:
        entry = f" [{p.entry[:60]}]" if p.entry else ""
        lines.append(f"{p.file or where}:{p.line}: {p.severity}: {p.message}{entry}")
    if len(serious) > LOCATED:
        lines.append(f"... and {len(serious) - LOCATED:,} more, each with its line, in {report}")
    return lines
