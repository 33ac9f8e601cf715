"""Read and write `data/` in one canonical form: the same catalog always gives the same bytes.

The YAML is written by a small emitter of our own (fixed key order, block style, strings plain
where YAML reads them back unchanged and double-quoted otherwise), which is faster than PyYAML's
and leaves no choice to chance. Reading uses PyYAML's C loader when it is there.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from phenkg.atomic import write_atomic
from phenkg.errors import DataError
from phenkg.model import Catalog, Paper, Source
from phenkg.records import (
    Invalid,
    read_history,
    read_papers,
    read_people,
    read_problems,
    read_source,
    read_sources,
    read_topics,
)
from phenkg.safeyaml import HIDDEN_VALUE, MAX_DIGITS, load, locate, read_text

SOURCE, TOPICS, PAPERS, REPORT = "source.yaml", "topics.yaml", "papers.yaml", "import-report.yaml"
SOURCES = "sources.yaml"  # the lists added to source.yaml's, when data/ holds several
HISTORY = "history.yaml"   # written by `phenkg history`, not by import; absent until then
AUTHORS = "authors.yaml"  # optional: identifiers of authors (written only when there are some)
FIX_COMMAND = "phenkg fmt"
T = TypeVar("T")
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
            ("authors", paper.authors), ("more_authors", "et al." if paper.more_authors else None), ("venue", venue),
            ("date", paper.date), ("keywords", paper.keywords), ("digest", paper.digest),
            ("listings", [_set_fields(x) for x in paper.listings]),
            ("ids", _set_fields(paper.ids) if paper.ids is not None else None)]


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
    added = {SOURCES: dump_records(source_fields(x) for x in catalog.sources)} if catalog.sources else {}
    files = {
        SOURCE: dump_mapping(source_fields(src)),
        **added,
        TOPICS: dump_records([("key", t.key), ("name", t.name), ("years", t.years)] for t in catalog.topics),
        PAPERS: dump_records(paper_fields(p) for p in catalog.papers),
        REPORT: dump_records([("line", p.line), ("file", p.file), ("severity", p.severity), ("code", p.code),
                              ("entry", p.entry), ("message", p.message)] for p in catalog.problems),
        **({HISTORY: render_history(catalog)} if catalog.history else {}),
    }
    if catalog.people:
        files[AUTHORS] = dump_records([("name", name), *_set_fields(ids).items()]
                                      for name, ids in catalog.people.items())
    return files


def keep_identifiers(catalog: Catalog, data_dir: Path) -> None:
    """Give the papers of a fresh import the `ids:` a curator wrote for the same keys in `data_dir` (the
    list does not hold them). data/authors.yaml is never written by an import, so it stays as it is."""
    if not (data_dir / PAPERS).exists():
        return
    try:
        previous = _read(data_dir / PAPERS, lambda raw: read_papers(raw, None))
    except DataError:
        return  # an unreadable file is refused later, by refuse_to_overwrite or the next read
    ids = {paper.key: paper.ids for paper in previous if paper.ids is not None}
    for paper in catalog.papers:
        paper.ids = paper.ids or ids.get(paper.key)


def source_fields(src: Source) -> list[tuple[str, Any]]:
    return [("title", src.title), ("file", src.file), ("repository", src.repository), ("commit", src.commit),
            ("date", src.date), ("preamble", src.preamble)]


def write_catalog(catalog: Catalog, data_dir: Path, list_bytes: bytes | None = None,
                  added_lists: dict[str, bytes] | None = None) -> None:
    """data/ for the catalog, with a copy of its list and of added lists (`added_lists`: file -> bytes)."""
    files = render_files(catalog)
    if list_bytes is not None:
        write_atomic(data_dir / catalog.source.file, list_bytes)
    for file, data in (added_lists or {}).items():
        write_atomic(data_dir / file, data)
    if not catalog.sources and (data_dir / SOURCES).exists():
        (data_dir / SOURCES).unlink()      # one list now: no added lists
    for name, text in files.items():
        write_atomic(data_dir / name, text)


def previous_source(data_dir: Path, list_bytes: bytes) -> dict[str, Any]:
    """The recorded source.yaml when `data_dir` already holds this very list, so re-importing it keeps
    where it came from (repository, commit, date); else nothing."""
    path = data_dir / SOURCE
    if not path.exists():
        return {}
    previous = load_yaml(path)
    if not isinstance(previous, dict):
        return {}
    copy = data_dir / str(previous.get("file", ""))
    return previous if copy.is_file() and copy.read_bytes() == list_bytes else {}


# -- reading --------------------------------------------------------------------------------------
def load_yaml(path: Path) -> Any:
    """A data file's values (dicts, lists, str, int, None), read strictly: see `safeyaml`."""
    return _load(path)[0]


def _load(path: Path) -> tuple[Any, str]:
    text = read_text(path)
    try:
        return load_canonical(text), text
    except NotCanonical:
        return load(text, path), text  # hand-edited


def _read(path: Path, read: Callable[[Any], T]) -> T:
    """The entries of one data file, or a DataError at the line and column of the first bad value."""
    value, text = _load(path)
    try:
        return read(value)
    except Invalid as exc:
        line, column = locate(text, exc.where)
        problem = exc.problem
        if exc.first is not None:
            problem += f" (first at line {locate(text, exc.first)[0]})"
        entry = f" [{exc.entry}]" if exc.entry and exc.entry != exc.field else ""
        raise DataError(f"{exc.field}: {problem}{entry}", path=str(path), line=line, column=column,
                        hint=exc.hint) from None


class NotCanonical(Exception):
    """The text is not in the form `render_files` writes; read it with a YAML parser instead."""


_INT = re.compile(rf"^(?:0|-?[1-9][0-9]{{0,{MAX_DIGITS - 1}}})$")
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
        if not isinstance(value, str) or ("\\" in text and HIDDEN_VALUE.search(value)):
            raise NotCanonical(text)  # the strict reader says where and why
        return value
    if _INT.match(text):
        return int(text)
    if scalar(text) != text:
        raise NotCanonical(text)
    return text


def read_catalog(data_dir: Path) -> Catalog:
    """The catalog in `data_dir`; any file that is missing, unreadable, hostile or of the wrong shape is a
    DataError before anything is built from it."""
    source = _read(data_dir / SOURCE, read_source)
    topics = _read(data_dir / TOPICS, read_topics)
    topic_keys = {t.key for t in topics}
    papers = _read(data_dir / PAPERS, lambda raw: read_papers(raw, topic_keys))
    report = data_dir / REPORT
    problems = _read(report, read_problems) if report.exists() else []
    added = _read(data_dir / SOURCES, read_sources) if (data_dir / SOURCES).exists() else []
    history = _read(data_dir / HISTORY, read_history) if (data_dir / HISTORY).exists() else {}
    authors = data_dir / AUTHORS
    people = {}
    if authors.exists():
        names = {name for paper in papers for name in paper.authors}
        people = _read(authors, lambda raw: read_people(raw, names))
    return Catalog(source, topics, papers, problems, added, history=history, people=people)


def render_history(catalog: Catalog) -> str:
    """data/history.yaml in canonical form: one record per paper key, in the order of `catalog.history`."""
    return dump_records([("key", h.key), ("first_listed", h.first_listed.date),
                         ("first_commit", h.first_listed.commit), ("last_changed", h.last_changed.date),
                         ("last_commit", h.last_changed.commit)] for h in catalog.history.values())
