"""Incremental builds: a build into the same --out reuses what the previous one wrote there.

    phenkg build  -> dist/ + a note of it in the build cache (`Cache`)
    phenkg build  (again, after an edit) -> the blocks that did not change are copied from the
                  previous dist/'s files, the changed ones serialized alone; the store is a hard-linked
                  copy of the previous one, updated; validation is reused if the graph did not change

Where: `storedir.cache_root() / "incremental" / <a digest of the real path of --out and the base>`:
$PHENKG_CACHE, else $XDG_CACHE_HOME/phenkg, else ~/.cache/phenkg. Not in dist/ itself: a build swaps
dist/ whole and refuses files it does not write. What is kept there is small: `manifest.json` (what
the previous build was made with and wrote) and `index.bin` (for each of its blocks: a digest of its
N-Triples lines, its number of subjects and lines, and where it is in each dump). The dumps themselves
are the previous dist/'s files, read while the new build is staged beside them.

Trust: nothing is used unless everything matches: the same phenkg code (a digest of the package's
sources), pyoxigraph version, cache layout, base, formats and shapes; each dist/ file the index points
into with the size, modification time and inode noted when it was written; the index with its digest.
Anything else (another version, a corrupt or missing file, a hand-edited dump) means a clean build.
A fragment serialized alone must start and end as the dump does, or the build starts again clean.

Why the output is the same bytes as a clean build (tests/test_incremental.py edits at random and
compares): graph.py writes one block per entity and every subject in exactly one block, and each dump
is a header, the blocks' text in order, and a footer; Turtle, RDF/XML and JSON-LD write a subject's
text from its own triples only (JSON-LD's authorship order is inside the paper's block).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import mmap
import os
import re
import shutil
import sys
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from phenkg import ntriples, storedir

LAYOUT = 1
FRAGMENTED = ("nt", "nq", "ttl", "rdfxml", "jsonld")   # the dumps an index locates blocks in
SEPARATOR = {"jsonld": b",\n"}                          # between two blocks' text in a dump
FIELDS = 3 + 2 * len(FRAGMENTED)                        # subjects, lines, nt bytes, (offset, length) per dump


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def code_digest() -> str:
    """What the output depends on besides the data: phenkg's sources, pyoxigraph, the cache layout."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{LAYOUT}\0{ox.__version__}\0".encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".jsonld", ".ttl", ".html", ".json"}:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


# -- the blocks of a build ------------------------------------------------------------------------
@dataclass
class Blocks:
    """Per block of graph.py, in order: a digest of its lines and FIELDS numbers (see FIELDS)."""

    digests: list[bytes] = field(default_factory=list)
    numbers: array = field(default_factory=lambda: array("Q"))

    def row(self, i: int) -> array:
        return self.numbers[i * FIELDS:(i + 1) * FIELDS]

    def to_bytes(self) -> bytes:
        return len(self.digests).to_bytes(8, "little") + b"".join(self.digests) + self.numbers.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Blocks:
        n = int.from_bytes(data[:8], "little")
        digests = [data[8 + 16 * i:24 + 16 * i] for i in range(n)]
        numbers = array("Q")
        numbers.frombytes(data[8 + 16 * n:])
        if len(numbers) != n * FIELDS:
            raise ValueError("index size")
        return cls(digests, numbers)


class Recorder:
    """Passes graph.py's blocks through, noting each one's digest, subjects, lines and N-Triples size;
    keeps the lines of the blocks `known` (the previous build's) does not have."""

    def __init__(self, known: dict[bytes, int] | None = None, previous: Blocks | None = None) -> None:
        self.known, self.previous = known or {}, previous
        self.blocks = Blocks()
        self.fresh: dict[bytes, list[str]] = {}

    def __call__(self, blocks: Iterable[list[str]]) -> Iterator[list[str]]:
        known, previous = self.known, self.previous
        digests, numbers, zeros = self.blocks.digests, self.blocks.numbers, [0] * (2 * len(FRAGMENTED))
        for lines in blocks:
            data = ntriples.encode(lines) if lines else b""
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if (j := known.get(digest)) is not None and previous is not None:
                subjects = previous.numbers[j * FIELDS]
            else:
                subjects = len({line[:line.index(" ")] for line in lines})
                if previous is not None:        # a clean build keeps no lines
                    self.fresh[digest] = lines
            digests.append(digest)
            numbers.extend([subjects, len(lines), len(data), *zeros])
            yield lines

    def graph_digest(self) -> str:
        return hashlib.sha256(b"".join(self.blocks.digests)).hexdigest()


