"""The sh:sparql constraints in the streaming engine: which triples a query can read (`Reads`, from
rdflib's algebra of it), and the small pyoxigraph stores holding only those, loaded by a worker thread
during pass 1 and queried during pass 2 (`SparqlStores`)."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from rdflib import RDF, BNode, URIRef, Variable

from phenkg.fastshacl.compile import RDF_TYPE, TYPED, Compiled, SparqlConstraint, Unsupported
from phenkg.fastshacl.store import run_sparql
from phenkg.validation_result import Result

log = logging.getLogger(__name__)

STORE_TRIPLES = 3_500_000  # triples per store for the sh:sparql constraints (Oxigraph: ~420 bytes each)


class _Everything(Exception):
    pass


@dataclass
class Reads:
    """The triples one SPARQL query can read, so that a store holding only those gives the same solutions.

    Every solution of a query is built from the matches of its triple patterns (in BGPs, EXISTS and
    MINUS patterns, subqueries) and property paths; a triple that matches no pattern cannot change any
    solution, so dropping it changes no result. A pattern with a constant predicate matches only triples
    with that predicate (`keys` "<p>"); an rdf:type pattern with a constant class only the triples
    naming that class ("<rdf:type> <C>"). rdf:type with a variable object, or inside a path, keeps every
    rdf:type triple; a variable predicate, a negated path or a zero-length path (which matches every
    node of the graph) keeps everything. Moreover, all patterns of one BGP on the same subject must match
    together: a triple of such a "star" (say ?item a phenkg:Paper ; schema:name ?title) is kept only
    when its subject has a triple for every pattern of the star (`stars`); this only drops triples whose
    subject matches no pattern group, which no solution can use. The triples typing the focus class
    are kept too (the engine finds $this in the same store)."""

    everything: bool = False
    keys: set[str] = field(default_factory=set)  # kept whenever present
    stars: list[frozenset[str]] = field(default_factory=list)  # kept when all of the star is present
    patterns: int = 0

    @classmethod
    def of(cls, query: str, focus_classes: Iterable[str]) -> Reads:
        reads = cls(keys={f"{RDF_TYPE} <{c}>" for c in focus_classes})
        try:
            for block in _blocks(_algebra(query)):
                reads._add(block)
        except _Everything:
            reads.everything = True
        return reads

    def _add(self, block: list[tuple]) -> None:
        stars: dict[object, set[str]] = {}
        for s, p, o in block:
            self.patterns += 1
            if isinstance(p, URIRef):
                key = f"<{p}>"
                if p == RDF.type:
                    if isinstance(o, URIRef):
                        key = f"{RDF_TYPE} <{o}>"
                    elif not isinstance(o, (Variable, BNode)):
                        raise _Everything  # a literal class: keep it simple
                stars.setdefault(s, set()).add(key)
            elif isinstance(p, Variable):
                raise _Everything
            else:
                self.keys.update(f"<{iri}>" for iri in _path_iris(p))
        for keys in stars.values():
            if len(keys) == 1:
                self.keys |= keys
            else:
                self.stars.append(frozenset(keys))


@functools.lru_cache(maxsize=64)
def _algebra(query: str):
    """rdflib's algebra of a query (remembered: parsing takes rdflib about 0.1 s a query)."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        return prepareQuery(query).algebra
    except Exception as error:  # rdflib raises several unrelated types for what it cannot parse
        raise Unsupported(f"rdflib cannot parse a SPARQL constraint: {error}") from error


