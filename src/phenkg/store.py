"""Read and write `data/` in one canonical form: the same catalog always gives the same bytes.

The YAML is written by a small emitter of our own (fixed key order, block style, strings plain
where YAML reads them back unchanged and double-quoted otherwise), which is faster than PyYAML's
and leaves no choice to chance. Reading uses PyYAML's C loader when it is there.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from phenkg.errors import DataError
from phenkg.model import Catalog, Link, Listing, Paper, Problem, Source, Topic, Venue

SOURCE, TOPICS, PAPERS, REPORT = "source.yaml", "topics.yaml", "papers.yaml", "import-report.yaml"
FIX_COMMAND = "phenkg fmt"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# YAML reads these as line breaks, or refuses them: never plain, and escaped inside quotes
_UNSAFE = "\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff"
_PLAIN = re.compile(f"^[^\\W\\d_][^{_UNSAFE}]*$")
_ESCAPE = re.compile(f"[{_UNSAFE}]")
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
_HEADER = "# Curated by hand and by `phenkg import`; written canonically by `phenkg fmt`.\n"


# -- writing --------------------------------------------------------------------------------------
def scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"no canonical form for {value!r}")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (_PLAIN.match(text) and text == text.strip() and ": " not in text and " #" not in text
            and not text.endswith(":") and text.lower() not in _YAML_WORDS):
        return text
    return _ESCAPE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(text, ensure_ascii=False))


def _mapping(fields: Iterable[tuple[str, Any]], indent: str, first: str) -> Iterator[str]:
    """Lines of one block mapping; the first line starts with `first` ('- ' or the indent)."""
    lead = first
    for name, value in fields:
        if value is None or value == []:
            continue
        if isinstance(value, list):
            yield f"{lead}{name}:"
            for element in value:
                if isinstance(element, dict):
                    yield from _mapping(element.items(), indent + "  ", indent + "- ")
                else:
                    yield f"{indent}- {scalar(element)}"
        elif isinstance(value, dict):
            yield f"{lead}{name}:"
            yield from _mapping(value.items(), indent + "  ", indent + "  ")
        else:
            yield f"{lead}{name}: {scalar(value)}"
        lead = indent


def _set_fields(item: Any) -> dict[str, Any]:
    """A flat dataclass's fields that are set, in declaration order (asdict would deep-copy each value)."""
    return {f.name: value for f in dataclasses.fields(item) if (value := getattr(item, f.name)) is not None}


def paper_fields(paper: Paper) -> list[tuple[str, Any]]:
    venue = _set_fields(paper.venue) if paper.venue is not None else None
    return [("key", paper.key), ("title", paper.title), ("url", paper.url),
            ("links", [{"kind": x.kind, "url": x.url} for x in paper.links]),
            ("authors", paper.authors), ("venue", venue), ("keywords", paper.keywords),
            ("digest", paper.digest),
            ("listings", [_set_fields(x) for x in paper.listings])]


def dump_records(records: Iterable[list[tuple[str, Any]]]) -> str:
    lines = [_HEADER.rstrip("\n")]
    for fields in records:
        lines.extend(_mapping(fields, "  ", "- "))
    return "\n".join(lines) + "\n"


def dump_mapping(fields: list[tuple[str, Any]]) -> str:
    return "\n".join([_HEADER.rstrip("\n"), *_mapping(fields, "", "")]) + "\n"


def render_files(catalog: Catalog) -> dict[str, str]:
    """The text of each data file, by file name."""
    src = catalog.source
    return {
        SOURCE: dump_mapping([("title", src.title), ("file", src.file), ("repository", src.repository),
                              ("commit", src.commit), ("date", src.date), ("preamble", src.preamble)]),
        TOPICS: dump_records([("key", t.key), ("name", t.name), ("years", t.years)] for t in catalog.topics),
        PAPERS: dump_records(paper_fields(p) for p in catalog.papers),
        REPORT: dump_records([("line", p.line), ("severity", p.severity), ("code", p.code),
                              ("entry", p.entry), ("message", p.message)] for p in catalog.problems),
    }


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write next to the target and rename over it, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_catalog(catalog: Catalog, data_dir: Path, list_bytes: bytes | None = None) -> None:
    files = render_files(catalog)
    if list_bytes is not None:
        write_atomic(data_dir / catalog.source.file, list_bytes)
    for name, text in files.items():
        write_atomic(data_dir / name, text)