# -- where blocks are in a dump -------------------------------------------------------------------
def locate(blocks: Blocks, name: str, path: Path, graph: str) -> bool:
    """Note where each block is in the dump `name` at `path`, written by a clean build; False if the
    dump is not laid out as expected (the block is then not reused from it)."""
    i = FRAGMENTED.index(name)
    sizes = [blocks.numbers[k * FIELDS + 2] for k in range(len(blocks.digests))]
    if name in ("nt", "nq"):
        grow = len(f" <{graph}> .\n") - 3 if name == "nq" else 0
        offset = 0
        for k, size in enumerate(sizes):
            length = size + grow * blocks.numbers[k * FIELDS + 1]
            _put(blocks, k, i, offset, length)
            offset += length
        return offset == path.stat().st_size
    starts = _subject_starts(name, path)
    if starts is None:
        return False
    begins, end_of_last = starts
    total = sum(blocks.numbers[k * FIELDS] for k in range(len(blocks.digests)))
    if len(begins) != total:
        return False
    sep = len(SEPARATOR.get(name, b""))
    at = 0
    for k in range(len(blocks.digests)):
        start = begins[at]
        at += blocks.numbers[k * FIELDS]
        end = begins[at] - sep if at < len(begins) else end_of_last
        _put(blocks, k, i, start, end - start)
    return True


def _put(blocks: Blocks, k: int, i: int, offset: int, length: int) -> None:
    blocks.numbers[k * FIELDS + 3 + 2 * i] = offset
    blocks.numbers[k * FIELDS + 4 + 2 * i] = length


_STARTS = {"ttl": re.compile(rb"\n(?=[^\t@\n])"), "rdfxml": re.compile(rb"\n(?=\t<[^/])"),
           "jsonld": re.compile(rb",\n(?=\{)")}


def _subject_starts(name: str, path: Path) -> tuple[list[int], int] | None:
    """Where each subject's text starts in a dump, and where the last one's ends."""
    if path.stat().st_size == 0:
        return None
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        skip = 1 if name == "ttl" else 2 if name == "jsonld" else 1
        begins = [m.start() + skip for m in _STARTS[name].finditer(data)]
        if name == "jsonld":
            head = data.find(b'"@graph": [\n')
            if head < 0:
                return None
            begins.insert(0, head + len(b'"@graph": [\n'))
            end = len(data) - len(b"\n]\n}\n")
        elif name == "rdfxml":
            end = data.rfind(b"</rdf:RDF>")
        else:
            end = len(data)
            if data[:1] != b"@":          # no prefix lines: the first subject starts the file
                begins.insert(0, 0)
    return begins, end


# -- a dump from the previous one's blocks and the changed blocks alone ---------------------------
class Fallback(Exception):
    """The previous build cannot be reused here: build clean."""


def fragment(name: str, lines: list[str], header: bytes, footer: bytes, graph: str) -> bytes:
    """One block's text in the dump `name`, as the dump holds it between its header and footer."""
    from phenkg import jsonld
    from phenkg.vocab import PREFIXES

    data = ntriples.encode(lines) if lines else b""
    if name == "nt":
        return data
    if name == "nq":
        return data.replace(b" .\n", f" <{graph}> .\n".encode())
    if name == "jsonld":
        out = io.BytesIO()
        jsonld.write_graph(lines, out)
        text = out.getvalue()
    else:
        rdf_format = ox.RdfFormat.TURTLE if name == "ttl" else ox.RdfFormat.RDF_XML
        text = ox.serialize(ox.parse(data, ox.RdfFormat.N_TRIPLES), None, rdf_format, prefixes=PREFIXES) or b""
    if not (text.startswith(header) and text.endswith(footer)) or len(text) < len(header) + len(footer):
        raise Fallback(f"a block alone is not written as in {name}")
    return text[len(header):len(text) - len(footer)]