def _blocks(node) -> Iterator[list[tuple]]:
    """The conjunctive groups of triple patterns of a query's algebra, wherever they are."""
    from rdflib.plugins.sparql.algebra import triples
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            raise Unsupported("SERVICE in a SPARQL constraint")
        if node.name in ("BGP", "TriplesBlock"):
            found = list(node.get("triples") or [])
            yield [tuple(t) for t in (triples(found) if found and len(found[0]) != 3 else found)]
            return
        for key, value in node.items():
            if key != "_vars":
                yield from _blocks(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _blocks(item)


def _path_iris(path) -> Iterator[URIRef]:
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

    if isinstance(path, URIRef):
        yield path  # rdf:type too: its key "<rdf:type>" keeps every rdf:type triple
    elif isinstance(path, InvPath):
        yield from _path_iris(path.arg)
    elif isinstance(path, (SequencePath, AlternativePath)):
        for arg in path.args:
            yield from _path_iris(arg)
    elif isinstance(path, MulPath) and not path.zero:
        yield from _path_iris(path.path)
    else:
        raise _Everything  # a negated or zero-length path, or something new


class SparqlStores:
    """The sh:sparql constraints, each run on a small Oxigraph store holding only what its query can read.

    Pass 1 hands over lines (`extend` and `route` for a predicate whose lines every reading constraint
    keeps, `take` for one subject's lines that a star pattern keeps or drops as a whole); each goes to
    the store of the constraint with the most patterns, which a worker thread loads while the pass reads
    on, and to temp files, one per set of constraints reading it. After pass 1 (`plan`) the other
    constraints are packed into stores of at most STORE_TRIPLES triples (~420 bytes each in Oxigraph),
    and the worker queries and drops one store after the other while pass 2 runs.

    Stores load chunks of a few MB of lines (from memory or a temp file), which Oxigraph parses without
    the GIL (from a Python file object it would take the GIL for every 2 KB it reads), each in a small
    transaction. Blank node labels are scoped to one load, so the lines with a blank node are set apart
    and loaded together, in one last load."""

    def __init__(self, c: Compiled, constraints: list[SparqlConstraint], directory: str) -> None:
        self.c, self.constraints, self.directory = c, constraints, directory
        self.reads = [Reads.of(c.prefixes + con.select, con.targets) for con in constraints]
        self.first = 1 << max(range(len(constraints)), key=lambda n: self.reads[n].patterns)
        self.everything = sum(1 << n for n, r in enumerate(self.reads) if r.everything)
        self.in_stars = {key for r in self.reads for star in r.stars for key in star}
        self.predicates = {key.split(" ", 1)[0] for r in self.reads for key in r.keys | self.in_stars}
        self.static: dict[tuple[str, ...], int | None] = {}
        self.counts: dict[int, int] = {}  # lines per set of constraints (a bit mask) that read them
        self.buffers: dict[tuple[int, bool], list[str]] = {}
        self.files: dict[tuple[int, bool], TextIO] = {}
        self.paths: dict[tuple[int, bool], str] = {}  # (mask, with blank nodes) -> temp file
        self.masks: dict[frozenset, dict[str, int]] = {}
        self.blank: list[str] = []  # lines of the first store with a blank node
        self.queue: queue.Queue = queue.Queue(maxsize=8)  # bytes, a path, a list (one load), None (end)
        self.groups: list[int] = []
        self.results: dict[int, list[Result]] = {}
        self.error: BaseException | None = None
        self.cancelled = self.ended = False
        self.timings: list[tuple[str, float]] = []
        self.worker = threading.Thread(target=self._work, name="phenkg-sparql", daemon=True)
        self.worker.start()

    def mask_of(self, keys: tuple[str, ...]) -> int | None:
        """The constraints that keep every line with these keys ("<p>", or "<rdf:type>" and "<rdf:type> <C>"),
        or None when that depends on the subject's other lines (a key in a star)."""
        if (mask := self.static.get(keys, -1)) == -1:
            if any(key in self.in_stars for key in keys):
                mask = None
            else:
                mask = self.everything | sum(1 << n for n, r in enumerate(self.reads) if any(k in r.keys for k in keys))
            self.static[keys] = mask
        return mask

    def take(self, items: list[tuple[tuple[str, ...], str, bool]]) -> None:
        """One subject's lines that a star pattern may keep, with their keys ("<p>", "<rdf:type> <C>")."""
        present = frozenset(key for keys, _, _ in items for key in keys)
        masks = self.masks.get(present)
        if masks is None:
            if len(self.masks) > 10_000:
                self.masks.clear()
            masks = self.masks[present] = self._masks(present)
        buffers = self.buffers
        for keys, line, blank in items:
            mask = masks.get(keys[0], 0) if len(keys) == 1 else masks.get(keys[0], 0) | masks.get(keys[1], 0)
            if mask:
                if (buffer := buffers.get((mask, blank))) is None:
                    buffer = buffers[mask, blank] = []
                buffer.append(line if line[-1:] == "\n" else line + "\n")
                if len(buffer) >= 20_000:
                    self._flush(mask, blank)

    def _masks(self, present: frozenset) -> dict[str, int]:
        masks: dict[str, int] = {}
        for n, reads in enumerate(self.reads):
            kept = present if reads.everything else present & reads.keys
            for star in reads.stars:
                if star <= present:
                    kept = kept | star
            for key in kept:
                masks[key] = masks.get(key, 0) | 1 << n
        return masks

    def extend(self, buffers: dict[int, list[str]]) -> None:
        """Lines without blank nodes, by the constraints (bit mask) that keep them."""
        for mask, lines in buffers.items():
            if (buffer := self.buffers.get((mask, False))) is None:
                self.buffers[mask, False] = lines
            else:
                buffer.extend(lines)
            if len(self.buffers[mask, False]) >= 20_000:
                self._flush(mask, False)

    def route(self, line: str, mask: int, blank: bool) -> None:
        """A line for the constraints in `mask`; `blank` when it has a blank node."""
        if (buffer := self.buffers.get((mask, blank))) is None:
            buffer = self.buffers[mask, blank] = []
        buffer.append(line if line[-1:] == "\n" else line + "\n")
        if len(buffer) >= 20_000:
            self._flush(mask, blank)

    def _flush(self, mask: int, blank: bool) -> None:
        lines = self.buffers.pop((mask, blank), None)
        if not lines:
            return
        self.counts[mask] = self.counts.get(mask, 0) + len(lines)
        if mask & self.first:
            if blank:
                self.blank.extend(lines)
            else:
                self._put("".join(lines).encode())
        if mask != self.first:
            if (out := self.files.get((mask, blank))) is None:
                path = self.paths[mask, blank] = os.path.join(self.directory, f"reads-{mask}-{int(blank)}.nt")
                out = self.files[mask, blank] = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            out.write("".join(lines))

    def _put(self, item) -> None:
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.worker.is_alive():
                    raise self.error or RuntimeError("the SPARQL worker stopped") from None

    def _size(self, group: int) -> int:
        return sum(n for mask, n in self.counts.items() if mask & group)

    def plan(self) -> None:
        """After the pass: pack the constraints into stores and let the worker finish the first one."""
        for mask, blank in list(self.buffers):
            self._flush(mask, blank)
        for out in self.files.values():
            out.close()
        first = self.first
        groups = [first]
        for n in sorted(set(range(len(self.reads))) - {first.bit_length() - 1}, key=lambda n: -self._size(1 << n)):
            for k, group in enumerate(groups):
                if self._size(group | 1 << n) <= STORE_TRIPLES:
                    groups[k] = group | 1 << n
                    break
            else:
                groups.append(1 << n)
        self.groups = groups
        log.debug("SPARQL stores (constraints, lines): %s", [(bin(g), self._size(g)) for g in groups])
        # the constraints packed with the first: the lines the first store has not had yet
        for item in self._loads(groups[0], skip=first, blank="".join(self.blank).encode()):
            self._put(item)
        self.blank = []
        self.ended = True
        self._put(None)

    def _loads(self, group: int, skip: int = 0, blank: bytes = b"") -> list:
        """What to load for a store: every file of lines some constraint of `group` reads (but not those
        already loaded for `skip`), then all lines with blank nodes in one load."""
        plain = [path for (mask, has_blank), path in self.paths.items()
                 if mask & group and not mask & skip and not has_blank]
        blanks = [path for (mask, has_blank), path in self.paths.items()
                  if mask & group and not mask & skip and has_blank]
        return [*plain, [blank, *blanks]]

    def _work(self) -> None:
        reading = True
        try:
            started = time.monotonic()
            store = ox.Store()
            while (item := self.queue.get()) is not None:  # the first store, while the pass reads on
                _load(store, item)
            reading = False
            for k, group in enumerate(self.groups):
                if self.cancelled:
                    return
                if k:
                    started = time.monotonic()
                    store = ox.Store()
                    for item in self._loads(group):
                        _load(store, item)
                self.timings.append((f"store {k + 1}: {self._size(group):,} lines loaded", time.monotonic() - started))
                for n, constraint in enumerate(self.constraints):
                    if group & 1 << n and not self.cancelled:
                        started = time.monotonic()
                        self.results[n] = list(run_sparql(store, self.c, constraint, TYPED))
                        self.timings.append((str(constraint.shape).rsplit("#", 1)[-1], time.monotonic() - started))
                del store  # before the next store is loaded
        except BaseException as error:
            self.error = error
            while reading and self.queue.get() is not None:  # so that the main thread never waits
                pass

    def finish(self) -> list[Result]:
        """The results of every constraint, in the order validate_store runs them."""
        self.worker.join()
        if self.error is not None:
            raise self.error
        for name, seconds in self.timings:
            log.debug("sparql: %s %.1f s", name, seconds)
        return [r for n in range(len(self.constraints)) for r in self.results.get(n, [])]

    def cancel(self) -> None:
        self.cancelled = True
        if not self.ended:
            self.ended = True
            with contextlib.suppress(BaseException):  # the worker is gone: nothing to stop
                self._put(None)
        self.worker.join()


def _load(store, item) -> None:
    """Bytes, a file, or a list of bytes and files loaded together (one blank node scope)."""
    if isinstance(item, bytes):
        if item:
            store.load(item, format=ox.RdfFormat.N_TRIPLES)
    elif isinstance(item, str):  # no blank nodes: any number of loads, each of a few MB (one transaction)
        with open(item, "rb") as lines:
            while chunk := lines.read(8 << 20):
                store.load(chunk + lines.readline(), format=ox.RdfFormat.N_TRIPLES)
    else:
        data = b"".join(part if isinstance(part, bytes) else Path(part).read_bytes() for part in item)
        if data:
            store.load(data, format=ox.RdfFormat.N_TRIPLES)
