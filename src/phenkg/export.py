"""Every export of the graph, in the formats phenkg.formats lists as EXPORTS; and `build`, which writes
them all to dist/.

Order and determinism: graph.py emits the triples in canonical order (one sorted block per entity,
every subject in one block), so N-Triples is those lines as they come, in bounded memory at any size.
Turtle and RDF/XML stream through pyoxigraph's parser and serializers (measured far faster than
rdflib); Turtle groups each subject's triples in one block. The quad formats put every triple in one
named graph, `{base}graph` (`graph_name`), and are derived from the triple formats as text: N-Quads is
each N-Triples line with the graph name added, TriG is the Turtle inside a `<graph> { ... }` block.
The same catalog therefore always gives the same bytes.

Atomicity (phenkg.atomic): `export -o FILE` renames a temporary file over FILE; `build` writes a whole
new set into a staging directory beside dist/ and swaps it in, under a lock, so dist/ is always one
build's complete set; its child processes die with it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, ClassVar, Protocol

import pyoxigraph as ox

from phenkg import atomic, graph, jsonld, ntriples, storedir
from phenkg.atomic import atomic_output
from phenkg.cite.reference import KEYS_FILE, keys_json
from phenkg.cite.write import CFF_NAME, citation_cff
from phenkg.errors import PhenkgError
from phenkg.formats import CITATIONS, EXPORTS, JSONLD, Format
from phenkg.model import Catalog
from phenkg.progress import Progress
from phenkg.vocab import PREFIXES, SH, Iris

STEM = "phenkg"
CHARTS = "charts"       # the folder of charts (phenkg.charts), a choice of --formats
# every file a build writes (tests/test_build_atomic.py checks this against a build)
OUTPUTS = frozenset({*(f"{STEM}.{f.extension}" for f in EXPORTS.values()), "validation.ttl", "validation.txt",
                     "void.ttl", "dataset.jsonld", "ontology.ttl", "ontology.html", storedir.STORE,
                     storedir.FIGURES, CFF_NAME, KEYS_FILE, CHARTS})
PARALLEL = 7_500  # papers (about 500,000 triples) from which a build uses both cores


def graph_name(base: str) -> str:
    """The named graph the quad formats put the data in."""
    return Iris(base).graph


# -- writing one format ---------------------------------------------------------------------------
class ByteSink(Protocol):
    """Where a format is written: a binary file, or one of the converting streams below."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class QuadsFromTriples:
    """A writable stream that turns N-Triples into N-Quads in the named graph, line by line
    (a raw newline ends every N-Triples line and nothing else, so ' .\\n' only ever closes a triple)."""

    def __init__(self, out: ByteSink, name: str) -> None:
        self.out, self.suffix = out, f" <{name}> .\n".encode()

    def write(self, data: bytes) -> int:
        self.out.write(data.replace(b" .\n", self.suffix))
        return len(data)

    def flush(self) -> None:
        self.out.flush()


class TrigFromTurtle:
    """A writable stream that wraps Turtle into TriG: the prefix lines, then `<name> {`, the triples
    as written, and `}` at `close()`. Turtle's triples are TriG's (a graph block holds the same syntax)."""

    def __init__(self, out: ByteSink, name: str) -> None:
        self.out, self.opening = out, f"<{name}> {{\n".encode()
        self.head, self.opened = b"", False

    def write(self, data: bytes) -> int:
        if self.opened:
            self.out.write(data)
            return len(data)
        self.head += data
        end = 0  # where the directives end: the first line that is neither '@prefix' nor blank
        while True:
            newline = self.head.find(b"\n", end)
            if newline < 0:
                return len(data)
            line = self.head[end:newline].strip()
            if line and not line.startswith((b"@prefix", b"@base", b"PREFIX", b"BASE")):
                break
            end = newline + 1
        self.out.write(self.head[:end] + self.opening + self.head[end:])
        self.opened, self.head = True, b""
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:
        if not self.opened:  # no triples at all: only directives
            self.out.write(self.head + self.opening)
        self.out.write(b"}\n")


def write_format(fmt: Format, blocks: Iterable[list[str]], out: ByteSink, base: str) -> None:
    """Write graph.py's blocks in `fmt` to the binary stream `out`."""
    write_from_ntriples(fmt, ntriples.chunks(chain.from_iterable(blocks)), out, base)