def compose(name: str, out_path: Path, old_path: Path, *, old: Blocks, new: Blocks,
            fresh: dict[bytes, list[str]], known: dict[bytes, int], graph: str) -> None:
    """Write the dump `name` for the blocks `new`: the previous dump's text of each block it has,
    copied in ranges, the others serialized; note where each block is."""
    from phenkg.atomic import atomic_output

    i = FRAGMENTED.index(name)
    sep = SEPARATOR.get(name, b"")
    first, n_old = old.row(0), len(old.digests)
    last = old.row(n_old - 1)
    with old_path.open("rb") as source:
        header = os.pread(source.fileno(), first[3 + 2 * i], 0)
        tail_at = last[3 + 2 * i] + last[4 + 2 * i]
        footer = os.pread(source.fileno(), old_path.stat().st_size - tail_at, tail_at)
        with atomic_output(out_path) as out:
            out.flush()
            writer = _RangeWriter(source.fileno(), out.fileno())
            writer.data(header)
            for k, digest in enumerate(new.digests):
                if k:
                    writer.separator(sep)
                start = writer.position
                if (j := known.get(digest)) is not None:
                    writer.copy(old.numbers[j * FIELDS + 3 + 2 * i], old.numbers[j * FIELDS + 4 + 2 * i])
                else:
                    writer.data(fragment(name, fresh[digest], header, footer, graph))
                _put(new, k, i, start, writer.position - start)
            writer.data(footer)


class _RangeWriter:
    """Writes at explicit positions: ranges of the previous dump (merged while they follow each other
    there, separator included, then copied in the kernel) and new bytes."""

    def __init__(self, source: int, target: int) -> None:
        self.source, self.target = source, target
        self.position = 0                           # bytes of the new dump so far
        self.written = 0                            # of which already written
        self.pending: tuple[int, int] | None = None   # (offset in the source, length), not yet copied
        self.gap = b""                              # a separator counted, not yet written nor pending

    def separator(self, sep: bytes) -> None:
        self.gap = sep
        self.position += len(sep)

    def copy(self, offset: int, length: int) -> None:
        if self.pending is not None and self.pending[0] + self.pending[1] + len(self.gap) == offset:
            self.pending = (self.pending[0], self.pending[1] + len(self.gap) + length)
            self.gap = b""
        else:
            self.finish()
            self.pending = (offset, length)
        self.position += length

    def data(self, data: bytes) -> None:
        self.finish()
        self._write(data)
        self.position += len(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self.target, view, self.written)
            self.written += done
            view = view[done:]

    def finish(self) -> None:
        """Write what is pending: a range, then a separator."""
        if self.pending is not None:
            offset, length = self.pending
            self.pending = None
            while length:
                try:
                    done = os.copy_file_range(self.source, self.target, length, offset, self.written)
                except OSError:
                    done = 0
                if done <= 0:                       # no in-kernel copy here: read and write
                    done = min(length, 1 << 24)
                    self._write(os.pread(self.source, done, offset))
                else:
                    self.written += done
                offset, length = offset + done, length - done
        if self.gap:
            self._write(self.gap)
            self.gap = b""


# -- the cache ------------------------------------------------------------------------------------
@dataclass
class Previous:
    """The previous build into the same --out, checked: its manifest, its blocks, its dist/."""

    manifest: dict
    blocks: Blocks
    dist: Path

    def known(self) -> dict[bytes, int]:
        return {d: j for j, d in enumerate(self.blocks.digests)}


class Cache:
    """The build cache of one --out (see the module's docstring)."""

    def __init__(self, out_dir: Path, base: str, formats: frozenset[str], shapes_key: str) -> None:
        self.out_dir = Path(os.path.realpath(out_dir))
        key = hashlib.sha256(f"{self.out_dir}\0{base}".encode()).hexdigest()[:20]
        self.dir = storedir.cache_root() / "incremental" / key
        self.identity = {"layout": LAYOUT, "code": code_digest(), "pyoxigraph": ox.__version__, "base": base,
                         "formats": sorted(formats), "shapes": shapes_key}

    def previous(self) -> Previous | None:
        """The previous build, if everything about it checks out; else None (and a clean build)."""
        try:
            manifest = json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("identity") != self.identity:
                return None
            data = (self.dir / "index.bin").read_bytes()
            if hashlib.sha256(data).hexdigest() != manifest["index"]:
                return None
            for name, noted in manifest["files"].items():
                if _stat(self.out_dir / name) != noted:
                    return None
            blocks = Blocks.from_bytes(data)
            if not blocks.digests:
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return Previous(manifest, blocks, self.out_dir)

    def forget(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def save(self, staging: Path, blocks: Blocks, located: list[str], extra: dict) -> None:
        """Note the build staged in `staging` (about to become --out): its blocks, where they are in
        the dumps `located`, and the files they point into as they are now."""
        from phenkg.atomic import write_atomic
        from phenkg.export import CHARTS, STEM
        from phenkg.formats import EXPORTS

        files = [f"{STEM}.{EXPORTS[name].extension}" for name in located]
        from phenkg.cite.reference import KEYS_FILE

        files += [name for name in ("validation.ttl", "validation.txt", storedir.FIGURES, KEYS_FILE)
                  if (staging / name).exists()]
        files += sorted(path.relative_to(staging).as_posix() for path in (staging / CHARTS).rglob("*")
                        if path.is_file())     # reused as they are when the graph is unchanged
        index = blocks.to_bytes()
        manifest = {"identity": self.identity, "index": hashlib.sha256(index).hexdigest(), "located": located,
                    "out": str(self.out_dir), "files": {name: _stat(staging / name) for name in files}, **extra}
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "manifest.json").unlink(missing_ok=True)   # never a manifest over another index
        write_atomic(self.dir / "index.bin", index)
        write_atomic(self.dir / "manifest.json", json.dumps(manifest) + "\n")
        self._prune()

    def _prune(self) -> None:
        """Remove the notes of builds whose --out is gone (`serve --data`'s pruned builds, a deleted dist/)."""
        for other in self.dir.parent.iterdir():
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                out = json.loads((other / "manifest.json").read_text(encoding="utf-8"))["out"]
                if other != self.dir and not Path(out).is_dir():
                    shutil.rmtree(other, ignore_errors=True)


