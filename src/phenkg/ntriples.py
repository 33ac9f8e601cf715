"""N-Triples lines: the one reader of them, and the one way of moving them in bulk.

* Syntax: the grammar of a line and its terms as regular expressions (`LINE`, `NODE`, `IRI`, `LITERAL`,
  ...), the escapes (`unescape`), and `fields`, which reads any line the standard allows (tabs,
  comments, blank lines).
* The canonical line graph.py writes - `<s> <p> o .`, one space between the terms, no comment - split
  into its terms by `split` (and `subject`): the fast path the exports, the dataset description and the
  streaming validator take, falling back to `fields` where a line is written some other way.
* Bulk: lines in `batches`, batches as UTF-8 `chunks` that end at line ends, and back again
  (`chunk_lines`, `file_chunks`, `ChunkReader` for loaders that read a file).

Nothing here knows about shapes, formats or stores.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CHUNK = 1 << 22  # bytes read at a time from a file
BATCH = 20_000  # lines per batch when writing

# -- syntax ---------------------------------------------------------------------------------------
UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
IRI = rf"<(?:[^\x00-\x20<>\"{{}}|^`\\]|{UCHAR})*>"
_PN = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
       "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff_:")
BNODE = rf"_:[{_PN}0-9](?:[{_PN}0-9.\-\u00b7\u0300-\u036f\u203f-\u2040]*[{_PN}0-9\-\u00b7\u0300-\u036f\u203f-\u2040])?"
LANG = r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"
LITERAL = rf'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|{UCHAR})*)"(?:@({LANG})|\^\^({IRI}))?'
LINE = re.compile(rf"[ \t]*(?:({IRI}|{BNODE})[ \t]*({IRI})[ \t]*({IRI}|{BNODE}|"
                  rf'"(?:[^"\\\n\r]|\\[tbnrf"\'\\]|{UCHAR})*"(?:@{LANG}|\^\^{IRI})?)[ \t]*\.[ \t]*)?'
                  r"(?:#[^\n\r]*)?\r?\n?")
NODE = re.compile(rf'<[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{{}}|^`\\]*>|{BNODE}')  # as written, no escapes
IRI_RE, LITERAL_RE = re.compile(IRI), re.compile(LITERAL)
PLAIN_LITERAL = re.compile(rf'"([^"\\\n\r]*)"(?:@({LANG})|\^\^<([^\x00-\x20<>"{{}}|^`\\]*)>)?')
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _character(m: re.Match) -> str:
    if m[3] is not None:
        return _ECHAR[m[3]]
    code = int(m[1] or m[2], 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise ValueError(f"\\u{code:X} is not a character")
    return chr(code)


def unescape(text: str) -> str:
    """ECHAR and UCHAR escapes (\\t \\b \\n \\r \\f \\" \\' \\\\ \\uXXXX \\UXXXXXXXX) -> characters;
    ValueError for an escape that is no character (a surrogate, beyond U+10FFFF)."""
    return _ESCAPE.sub(_character, text) if "\\" in text else text


def fields(line: str) -> tuple[str, str, str] | None:
    """Subject, predicate and object of any N-Triples line, as written (escapes kept); None for a blank
    or comment line, ValueError for what is no N-Triples line. The slow path: see `split`."""
    m = LINE.fullmatch(line)
    if m is None:
        raise ValueError(f"not an N-Triples line: {line[:200]!r}")
    return None if m[1] is None else (m[1], m[2], m[3])


# -- the canonical line ---------------------------------------------------------------------------
def split(line: str) -> tuple[str, str, str]:
    """Subject, predicate and object of a canonical line (`<s> <p> o .`, without its newline)."""
    s, p, o = line[:-2].split(" ", 2)
    return s, p, o


def split_all(lines: list[str]) -> list[list[str]]:
    """[subject, predicate, object + " ."] of each canonical line: `split` for a whole batch, with no
    Python call per line and the object left unsliced (the dataset description reads millions of lines
    and few objects: `end_of` takes an object's " ." off)."""
    return [line.split(" ", 2) for line in lines]


def end_of(rest: str) -> str:
    """The object of a line from what follows its predicate ("o ." -> "o")."""
    return rest[:-2]


def subject(line: str) -> str:
    """The subject of a canonical line."""
    return line[:line.index(" ")]


# -- in bulk --------------------------------------------------------------------------------------
def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """The items in lists of `size` (the last one shorter, none when there are no items)."""
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def encode(lines: list[str]) -> bytes:
    """Lines (without their newlines) as one UTF-8 chunk, each line ended."""
    return ("\n".join(lines) + "\n").encode()


def chunks(lines: Iterable[str], size: int = BATCH) -> Iterator[bytes]:
    """Lines as UTF-8 chunks of `size` lines each, for writers and loaders that take a stream."""
    for batch in batches(lines, size):
        yield encode(batch)


def decode(chunk: bytes, ends: bool = False) -> list[str]:
    """The lines of a chunk that ends at a line end, without their newlines (with them if `ends`). Only
    a newline ends a line: N-Triples may hold a raw U+2028 or form feed inside a literal."""
    text = chunk.decode()
    if ends:
        return io.StringIO(text, newline="\n").readlines()
    return text.split("\n")[:-1]


def chunk_lines(chunks: Iterable[bytes]) -> Iterator[list[str]]:
    """Chunks that end at line ends -> their lines, a list per chunk."""
    for chunk in chunks:
        yield decode(chunk)


def file_chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    """A file's bytes in chunks of about `size` that end at line ends."""
    with path.open("rb") as f:
        rest = b""
        while chunk := f.read(size):
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest += chunk
                continue
            yield rest + chunk[:cut]
            rest = chunk[cut:]
        if rest:
            yield rest


class ChunkReader:
    """A file-like view of an iterator of byte chunks (what pyoxigraph's loaders read)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        if not self.pending:
            self.pending = memoryview(next(self.chunks, b""))
        if size < 0 or size >= len(self.pending):
            out, self.pending = self.pending, memoryview(b"")
        else:
            out, self.pending = self.pending[:size], self.pending[size:]
        return out.tobytes()