def write_from_ntriples(fmt: Format, chunks: Iterable[bytes], out: ByteSink, base: str) -> None:
    """Write canonical N-Triples, given as byte chunks that end at line ends, in `fmt`."""
    if fmt.name == "nt":
        for chunk in chunks:
            out.write(chunk)
    elif fmt.name == "nq":
        write_from_ntriples(EXPORTS["nt"], chunks, QuadsFromTriples(out, graph_name(base)), base)
    elif fmt.name == "trig":
        trig = TrigFromTurtle(out, graph_name(base))
        write_from_ntriples(EXPORTS["ttl"], chunks, trig, base)
        trig.close()
    elif fmt is JSONLD:  # our own writer, with the shipped context (jsonld.py)
        jsonld.write_graph(chain.from_iterable(ntriples.chunk_lines(chunks)), out)
    else:
        # pyoxigraph reads from and writes to any object with read() / write(); its stubs say IO[bytes]
        triples = ox.parse(ntriples.ChunkReader(iter(chunks)), ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
        ox.serialize(triples, out, fmt.rdf_format, prefixes=PREFIXES)  # type: ignore[arg-type]


def export_to(catalog: Catalog, fmt: str, output: str, base: str) -> None:
    """Write the whole graph in one format to `output` ('-' for standard output); a citation format
    (CITATIONS) writes every paper, in list order (phenkg.cite)."""
    if fmt in CITATIONS:
        from phenkg import cite

        body = cite.export_citations(cite.store_of(catalog, base), base, CITATIONS[fmt])
        with atomic_output(output) as out:
            out.write(body)
        return
    progress = Progress(f"export {fmt}", len(catalog.papers), "papers")
    with atomic_output(output) as out:
        write_format(EXPORTS[fmt], graph.blocks(catalog, base, progress), out, base)
    progress.done()


# -- the build ------------------------------------------------------------------------------------
@dataclass
class BuildResult:
    conforms: bool
    validated: bool
    files: list[Path] = field(default_factory=list)
    triples: int = 0


def _say(message: str) -> None:
    print(message, file=sys.stderr)


BUILDABLE = (*EXPORTS, storedir.STORE, CHARTS)  # what `--formats` chooses from; N-Triples is always written


def chosen_formats(names: str | None) -> frozenset[str]:
    """The dumps a build writes, from `--formats` (comma-separated; None: all of them)."""
    if names is None:
        return frozenset(BUILDABLE)
    chosen = {name.strip().lower() for name in names.split(",") if name.strip()}
    unknown = sorted(chosen - set(BUILDABLE))
    if unknown:
        raise PhenkgError(f"unknown format(s) for --formats: {', '.join(unknown)}",
                          hint=f"choose from {', '.join(BUILDABLE)} (phenkg.nt is always written)")
    return frozenset(chosen | {"nt"})


def build(catalog: Catalog, out_dir: Path, base: str, shapes=None, ontology: Path | None = None, *,
          formats: frozenset[str] = frozenset(BUILDABLE)) -> BuildResult:
    """Build into a staging directory beside `out_dir` and swap it in whole (phenkg.atomic.replacing_dir):
    `out_dir` holds the previous build until this one is complete. BusyError if another build holds
    `out_dir`; a PhenkgError if `out_dir` holds files a build does not write. `formats` (chosen_formats)
    says which dumps to write; the others are not in the new set, nor in its dataset description."""
    out_dir = Path(out_dir)
    with atomic.replacing_dir(out_dir, owns=_owned) as staging:
        result = _build_into(catalog, staging, base, shapes, ontology, formats=formats)
    result.files = [out_dir / path.name for path in result.files]
    _say(f"{out_dir}: {len(result.files)} files; the validation report is {out_dir / 'validation.txt'}")
    return result


def _owned(name: str) -> bool:
    """A file a build replaces: its own outputs, and temporary files killed writers left."""
    return name in OUTPUTS or (name.startswith(".") and name.endswith(".tmp"))


def _build_into(catalog: Catalog, out_dir: Path, base: str, shapes=None,
                ontology: Path | None = None, *, formats: frozenset[str] = frozenset(BUILDABLE)) -> BuildResult:
    """Graph -> N-Triples -> validation and every other export -> the dataset description, in `out_dir`.

    A large list is built on both cores. Validation, the longest job, runs in a process of its own
    from the start: it reads its first pass over the lines as this process writes them (`_Feed`), and
    its second from the finished file. Then another process writes Turtle, TriG and JSON-LD while this
    one writes N-Quads (mostly waiting for the disk) and RDF/XML and counts the triples; more processes
    would share the two cores evenly and hold back the longest job."""
    from phenkg import describe
    from phenkg.ontodoc import ontology_files

    nt_path = _path(out_dir, "nt")
    lines_of = graph.source_lines(catalog, base)
    with contextlib.ExitStack() as stack:
        validation: Future | None = None
        feed = None
        if len(catalog.papers) >= PARALLEL:
            received, feed = multiprocessing.get_context("spawn").Pipe(duplex=False)
            validator = _pool(stack, initializer=_Feed.receive, initargs=(received, os.getpid()))
            validation = validator.submit(validate_files, nt_path, out_dir, lines_of, fed=True, shapes=shapes)
            received.close()
            stack.callback(feed.close)  # if this process fails first, the validator sees the end
        triples = write_ntriples(graph.blocks(catalog, base, Progress("graph", len(catalog.papers), "papers")),
                                 nt_path, feed)
        elsewhere: list[str] = [f for f in ("ttl", "trig", "jsonld") if f in formats]  # another process, large
        here: list[str] = [f for f in ("nq", "rdfxml") if f in formats]
        if validation is not None and elsewhere:
            pool = _pool(stack, initializer=atomic.die_with_parent, initargs=(os.getpid(),))
            derived = [pool.submit(write_derived, nt_path, out_dir, base, elsewhere)]
            files = write_derived(nt_path, out_dir, base, here)
        else:
            derived = []
            files = write_derived(nt_path, out_dir, base, [*elsewhere, *here])
        stats = describe.GraphStats.of_ntriples(ntriples.file_chunks(nt_path))
        if storedir.STORE in formats:   # what `phenkg serve --dist` opens at once
            files += storedir.write_store(nt_path, out_dir, triples)
            files += _citation_keys(out_dir)
        if CHARTS in formats:
            files += write_build_charts(nt_path, out_dir, base, store=storedir.STORE in formats)
        for future in derived:
            files += future.result()
        result = (validation.result() if validation is not None
                  else validate_files(nt_path, out_dir, lines_of, streamed=False, shapes=shapes))
    dumps = [(EXPORTS[name], _path(out_dir, name)) for name in EXPORTS if name in formats]
    for name, payload in [*describe.description_files(catalog, stats, dumps, base).items(),
                          *ontology_files(ontology).items(), (CFF_NAME, citation_cff(catalog.source, base))]:
        with atomic_output(out_dir / name) as out:
            out.write(payload)
        files.append(out_dir / name)
    result.triples = triples
    result.files = sorted([*result.files, nt_path, *files])
    return result


def _citation_keys(out_dir: Path) -> list[Path]:
    """The list's citation keys beside the query store, so no server computes them (phenkg.cite)."""
    store = ox.Store.read_only(str(out_dir / storedir.STORE))
    with atomic_output(out_dir / KEYS_FILE) as out:
        out.write(keys_json(store))
    del store
    return [out_dir / KEYS_FILE]
def write_build_charts(nt_path: Path, out_dir: Path, base: str, store: bool) -> list[Path]:
    """The charts (phenkg.charts) into out_dir/charts/, queried from the store just written, else from
    the N-Triples loaded into memory."""
    from phenkg.charts.build import write_charts

    if store:
        graph_store = ox.Store.read_only(str(out_dir / storedir.STORE))
    else:
        graph_store = ox.Store()
        graph_store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    write_charts(graph_store, out_dir / CHARTS, base)
    return [out_dir / CHARTS]


def _pool(stack: contextlib.ExitStack, initializer: Callable, initargs: tuple) -> ProcessPoolExecutor:
    """A one-process pool whose process dies with this one (`initializer` calls atomic.die_with_parent),
    and is killed, not waited for, when the build fails or is stopped (SIGTERM raises SystemExit)."""
    pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                   initializer=initializer, initargs=initargs))
    before = set(multiprocessing.active_children())

    def kill_on_error(kind, error, trace) -> None:
        if kind is not None:
            for child in set(multiprocessing.active_children()) - before:
                child.kill()
    stack.push(kill_on_error)  # runs before the pool's shutdown, which would wait for the work
    return pool