def shapes_key(shapes, source_file: str) -> str:
    """What validation depends on besides the graph: the shapes' bytes and the lists' file names
    (validation.txt names them)."""
    from phenkg.validate import shape_files

    digest = hashlib.sha256(source_file.encode() + b"\0")
    for path in shape_files(shapes):
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()


# -- the store and the figures of the dataset description, updated --------------------------------
def stats_dict(stats) -> dict:
    return {"triples": stats.triples, "entities": stats.entities, "classes": dict(stats.classes),
            "properties": dict(stats.properties)}


def updated_stats(previous: dict, removed: Iterable[list[str]], added: Iterable[list[str]]):
    """The previous build's graph figures, less those of the blocks gone and plus the new ones (every
    subject is in one block, so the figures add up)."""
    from phenkg.describe import GraphStats

    stats = GraphStats()
    stats.triples, stats.entities = previous["triples"], previous["entities"]
    stats.classes, stats.properties = Counter(previous["classes"]), Counter(previous["properties"])
    for lines, sign in [*((x, -1) for x in removed), *((x, 1) for x in added)]:
        part = GraphStats()
        for _ in part.observe([lines]):
            pass
        stats.triples += sign * part.triples
        stats.entities += sign * part.entities
        for counter, delta in ((stats.classes, part.classes), (stats.properties, part.properties)):
            for key, n in delta.items():
                counter[key] += sign * n
    stats.classes = Counter({k: n for k, n in stats.classes.items() if n > 0})
    stats.properties = Counter({k: n for k, n in stats.properties.items() if n > 0})
    return stats


def update_store(old_store: Path, out_dir: Path, removed: list[list[str]], added: list[list[str]],
                 *, triples: int, nt_path: Path) -> list[Path]:
    """The previous store, copied (RocksDB's backup hard-links its files), less the triples of the
    blocks gone, plus the new ones; Fallback if it then does not hold `triples` triples."""
    from phenkg.atomic import write_atomic

    path = out_dir / storedir.STORE
    source = ox.Store.read_only(str(old_store))
    source.backup(str(path))
    del source
    store = ox.Store(str(path))
    for lines, apply in ((removed, store.remove), (added, store.add)):
        for block in lines:
            if block:
                for triple in ox.parse(ntriples.encode(block), ox.RdfFormat.N_TRIPLES):
                    apply(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    store.flush()
    if len(store) != triples:
        raise Fallback("the updated store does not hold the graph's triples")
    graphs = sorted(g.value for g in store.named_graphs())
    del store
    figures = json.dumps({"triples": triples, "graphs": graphs, "sha256": storedir.file_digest(nt_path)},
                         indent=1) + "\n"     # as storedir.write_store writes them
    write_atomic(out_dir / storedir.FIGURES, figures.encode())
    return [path, out_dir / storedir.FIGURES]


def old_lines(previous: Previous, j: int) -> list[str]:
    """The lines of the previous build's block j, from its N-Triples dump."""
    from phenkg.export import STEM

    row = previous.blocks.row(j)
    with (previous.dist / f"{STEM}.nt").open("rb") as f:
        return ntriples.decode(os.pread(f.fileno(), row[4], row[3])) if row[4] else []


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    _say(f"{what}: {time.monotonic() - started:.1f} s")
