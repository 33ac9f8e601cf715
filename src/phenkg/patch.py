"""RDF Patch (Jena's format) between two graphs as `phenkg export --format nt` writes them, and back.

    H id <uuid:...> .
    TX .
    D <s> <p> <o> .
    A <s> <p> <o> .
    TC .

Both graphs come from `graph.triples`, whose lines are canonical (one way of writing each term), so a
triple is its line and the patch is two set differences. Deterministic and byte-stable: the deletions,
then the additions, each sorted by code point; the id is a name-based UUID (uuid5) of the body, so the
same pair of graphs always gives the same bytes. `H prev` names the patch before it when given.

`read` takes any patch of triples in this syntax (terms as N-Triples allows, `#` comments, blank
lines); `apply` replays it over a set of canonical lines, strictly: a deletion of an absent triple or
an addition of a present one is an error, as the patch was made against another graph.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from phenkg import ntriples
from phenkg.errors import PhenkgError

_NAMESPACE = uuid.UUID("6b0b6c1e-55c3-4c1f-9d0a-2a1c4a3f1e18")  # phenkg's namespace for patch ids


@dataclass
class Patch:
    """Deleted and added triples as canonical N-Triples lines (without ' .'-less forms or newlines)."""

    deleted: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.deleted) + len(self.added)

    @property
    def id(self) -> str:
        """A name-based UUID of the body: the same change always has the same id."""
        body = "".join(f"D {line}\n" for line in self.deleted) + "".join(f"A {line}\n" for line in self.added)
        return f"uuid:{uuid.uuid5(_NAMESPACE, body)}"


def between(old: Iterable[str], new: Iterable[str], prev: str | None = None) -> Patch:
    """The patch that turns the graph of lines `old` into that of `new` (both canonical N-Triples lines)."""
    before, after = set(old), set(new)
    patch = Patch(sorted(before - after), sorted(after - before))
    if prev:
        patch.headers["prev"] = f"<{prev}>"
    return patch


def write(patch: Patch) -> str:
    """The patch's text: `H id` (and `H prev`), then one transaction, deletions before additions."""
    out = [f"H id <{patch.id}> ."]
    out += [f"H {name} {value} ." for name, value in sorted(patch.headers.items()) if name != "id"]
    out.append("TX .")
    out += [f"D {line}" for line in patch.deleted]
    out += [f"A {line}" for line in patch.added]
    out.append("TC .")
    return "\n".join(out) + "\n"


def read(text: str, path: str = "patch") -> Patch:
    """A patch's deletions and additions (each triple rewritten as `<s> <p> o .`), and its headers.
    A quad (a fourth term), an aborted transaction (TA) or a line of another kind is a PhenkgError."""
    patch = Patch()
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, rest = ([*line.split(None, 1), ""])[:2]
        if code in ("TX", "TC"):
            continue
        if code == "H":
            name, value = ([*rest.split(None, 1), ""])[:2]
            patch.headers[name] = value.strip().removesuffix(".").strip()
            continue
        if code not in ("A", "D"):
            what = "an aborted transaction (TA)" if code == "TA" else f"an unknown line kind {code!r}"
            raise PhenkgError(f"{what}: this reader takes the A, D, H, TX and TC lines of triples",
                              path=path, line=number)
        try:
            terms = ntriples.fields(rest)
        except ValueError:
            terms = None
        if terms is None:
            raise PhenkgError("not a triple (three N-Triples terms and ' .'); quads are not read",
                              path=path, line=number)
        (patch.added if code == "A" else patch.deleted).append(" ".join(terms) + " .")
    return patch


def apply(patch: Patch, lines: set[str]) -> set[str]:
    """The graph `lines` with `patch` applied (a new set). PhenkgError if the patch deletes a triple the
    graph lacks or adds one it holds: it was not made against this graph."""
    gone = [line for line in patch.deleted if line not in lines]
    there = [line for line in patch.added if line in lines]
    if gone or there:
        first = (gone or there)[0]
        raise PhenkgError(f"the patch does not fit this graph: {len(gone)} deletion(s) of absent triples, "
                          f"{len(there)} addition(s) of present ones, e.g. {first[:160]}")
    return (lines - set(patch.deleted)) | set(patch.added)


def to_update(patch: Patch) -> str:
    """The patch as one SPARQL Update request: DELETE DATA, then INSERT DATA."""
    parts = []
    if patch.deleted:
        parts.append("DELETE DATA {\n" + "\n".join(patch.deleted) + "\n}")
    if patch.added:
        parts.append("INSERT DATA {\n" + "\n".join(patch.added) + "\n}")
    return " ;\n".join(parts) + "\n" if parts else ""