def write_ntriples(blocks: Iterable[list[str]], nt_path: Path, feed=None) -> int:
    """Write the N-Triples file; send each chunk down `feed` (a Connection) as well, and an empty one
    once the file is in place. Returns the number of triples."""
    started, triples = time.monotonic(), 0
    with atomic_output(nt_path) as out:
        for lines in ntriples.batches(chain.from_iterable(blocks)):
            triples += len(lines)
            chunk = ntriples.encode(lines)
            out.write(chunk)
            if feed is not None:
                feed = _send(feed, chunk)
    if feed is not None:
        _send(feed, b"")
    _say(f"{nt_path.name}: {triples:,} triples, {nt_path.stat().st_size:,} bytes, {time.monotonic() - started:.1f} s")
    return triples


def _send(feed, chunk: bytes):
    """Send a chunk; None from then on if the reader is gone (its own error is reported)."""
    try:
        feed.send_bytes(chunk)
        return feed
    except OSError:
        return None


class _Feed:
    """The validator's side of the pipe: the lines as the building process writes them, in batches, as
    `readlines` gives them (phenkg.fastshacl reads batches); an empty message ends them."""

    connection: ClassVar[Connection | None] = None  # set in the validator process by `receive`, its pool's initializer

    @classmethod
    def receive(cls, connection: Connection, parent: int | None = None) -> None:
        if parent is not None:
            atomic.die_with_parent(parent)
        cls.connection = connection

    def __init__(self) -> None:
        self.ended = False

    def readlines(self, hint: int = -1) -> list[str]:
        if self.ended:
            return []
        assert self.connection is not None, "receive() runs first, as the pool's initializer"
        chunk = self.connection.recv_bytes()
        self.ended = not chunk
        return ntriples.decode(chunk, ends=True)

    def __iter__(self) -> Iterator[str]:
        while batch := self.readlines():
            yield from batch

    def drain(self) -> None:
        """Read to the end, so the writer never waits on a reader that stopped early."""
        with contextlib.suppress(EOFError, OSError):
            while self.readlines():
                pass


