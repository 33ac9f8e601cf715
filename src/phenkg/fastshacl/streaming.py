"""The streaming engine, `validate_lines`: two passes over N-Triples lines grouped by subject
(`Streaming`), pass 1 noting classes and inverse paths and feeding the sh:sparql stores, pass 2 checking
one subject at a time; the same results as `validate_store` without loading the graph."""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import cast

from rdflib import Graph

from phenkg import ntriples
from phenkg.fastshacl.compile import RDF_TYPE, Compiled, NotGrouped, Unsupported, sparql_constraints
from phenkg.fastshacl.core import COUNT_MASK, NUMBER_MASK, Core, report_focus, result_row
from phenkg.fastshacl.sparql_stores import SparqlStores
from phenkg.fastshacl.store import sorted_results
from phenkg.fastshacl.terms import CACHE_SIZE, IRI_KIND, LITERAL_KIND, XSD_STRING, Terms, node_key, term_key
from phenkg.ntriples import NODE
from phenkg.validation_result import Result

log = logging.getLogger(__name__)

_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


class Streaming:
    """validate_lines: two passes over N-Triples lines grouped by subject.

    Pass 1 (`_scan`) notes, per subject, the classes the shapes name (`classes`: node key -> the number of
    its set of classes in `class_sets`; a subject met twice is NotGrouped), counts or lists who points at
    each node through inverse paths, and hands the lines the SPARQL constraints read to `SparqlStores`,
    whose first store is loaded while the pass reads on and is queried while pass 2 runs. Pass 2
    (`_check`) takes one subject at a time and checks its property shapes from its own lines. Only that
    is kept, not the lines."""

    def __init__(self, shapes: Graph) -> None:
        self.c = Compiled(shapes)
        self.terms = Terms()
        self.classes: dict[str, int] = {}  # node key -> its class set
        self.class_sets: list[tuple] = []
        self.core = Core(self.c, self.terms, self)
        self.constraints = sparql_constraints(self.c)
        # subjects pointing at a node through an inverse path: counted in `classes` itself when only the
        # count matters (`packed`: predicate -> bit shift of its 12-bit count), else listed in `inverse`
        counted = sorted(self.core.inverse_predicates - self.core.inverse_values)
        most = max([path.high if path.high != float("inf") else path.low for _, paths in self.core.groups
                    for path in paths if path.inverse], default=0)
        self.packed = {p: 16 + 12 * n for n, p in enumerate(counted)} if most < COUNT_MASK else {}
        self.inverse: dict[str, dict[str, list[str]]] = {p: {} for p in self.core.inverse_predicates
                                                      if p not in self.packed}
        self.canon: dict[str, str] = {}  # predicates seen, <iri>
        self.results: list[Result] = []
        self.sparql: SparqlStores | None = None
        self.runs = array("H")  # the class set of each subject, in the order pass 1 met them
        self.count = self.checksum = 0  # lines read by pass 1, and a checksum of its subjects

    def run(self, lines: Callable[[], Iterable[str]]) -> list[Result]:
        # millions of long-lived dict entries and tuples, no reference cycles: the cyclic garbage collector
        # would walk them all again and again for nothing
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(lines)
        finally:
            if collecting:
                gc.enable()

    def _run(self, lines: Callable[[], Iterable[str]]) -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="phenkg-shacl-") as directory:
            if self.constraints:
                self.sparql = SparqlStores(self.c, self.constraints, directory)
            try:
                started = time.monotonic()
                self._scan(lines)
                log.debug("pass 1: %s lines, %s subjects, %.1f s", f"{self.count:,}", f"{len(self.classes):,}",
                          time.monotonic() - started)
                if self.sparql is not None:
                    self.sparql.plan()
                started = time.monotonic()
                self._check(lines)
                self._inverse_paths()
                log.debug("pass 2: %.1f s", time.monotonic() - started)
            except BaseException:
                if self.sparql is not None:
                    self.sparql.cancel()
                raise
            if self.sparql is not None:
                started = time.monotonic()
                self.results.extend(self.sparql.finish())
                log.debug("waited %.1f s for the SPARQL constraints", time.monotonic() - started)
        return sorted_results(self.results)

    def _fields(self, line: str) -> tuple[str, str, str] | None:
        """Subject, predicate (as <iri>) and object + " .\\n" of any N-Triples line; None for a blank or
        comment line. The slow path, for lines not written the way N-Triples writers usually write them."""
        try:
            found = ntriples.fields(line)
        except ValueError as error:
            raise Unsupported(str(error)) from error
        if found is None:
            return None
        return node_key(found[0]), node_key(found[1]), found[2] + " .\n"

    def _flags(self, predicate: str) -> int:
        """What pass 1 does with a predicate's lines: 1 classes, 2 inverse path, 8 some property shape reads
        them; 4 some SPARQL query may read them, with 16 when a star decides, else the constraints that
        read them all as a bit mask from bit 5 on."""
        if predicate[0] != "<":
            raise Unsupported(f"a predicate must be an IRI: {predicate[:200]}")
        if predicate == _SUBCLASS:
            raise Unsupported("rdfs:subClassOf in the data: targets would need inference")
        self.canon[predicate] = predicate
        flags = ((1 if predicate == RDF_TYPE else 0)
                 | (2 if predicate in self.inverse or predicate in self.packed else 0)
                 | (8 if predicate in self.core.predicates else 0))
        sparql = self.sparql
        if sparql is not None and (sparql.everything or predicate in sparql.predicates):
            mask = sparql.mask_of((predicate,))
            flags |= 4 | (16 if mask is None else mask << 5)
        return flags

    def _object(self, rest: str, line: str) -> tuple:
        """The object term of a line, given what follows its predicate."""
        try:
            return self.terms.after(rest)
        except Unsupported:
            if (fields := self._fields(line)) is None:
                raise
            return self.terms.parse(fields[2][:-3])

    def classes_of(self, key: str) -> tuple:
        """The classes the shapes name that a node has (none if it is no subject)."""
        state = self.classes.get(key, -1)
        return self.class_sets[state & NUMBER_MASK] if state >= 0 else ()

    def _type(self, rest: str, line: str) -> tuple[str | None, tuple[str, ...], int | None]:
        """For an rdf:type line: the class if the shapes name it, the keys the SPARQL reads know it by,
        and the constraints that keep it (None when a star decides)."""
        term = self._object(rest, line)
        keys = (RDF_TYPE, f"{RDF_TYPE} <{term[1]}>") if term[0] == IRI_KIND else (RDF_TYPE,)
        named = term[1] if term[0] == IRI_KIND and term[1] in self.core.classes_needed else None
        return named, keys, self.sparql.mask_of(keys) if self.sparql is not None else 0

    def _scan(self, lines: Callable[[], Iterable[str]]) -> None:  # noqa: PLR0915 - flat for speed
        classes, class_sets, inverse, packed = self.classes, self.class_sets, self.inverse, self.packed
        # flags 4 and 16, the lines a SPARQL constraint reads, are only set when there are SPARQL constraints
        sparql = cast(SparqlStores, self.sparql)
        routes: dict[str, int] = {}
        types: dict[str, tuple] = {}  # what follows rdf:type -> see _type
        numbers: dict[tuple, int] = {}  # class set -> its number in class_sets
        subject, key = None, ""
        flags: int | None
        found: list[str] = []  # the current subject's classes that the shapes name
        taken: list[tuple[tuple[str, ...], str, bool]] = []  # its lines that a SPARQL star may keep or drop
        pairs: set[tuple[str, str]] = set()  # its (inverse predicate, object) pairs already counted
        buffers: dict[int, list[str]] = {}
        buffered = count = checksum = 0
        runs = self.runs
        with _reading(lines) as stream:
            for line in stream:  # None last: the end of the last subject
                if line is not None:
                    count += 1
                    try:
                        s, p, rest = line.split(" ", 2)
                        flags = routes[p]
                    except (ValueError, KeyError):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                        if (flags := routes.get(p)) is None:
                            flags = routes[p] = self._flags(p)
                    if s == subject:
                        pass
                    elif not NODE.fullmatch(s):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                        if (flags := routes.get(p)) is None:
                            flags = routes[p] = self._flags(p)
                if line is None or s != subject:
                    if subject is not None:  # the end of a subject's lines
                        kept = tuple(sorted(set(found))) if found else ()
                        if (number := numbers.get(kept)) is None:
                            number = numbers[kept] = len(class_sets)
                            class_sets.append(kept)
                            if number > NUMBER_MASK:
                                raise Unsupported("more than 65,536 different sets of classes")
                        classes[key] = number | (-1 - classes[key])  # with the counts it gathered
                        runs.append(number)
                        if taken:
                            sparql.take(taken)
                            taken = []
                        if found:
                            found = []
                        if pairs:
                            pairs = set()
                    if line is None:
                        break
                    subject, key = s, s + " .\n"
                    checksum = (checksum * 1_000_003 + hash(key)) & 0xFFFFFFFFFFFFFFFF
                    if classes.setdefault(key, -1) >= 0:
                        raise NotGrouped(f"the triples of {s[:200]} are not together (sort the lines first)",
                                         line=count)
                if not flags:
                    continue
                if flags & 1:
                    if (kind := types.get(rest)) is None:
                        if len(types) >= CACHE_SIZE:
                            types.clear()
                        kind = types[rest] = self._type(rest, line)
                    if kind[0] is not None:
                        found.append(kind[0])
                    if flags & 4:
                        if kind[2] is None:
                            taken.append((kind[1], line, s[0] == "_" or rest[0] == "_"))
                        elif kind[2]:
                            sparql.route(line, kind[2], s[0] == "_" or rest[0] == "_")
                if flags & 2:
                    if rest[0] == '"':
                        node = None
                    elif rest[-3:] == " .\n" and " " not in rest[:-3] and "\t" not in rest and "\\" not in rest:
                        node = rest  # a node as written is its key
                    else:
                        node = term_key(self._object(rest, line))
                    if node is not None and (p, node) not in pairs:
                        pairs.add((p, node))
                        if (shift := packed.get(p)) is None:
                            inverse[p].setdefault(node, []).append(key)
                        elif (state := classes.get(node)) is None:
                            classes[node] = -1 - (1 << shift)  # a node not read yet, pointed at once
                        elif ((state if state >= 0 else -1 - state) >> shift) & COUNT_MASK < COUNT_MASK:
                            classes[node] = state + (1 << shift) if state >= 0 else state - (1 << shift)
                if flags & 4 and not flags & 1:
                    if flags & 16:
                        taken.append(((p,), line, s[0] == "_" or rest[0] == "_"))
                    elif s[0] == "_" or rest[0] == "_":
                        sparql.route(line, flags >> 5, True)
                    else:
                        if (buffer := buffers.get(flags >> 5)) is None:
                            buffer = buffers[flags >> 5] = []
                        buffer.append(line if line[-1] == "\n" else line + "\n")
                        buffered += 1
                        if buffered >= 100_000:
                            sparql.extend(buffers)
                            buffers, buffered = {}, 0
            if buffers:
                sparql.extend(buffers)
        self.count, self.checksum = count, checksum

    def _check(self, lines: Callable[[], Iterable[str]]) -> None:
        canon, runs = self.canon, iter(self.runs)
        plans = [self.core.plan(kept) for kept in self.class_sets]
        # per plan, each predicate pass 1 met: True if the plan's shapes read it
        wanted = [{} if plan is None else {p: p in plan[2] for p in canon} for plan in plans]
        subject, key, plan = None, "", None
        reads: dict[str, bool] = {}
        values: dict[str, str | list[str]] = {}  # the subject's values on the paths its shapes read
        count = checksum = 0
        with _reading(lines) as stream:
            for line in stream:  # None last: the end of the last subject
                if line is not None:
                    count += 1
                    try:
                        s, p, rest = line.split(" ", 2)
                    except ValueError:
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                    if s != subject and not NODE.fullmatch(s):
                        if (fields := self._fields(line)) is None:
                            continue
                        s, p, rest = fields
                if line is None or s != subject:
                    if plan is not None:
                        self._focus(key, values, plan)
                        if values:
                            values = {}
                    if line is None:
                        break
                    subject, key = s, s + " .\n"
                    checksum = (checksum * 1_000_003 + hash(key)) & 0xFFFFFFFFFFFFFFFF
                    number = next(runs, 0)  # the subjects come in the order pass 1 met them
                    if (plan := plans[number]) is not None:
                        reads = wanted[number]
                if plan is None:
                    continue
                if not (read := reads.get(p)):
                    if read is not None:
                        continue
                    if (fields := self._fields(line)) is None:  # a predicate written with escapes...
                        continue
                    _, p, rest = fields
                    if p not in plan[2]:
                        continue
                if (known := values.get(p)) is None:
                    values[p] = rest
                elif isinstance(known, str):
                    values[p] = [known, rest]
                else:
                    known.append(rest)
        if (count, checksum) != (self.count, self.checksum):
            raise Unsupported("the lines changed between the two passes")

    def _inverse_paths(self) -> None:
        """After pass 2: the shapes on inverse paths, now that all the subjects pointing at a node are known."""
        if not self.core.inverse_predicates:
            return
        plans = [self.core.plan(kept) for kept in self.class_sets]
        for key, state in self.classes.items():
            if state < 0 or (plan := plans[state & NUMBER_MASK]) is None:
                continue
            for path in plan[0]:
                if (shift := self.packed.get(path.predicate)) is not None:
                    if not path.low <= (count := (state >> shift) & COUNT_MASK) <= path.high:
                        report_focus(path, key, count, (), self)
                    continue
                known = [(k, path.node_fails(k)) for k in self.inverse[path.predicate].get(key, [])]
                if path.low <= len(known) <= path.high and all(f[1] is None for f in known) and (
                        not path.required or {f[0] for f in known}.issuperset(path.required)):
                    continue
                report_focus(path, key, len(known), known, self)

    def _focus(self, key: str, values: dict, plan: tuple) -> None:
        """The core results for one focus node from its own lines (inverse paths wait for the end)."""
        for prop in plan[3]:
            self.results.append(result_row(prop, key, "HasValueConstraintComponent"))
        parse = self._parse_value
        for path, predicate, quiet in plan[1]:
            # the focus node's distinct values on the path, each with the tests it fails
            if (rests := values.get(predicate)) is None:
                if path.low or path.required:
                    report_focus(path, key, 0, (), self)
                continue
            if rests.__class__ is str:
                found = path.value(rests, parse)
                if found[1] is None and quiet:
                    continue  # the usual case: one value, nothing to report
                known = [found]
            else:
                known = [path.value(rest, parse) for rest in rests]
                identities = {f[0] for f in known}
                if len(identities) < len(known):  # one value written twice (or two ways)
                    known = list({f[0]: f for f in known}.values())
                if path.low <= len(known) <= path.high and (
                        not path.required or identities.issuperset(path.required)):
                    for f in known:
                        if f[1] is not None:
                            break
                    else:
                        continue
            report_focus(path, key, len(known), known, self)

    def _parse_value(self, rest: str) -> tuple:
        """The term of a value (cached per path by the caller, not here)."""
        if rest[0] == '"' and rest.endswith('" .\n') and rest.count('"') == 2 and "\\" not in rest \
                and "\r" not in rest:
            return (LITERAL_KIND, rest[1:-4], "", XSD_STRING)  # a plain string, the commonest literal
        written = rest[:-3] if rest[-3:] == " .\n" else rest[:-2] if rest[-2:] == " ." else ""
        try:
            return self.terms.parse(written)
        except Unsupported:  # not written the usual way (tabs, a comment): parse it as a line
            if (fields := self._fields(f"<urn:x> <urn:x> {rest}")) is None:
                raise
            return self.terms.parse(fields[2][:-3])


