"""Every export of the graph, from one table of formats; and `build`, which writes them all to dist/.

Order and determinism: the triples are sorted as N-Triples text and deduplicated (an external merge
sort, so memory stays bounded at any size), then streamed through pyoxigraph's parser and
serializers (measured far faster than rdflib). The same graph therefore always gives the same
bytes, whatever order `graph.triples` emits, and Turtle groups each subject's triples in one block.
Quad formats (nq, trig) put every triple in one named graph, `{base}graph` (`graph_name`).
Every file is written to a temporary file in the target directory and renamed over the target.
"""

from __future__ import annotations

import contextlib
import heapq
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from phenkg import graph, jsonld
from phenkg.model import Catalog
from phenkg.progress import Progress
from phenkg.vocab import PREFIXES, SH, Iris


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    rdf_format: ox.RdfFormat | None  # None: our own JSON-LD writer (jsonld.py)
    quads: bool = False  # written as quads in the named graph


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ttl", "text/turtle", "ttl", ox.RdfFormat.TURTLE),
    Format("nt", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES),
    Format("nq", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, quads=True),
    Format("trig", "application/trig", "trig", ox.RdfFormat.TRIG, quads=True),
    Format("jsonld", "application/ld+json", "jsonld", None),
    Format("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML),
)}
STEM = "phenkg"
RUN_LINES = 500_000  # lines per sorted run on disk
BACKGROUND_VALIDATION = 500_000  # triples from which validation runs in a second process


def graph_name(base: str) -> str:
    """The named graph the quad formats put the data in."""
    return Iris(base).base + "graph"


# -- canonical order ------------------------------------------------------------------------------
def sorted_unique(lines: Iterable[str], workdir: str, run: int = RUN_LINES) -> Iterator[str]:
    """The lines sorted (by code point) without duplicates, holding at most `run` lines in memory."""
    runs: list[str] = []
    buffer: list[str] = []

    def spill() -> None:
        buffer.sort()
        fd, path = tempfile.mkstemp(dir=workdir, suffix=".run")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in buffer)
        runs.append(path)
        buffer.clear()

    for line in lines:
        buffer.append(line)
        if len(buffer) >= run:
            spill()
    if runs and buffer:
        spill()
    if not runs:
        merged: Iterable[str] = sorted(buffer)
    else:
        files = [open(path, encoding="utf-8", newline="\n") for path in runs]  # noqa: SIM115
        merged = (line[:-1] for line in heapq.merge(*files))
    previous = None
    try:
        for line in merged:
            if line != previous:
                yield line
                previous = line
    finally:
        if runs:
            for f in files:
                f.close()
            for path in runs:
                os.unlink(path)


class LineReader:
    """A binary file-like view of N-Triples lines (no newline) for pyoxigraph's parser; `suffix`
    goes before each final '.' (a graph name turns the triples into N-Quads)."""

    def __init__(self, lines: Iterable[str], suffix: str = "", chunk: int = 10_000) -> None:
        self.lines, self.suffix, self.chunk = iter(lines), suffix, chunk
        self.pending, self.offset = b"", 0

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (fewer at a chunk's end; b'' only at the end of the lines)."""
        if self.offset >= len(self.pending):
            block = [line for _, line in zip(range(self.chunk), self.lines, strict=False)]
            self.pending = "".join(line[:-1] + self.suffix + ".\n" for line in block).encode()
            self.offset = 0
        if size < 0:
            size = len(self.pending)
        out = self.pending[self.offset:self.offset + size]
        self.offset += len(out)
        return out


# -- writing one format ---------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_output(output: str | Path) -> Iterator[IO[bytes]]:
    """A binary stream for `output`: '-' is standard output, else a temporary file renamed on success."""
    if str(output) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            yield out
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def author_order(catalog: Catalog, base: str) -> Callable[[str], list[str] | None]:
    """Paper IRI -> its author IRIs in printed order, from the catalog (for the JSON-LD dump)."""
    iris, keys = Iris(base), catalog.keys
    papers = {iris.paper(p.key): p for p in catalog.papers}

    def order(iri: str) -> list[str] | None:
        paper = papers.get(iri)
        return [iris.author(keys.authors[n]) for n in paper.authors] if paper else None

    return order


def write_format(fmt: Format, ntriples: Iterable[str] | Path, out: IO[bytes], base: str,
                 order: Callable[[str], list[str] | None] | None = None) -> None:
    """Serialize sorted N-Triples (lines, or a file of them) in `fmt` to the binary stream `out`."""
    if fmt.quads:
        lines = open_lines(ntriples) if isinstance(ntriples, Path) else ntriples
        source = LineReader(lines, suffix=f"<{graph_name(base)}> ")
        quads = ox.parse(source, ox.RdfFormat.N_QUADS)
        ox.serialize(quads, out, fmt.rdf_format, prefixes=PREFIXES)
        return
    if isinstance(ntriples, Path):
        triples = ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    else:
        triples = ox.parse(LineReader(ntriples), ox.RdfFormat.N_TRIPLES)
    if fmt.rdf_format is None:
        jsonld.write_graph(triples, out, order)
    else:
        prefixes = None if fmt.rdf_format == ox.RdfFormat.N_TRIPLES else PREFIXES
        ox.serialize(triples, out, fmt.rdf_format, prefixes=prefixes)


def open_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="\n") as lines:
        for line in lines:
            yield line[:-1]