def previous_source(data_dir: Path, list_bytes: bytes) -> dict[str, Any]:
    """The recorded source.yaml when `data_dir` already holds this very list, so re-importing it keeps
    where it came from (repository, commit, date); else nothing."""
    path = data_dir / SOURCE
    if not path.exists():
        return {}
    previous = load_yaml(path) or {}
    copy = data_dir / str(previous.get("file", ""))
    return previous if copy.is_file() and copy.read_bytes() == list_bytes else {}


# -- reading --------------------------------------------------------------------------------------
def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError("missing", path=str(path), hint="run `phenkg import LIST.md` to create data/") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"unreadable: {exc}", path=str(path)) from exc
    try:
        return load_canonical(text)
    except NotCanonical:
        pass  # hand-edited: let YAML read it
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DataError(f"not valid YAML: {exc.problem}", path=str(path), line=line) from exc


class NotCanonical(Exception):
    """The text is not in the form `render_files` writes; read it with a YAML parser instead."""


_INT = re.compile(r"^(?:0|-?[1-9][0-9]*)$")
_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?$")
_QUOTED_SURROGATE = re.compile(r"\\u[dD][89abAB]")


def load_canonical(text: str) -> Any:
    """Read the block-style YAML subset that this module writes, about ten times faster than
    PyYAML's C loader. Anything outside that subset raises NotCanonical, never a wrong value:
    each scalar is accepted only in a form whose YAML reading is certain."""
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    if not lines:
        return None
    value, end = _node(lines, 0, 0)
    if end != len(lines):
        raise NotCanonical(end)
    return value


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _node(lines: list[str], i: int, indent: int) -> tuple[Any, int]:
    if lines[i].startswith("- ", indent):
        return _sequence(lines, i, indent)
    return _map(lines, i, indent, {})


def _sequence(lines: list[str], i: int, indent: int) -> tuple[list, int]:
    out: list = []
    while i < len(lines) and _indent(lines[i]) == indent and lines[i].startswith("- ", indent):
        rest = lines[i][indent + 2:]
        if _ENTRY.match(rest):
            lines[i] = " " * (indent + 2) + rest
            item, i = _map(lines, i, indent + 2, {})
        else:
            item, i = _scalar(rest), i + 1
        out.append(item)
    return out, i


def _map(lines: list[str], i: int, indent: int, out: dict) -> tuple[dict, int]:
    while i < len(lines) and _indent(lines[i]) == indent and not lines[i].startswith("- ", indent):
        found = _ENTRY.match(lines[i], indent)
        if not found or found[1] in out or found[1].lower() in _YAML_WORDS:
            raise NotCanonical(i)
        name, rest = found[1], found[2]
        i += 1
        if rest is not None:
            out[name] = _scalar(rest)
        elif i < len(lines) and (_indent(lines[i]) > indent or (
                _indent(lines[i]) == indent and lines[i].startswith("- ", indent))):
            out[name], i = _node(lines, i, _indent(lines[i]))
        else:
            raise NotCanonical(i)
    return out, i


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2 or _QUOTED_SURROGATE.search(text):
            raise NotCanonical(text)
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise NotCanonical(text) from exc
        if not isinstance(value, str):
            raise NotCanonical(text)
        return value
    if _INT.match(text):
        return int(text)
    if scalar(text) != text:
        raise NotCanonical(text)
    return text