def _path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{STEM}.{EXPORTS[name].extension}"


def _timed(path: Path, write: Callable[[IO[bytes]], object]) -> list[Path]:
    step, started = Progress(f"write {path.name}"), time.monotonic()
    with atomic_output(path) as out:
        write(out)
    step.done()
    _say(f"{path.name}: {path.stat().st_size:,} bytes, {time.monotonic() - started:.1f} s")
    return [path]


def write_derived(nt_path: Path, out_dir: Path, base: str, names: list[str]) -> list[Path]:
    """Formats derived from the N-Triples file; TriG from the Turtle file when that is written first."""
    files: list[Path] = []
    for name in names:
        fmt = EXPORTS[name]
        if name == "trig" and _path(out_dir, "ttl") in files:
            write = partial(_trig_from_turtle_file, _path(out_dir, "ttl"), base)
        else:  # file_chunks opens the file when the writer first reads from it
            write = partial(write_from_ntriples, fmt, ntriples.file_chunks(nt_path), base=base)
        files += _timed(_path(out_dir, name), write)
    return files


def _trig_from_turtle_file(ttl_path: Path, base: str, out: IO[bytes]) -> None:
    trig = TrigFromTurtle(out, graph_name(base))
    for chunk in ntriples.file_chunks(ttl_path):
        trig.write(chunk)
    trig.close()


def canonical_turtle(text: str) -> bytes:
    """Turtle with blank nodes relabelled (RDFC-1.0) and triples sorted: the same graph, the same bytes
    (the validation report's blank node labels differ from run to run)."""
    dataset = ox.Dataset(ox.parse(text.encode(), ox.RdfFormat.TURTLE))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in dataset), key=str)
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes={**PREFIXES, "sh": SH}) or b""


def validate_files(nt_path: Path, out_dir: Path, lines_of: Callable[[str], str | None],
                   streamed: bool = True, fed: bool = False, *, shapes=None) -> BuildResult:
    """Validate the graph as written to N-Triples and write validation.ttl and validation.txt. A large
    graph is streamed (phenkg.fastshacl.validate_lines: the lines come grouped by subject) in another
    process, so this takes paths; `fed`: its first pass reads the lines from the building process as
    they are written (`_Feed`). A small graph is loaded into a pyoxigraph store, which is quicker than
    preparing the streamed engine (about 1 s). Both engines give pySHACL's results (tests/test_fastshacl.py)."""
    from phenkg.validate import validate_ntriples, validate_store

    step, started = Progress("validate"), time.monotonic()
    if streamed:
        first = _Feed() if fed else None
        try:
            report = validate_ntriples(nt_path, shapes, first_pass=first)
        finally:
            if first is not None:
                first.drain()
    else:
        store = ox.Store()
        store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
        report = validate_store(store, shapes)
    step.done()
    _say(f"validated in {time.monotonic() - started:.1f} s")
    for name, text in (("validation.ttl", canonical_turtle(report.to_turtle())),
                       ("validation.txt", report.to_text(lines_of))):
        with atomic_output(out_dir / name) as out:
            out.write(text if isinstance(text, bytes) else text.encode())
    verdict = "conforms" if report.conforms else f"{len(report.violations)} violation(s)"
    _say(f"validation: {verdict}, {len(report.warnings)} warning(s) for a curator to review (validation.txt)")
    return BuildResult(conforms=report.conforms, validated=True,
                       files=[out_dir / "validation.ttl", out_dir / "validation.txt"])