def export_to(catalog: Catalog, fmt: str, output: str, base: str) -> None:
    """Write the whole graph in one format to `output` ('-' for standard output)."""
    chosen = FORMATS[fmt]
    progress = Progress(f"export {fmt}", len(catalog.papers), "papers")
    with tempfile.TemporaryDirectory(prefix="phenkg-sort-") as work, atomic_output(output) as out:
        lines = sorted_unique(graph.triples(catalog, base, progress), work)
        write_format(chosen, lines, out, base, author_order(catalog, base))
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


def build(catalog: Catalog, out_dir: Path, base: str) -> BuildResult:
    """Graph -> validation -> every export -> the dataset description, all written to `out_dir`."""
    from phenkg import describe

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = describe.GraphStats()
    nt_path = out_dir / f"{STEM}.nt"
    progress = Progress("graph", len(catalog.papers), "papers")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="phenkg-sort-") as work, atomic_output(nt_path) as out:
        lines = stats.observe(sorted_unique(graph.triples(catalog, base, progress), work))
        write_format(FORMATS["nt"], lines, out, base)
    progress.done(f"{stats.triples:,} triples")
    _say(f"{nt_path}: {stats.triples:,} triples, {nt_path.stat().st_size:,} bytes, "
         f"{time.monotonic() - started:.1f} s (graph, sort, write)")
    # a large graph is validated in a second process while this one writes the other formats
    lines_of = graph.source_lines(catalog, base)
    with contextlib.ExitStack() as stack:
        if stats.triples >= BACKGROUND_VALIDATION:
            pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")))
            pending = pool.submit(validate_files, nt_path, out_dir, lines_of)
        else:
            pending = None
            result = validate_files(nt_path, out_dir, lines_of)
        files = _write_exports(catalog, stats, nt_path, out_dir, base)
        if pending is not None:
            result = pending.result()
    result.triples = stats.triples
    result.files = sorted([*result.files, *files])
    return result


def _write_exports(catalog: Catalog, stats, nt_path: Path, out_dir: Path, base: str) -> list[Path]:
    """Every format but N-Triples, from the N-Triples file, and the dataset description."""
    from phenkg import describe

    dumps = [(FORMATS["nt"], nt_path)]
    order = author_order(catalog, base)
    for fmt in FORMATS.values():
        if fmt.name == "nt":
            continue
        path = out_dir / f"{STEM}.{fmt.extension}"
        step, started = Progress(f"write {path.name}"), time.monotonic()
        with atomic_output(path) as out:
            write_format(fmt, nt_path, out, base, order)
        step.done()
        _say(f"{path}: {path.stat().st_size:,} bytes, {time.monotonic() - started:.1f} s")
        dumps.append((fmt, path))
    files = [path for _, path in dumps]
    from phenkg.ontodoc import ontology_files

    for name, payload in [*describe.description_files(catalog, stats, dumps, base).items(),
                          *ontology_files().items()]:
        with atomic_output(out_dir / name) as out:
            out.write(payload)
        files.append(out_dir / name)
    return files


def canonical_turtle(text: str) -> bytes:
    """Turtle with blank nodes relabelled (RDFC-1.0) and triples sorted: the same graph, the same bytes
    (the validation report's blank node labels differ from run to run)."""
    dataset = ox.Dataset(ox.parse(text.encode(), ox.RdfFormat.TURTLE))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in dataset), key=str)
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes={**PREFIXES, "sh": SH})


def validate_files(nt_path: Path, out_dir: Path, lines_of: Callable[[str], str | None]) -> BuildResult:
    """Validate the graph as written to N-Triples, loaded into pyoxigraph (see phenkg.fastshacl), and write
    validation.ttl and validation.txt. Runs in a second process for large graphs, so it takes paths."""
    from phenkg.validate import validate_store

    step, started = Progress("validate"), time.monotonic()
    store = ox.Store()
    store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    report = validate_store(store)
    del store
    step.done()
    _say(f"validated in {time.monotonic() - started:.1f} s")
    for name, text in (("validation.ttl", canonical_turtle(report.to_turtle())),
                       ("validation.txt", report.to_text(lines_of))):
        with atomic_output(out_dir / name) as out:
            out.write(text if isinstance(text, bytes) else text.encode())
    verdict = "conforms" if report.conforms else f"{len(report.violations)} violation(s)"
    _say(f"validation: {verdict}, {len(report.warnings)} warning(s) for a curator to review"
         f" (see {out_dir / 'validation.txt'})")
    return BuildResult(conforms=report.conforms, validated=True,
                       files=[out_dir / "validation.ttl", out_dir / "validation.txt"])