@contextlib.contextmanager
def _reading(lines: Callable[[], Iterable[str]]) -> Iterator[Iterator[str | None]]:
    """One pass over the lines: a fresh source from `lines()`, read in batches, with None last; the
    source is closed however the pass ends."""
    source = lines()
    try:
        yield itertools.chain.from_iterable(_batches(source))
    finally:
        if close := getattr(source, "close", None):
            close()


def _batches(source: Iterable[str]) -> Iterator[Sequence[str | None]]:
    """The lines in lists, by `readlines` where the source has it (a file, or the build's pipe, whose
    iterator would add a generator step per line), then [None]."""
    if (readlines := getattr(source, "readlines", None)) is not None:
        while batch := readlines(1 << 22):
            yield batch
    else:
        yield from ntriples.batches(source, 10_000)
    yield [None]


def validate_lines(lines: Callable[[], Iterable[str]], shapes: Graph) -> list[Result]:
    """Every result of validating the N-Triples lines against `shapes`: the same list as `validate_store`
    on a store holding them, without loading them.

    `lines()` must return a fresh iterator over the lines (with or without their newline); it is called
    twice. The lines must be grouped by subject (sorted lines are); NotGrouped is raised when they are
    not, Unsupported for data or shapes this engine does not handle (rdfs:subClassOf triples, a line
    that is not N-Triples) - use `validate_store` then. Blank node values are reported by their labels
    in the input (validate_store's labels are Oxigraph's own)."""
    return Streaming(shapes).run(lines)