class _Record:
    """Reads one YAML record, naming the file and record in every error."""

    def __init__(self, raw: Any, path: Path, what: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise DataError(f"{what} is not a mapping", path=str(path))
        self.raw, self.path, self.what = raw, path, what
        if unknown := set(raw) - allowed:
            self.fail(f"unknown field(s) {sorted(unknown)}", f"allowed fields: {sorted(allowed)}")

    def fail(self, message: str, hint: str | None = None) -> None:
        raise DataError(f"{self.what}: {message}", path=str(self.path), hint=hint)

    def get(self, name: str, kind: type, required: bool = False) -> Any:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.fail(f"'{name}' is required")
            return None
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            self.fail(f"'{name}' must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def strings(self, name: str) -> list[str]:
        values = self.get(name, list) or []
        return [str(v) for v in values]

    def records(self, name: str, allowed: set[str]) -> list[_Record]:
        return [_Record(x, self.path, f"{self.what}, {name}[{i}]", allowed)
                for i, x in enumerate(self.get(name, list) or [])]


def read_paper(raw: Any, path: Path, index: int) -> Paper:
    key = raw.get("key", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    rec = _Record(raw, path, f"paper {key}", {"key", "title", "url", "links", "authors", "venue",
                                               "keywords", "digest", "listings"})
    venue = None
    if rec.raw.get("venue") is not None:
        v = _Record(rec.get("venue", dict), path, f"paper {key}, venue", {"printed", "name", "year", "qualifier"})
        venue = Venue(v.get("printed", str, True), v.get("name", str) or v.get("printed", str),
                      v.get("year", int), v.get("qualifier", str))
    return Paper(
        key=rec.get("key", str, True), title=rec.get("title", str, True), url=rec.get("url", str),
        links=[Link(x.get("kind", str, True), x.get("url", str, True)) for x in rec.records("links", {"kind", "url"})],
        authors=rec.strings("authors"), venue=venue, keywords=rec.strings("keywords"),
        digest=rec.get("digest", str),
        listings=[Listing(x.get("topic", str, True), x.get("year", int), x.get("line", int))
                  for x in rec.records("listings", {"topic", "year", "line"})])


def read_catalog(data_dir: Path) -> Catalog:
    source_raw = _Record(load_yaml(data_dir / SOURCE), data_dir / SOURCE, "source",
                         {"title", "file", "repository", "commit", "date", "preamble"})
    source = Source(**{name: source_raw.get(name, str, name in ("title", "file"))
                       for name in ("title", "file", "repository", "commit", "date", "preamble")})
    topics = []
    for i, raw in enumerate(load_yaml(data_dir / TOPICS) or []):
        rec = _Record(raw, data_dir / TOPICS, f"topic #{i + 1}", {"key", "name", "years"})
        topics.append(Topic(rec.get("key", str, True), rec.get("name", str, True),
                            [int(y) for y in rec.get("years", list) or []]))
    papers = [read_paper(raw, data_dir / PAPERS, i) for i, raw in enumerate(load_yaml(data_dir / PAPERS) or [])]
    problems = []
    report = data_dir / REPORT
    if report.exists():
        problems = [Problem(r["line"], r["code"], r["message"], r.get("severity", "warning"), r.get("entry"))
                    for r in load_yaml(report) or []]
    check_references(papers, topics, data_dir)
    return Catalog(source, topics, papers, problems)


def check_references(papers: list[Paper], topics: list[Topic], data_dir: Path) -> None:
    """Keys are unique and every listing names a known topic."""
    topic_keys = {t.key for t in topics}
    seen: set[str] = set()
    for paper in papers:
        if paper.key in seen:
            raise DataError(f"paper key '{paper.key}' appears twice", path=str(data_dir / PAPERS),
                            hint="merge the two records: one paper, one listing per topic")
        seen.add(paper.key)
        for listing in paper.listings:
            if listing.topic not in topic_keys:
                raise DataError(f"paper {paper.key}: listing names unknown topic '{listing.topic}'",
                                path=str(data_dir / PAPERS), hint=f"add it to {TOPICS} or use one of "
                                f"{sorted(topic_keys)}")
