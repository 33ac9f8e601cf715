"""Read a hand-edited YAML file of `data/` strictly: plain values or a located refusal.

`data/` is edited by many contributors in pull requests, so its files are read as untrusted text.
What comes back holds only dicts, lists, str, int and None; everything else is a `DataError` that
names the file, line and column, and a hint:

- a file that is not a regular file, is larger than MAX_FILE_BYTES, or is not UTF-8;
- characters a reviewer would not see: C0 controls but tab and newline (CR only before LF), DEL,
  C1 controls, explicit bidi formatting (U+202A-202E, U+2066-2069), line and paragraph separators,
  a byte order mark past the start, non-characters and lone surrogates (from escapes);
- YAML features a data file does not need and an attacker does: anchors and aliases (the
  "billion laughs"), tags (`!!python/object`, `!!binary`, even `!!str`), merge keys `<<`,
  duplicate keys at any depth, keys that are not text, more than one document;
- plain scalars that YAML reads as something other than text, a decimal integer or null (`yes`,
  `2022-05-17`, `1e3`, `0x1F`) and integers longer than MAX_DIGITS.

The reader builds values from the events of PyYAML's C parser, which checks each event as it
comes, so a hostile file is refused at its first offending event and costs no more than a
normal one; no node graph is composed and no constructor runs.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from phenkg.errors import DataError

MAX_FILE_BYTES = 1 << 30  # 1 GiB: papers.yaml for 200,000 papers is about 220 MB
MAX_DIGITS = 18  # the longest integer a data file may hold (years and line numbers need 9)

# characters refused anywhere in a file (raw) or in a decoded double-quoted value (escaped)
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                    "\ufeff\ufffe\uffff\ud800-\udfff]|\r(?!\n)")
HIDDEN_VALUE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                           "\ufeff\ufffe\uffff\ud800-\udfff]")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
MAX_DEPTH = 16                  # nested mappings and lists; data/ uses four at most
_LINE_FIELD = re.compile(r"[ \t]*(?:- )*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:")
_STR, _INT, _NULL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null"
_QUOTE_HINT = "quote it (\"...\") if it is text"


def read_text(path: Path) -> str:
    """The file's text, after checking it is a regular UTF-8 file of bounded size without hidden
    characters (a byte order mark at the very start is dropped)."""
    where = str(path)
    try:
        info = path.lstat()            # a link is not followed: a committed symlink could point anywhere
    except FileNotFoundError as exc:
        raise DataError("missing", path=where, hint="run `phenkg import LIST.md` to create data/, or "
                        "restore the file with `git checkout`") from exc
    except OSError as exc:
        raise DataError(f"unreadable: {exc.strerror}", path=where) from exc
    if not stat.S_ISREG(info.st_mode):
        raise DataError("not a regular file", path=where,
                        hint="data/ holds plain files, not symbolic links, devices or pipes")
    too_big = DataError(f"larger than {MAX_FILE_BYTES:,} bytes, the most a data file may hold", path=where,
                        hint="a data file that large is not a curated list; restore it with `git checkout`")
    if info.st_size > MAX_FILE_BYTES:
        raise too_big
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DataError(f"unreadable: {exc.strerror}", path=where) from exc
    if len(data) > MAX_FILE_BYTES:
        raise too_big
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8")
        line, column = _position(good, len(good))
        raise DataError(f"{_field_on_line(good, len(good))}not UTF-8: byte 0x{data[exc.start]:02x}", path=where,
                        line=line, column=column, hint="re-save the file as UTF-8") from exc
    text = text.removeprefix("\ufeff")
    if found := HIDDEN.search(text):
        line, column = _position(text, found.start())
        raise DataError(f"{_field_on_line(text, found.start())}hidden character {_name(found[0][0])}", path=where,
                        line=line, column=column, hint="delete it (a reviewer cannot see it); write a line "
                        "break or tab in a value as \\n or \\t inside double quotes")
    return text


def load(text: str, path: Path) -> Any:
    """The single YAML document in `text` as plain values; None when the file holds no document."""
    loader = yaml.CSafeLoader(text)
    try:
        return _build(loader, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataError(f"not valid YAML: {exc.problem}", path=str(path), line=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None,
                        hint="compare with the records around it; `phenkg fmt` writes the canonical form") from exc
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}", path=str(path)) from exc
    finally:
        loader.dispose()


def _refuse(event: Any, path: Path, message: str, hint: str, stack: list | None = None) -> DataError:
    """A DataError at the event, naming the field it is in and the record's key when known."""
    mark, field, key = event.start_mark, None, None
    for container, pending in reversed(stack or []):
        if field is None and type(pending) is str:
            field = pending
        if key is None and type(container) is dict and type(container.get("key")) is str:
            key = container["key"]
    if field and not message.startswith(f"{field}:"):
        message = f"{field}: {message}"
    if key:
        message += f" [{path.stem.rstrip('s')} {key}]"
    return DataError(message, path=str(path), line=mark.line + 1, column=mark.column + 1, hint=hint)


def _build(loader: yaml.CSafeLoader, path: Path) -> Any:  # noqa: PLR0915 - one loop over event kinds
    resolve = loader.resolve
    get_event = loader.get_event
    root: Any = None
    documents = 0
    # the open collections: [mapping, its pending key or _KEY when a key is next] or [list, None]
    stack: list[list] = []

    def add(value: Any, event: Any) -> None:
        frame = stack[-1]
        container = frame[0]
        if type(container) is list:
            container.append(value)
        elif frame[1] is _KEY:
            if type(value) is not str:
                raise _refuse(event, path, "a field name must be text", "write `name: value`, one field a line", stack)
            if value in container:
                raise _refuse(event, path, f"{value}: appears twice in one mapping",
                              "keep one of the two (YAML would silently keep the last)", stack)
            frame[1] = value
        else:
            container[frame[1]] = value
            frame[1] = _KEY

    while True:
        event = get_event()
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None or event.tag is not None:
                raise _properties(event, path, stack)
            text = event.value
            if event.style:  # quoted or block: text, whatever it looks like
                if event.style == '"' and (found := HIDDEN_VALUE.search(text)):
                    raise _refuse(event, path, f"hidden character {_name(found[0])} (written as an escape)",
                                  "delete the escape; only \\n and \\t are allowed", stack)
                value: Any = text
            else:
                value = _plain(event, text, resolve(yaml.ScalarNode, text, (True, False)), path, stack)
            if stack:
                add(value, event)
            else:
                root = value
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.anchor is not None or event.tag is not None:
                raise _properties(event, path, stack)
            if stack and stack[-1][1] is _KEY:
                raise _refuse(event, path, "a field name must be text", "write `name: value`, one field a line", stack)
            if len(stack) >= MAX_DEPTH:      # before the scanner goes deeper: its cost grows with the depth
                raise _refuse(event, path, f"nested more than {MAX_DEPTH} deep; data/ is at most a few levels",
                              "write a list as `- item` lines, one value each", stack)
            stack.append([{}, _KEY] if isinstance(event, yaml.MappingStartEvent) else [[], None])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            container = stack.pop()[0]
            if stack:
                add(container, event)
            else:
                root = container
        elif isinstance(event, yaml.AliasEvent):
            raise _refuse(event, path, f"alias *{event.anchor}: aliases are not allowed in data/",
                          "write the value out in full where it is used", stack)
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _refuse(event, path, "a second YAML document ('---')", "keep one document a file")
        elif isinstance(event, yaml.StreamEndEvent):
            return root


_KEY = object()


def _plain(event: Any, text: str, tag: str, path: Path, stack: list) -> Any:
    """A plain scalar: text, a decimal integer or null; YAML's other readings are refused."""
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if stack and stack[-1][1] is _KEY and type(stack[-1][0]) is dict:
        if text == "<<":
            raise _refuse(event, path, "<<: merge keys are not allowed in data/",
                          "write the fields out in full in each record", stack)
        return text  # a field name; the schema refuses one it does not know
    if tag == _INT and _DECIMAL.fullmatch(text):
        digits = len(text.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise _refuse(event, path, f"a number with {digits:,} digits", f"no value in data/ needs more than "
                          f"{MAX_DIGITS}; {_QUOTE_HINT}", stack)
        return int(text)
    what = {_INT: "a non-decimal integer"}.get(tag, "a " + tag.rsplit(":", 1)[-1])
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise _refuse(event, path, f"{shown!r} reads as {what} in YAML", f"{_QUOTE_HINT}; write numbers in decimal", stack)


def _properties(event: Any, path: Path, stack: list) -> DataError:
    if event.anchor is not None:
        return _refuse(event, path, f"anchor &{event.anchor}: anchors and aliases are not allowed in data/",
                       "write the value out in full where it is used", stack)
    return _refuse(event, path, f"tag {event.tag}: YAML tags are not allowed in data/",
                   f"remove the tag; {_QUOTE_HINT}", stack)


def _field_on_line(text: str, offset: int) -> str:
    """'title: ' when the line of `offset` starts a field named title (how a raw-text problem names its field)."""
    found = _LINE_FIELD.match(text, text.rfind("\n", 0, offset) + 1)
    return f"{found[1]}: " if found and found.end() <= offset else ""


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _name(char: str) -> str:
    import unicodedata
    return f"U+{ord(char):04X}" + (f" ({unicodedata.name(char)})" if unicodedata.name(char, "") else "")


def locate(text: str, path: tuple) -> tuple[int, int]:
    """1-based line and column of the value at `path` (indexes and field names) in a text `load`
    accepted; a final ('field', name) names the field's key instead of its value. Where the path
    leads to a missing field, the enclosing record's position."""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    if node is None:
        return 1, 1
    for step in path:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and step < len(node.value):
            node = node.value[step]
            continue
        name, want_key = (step[1], True) if isinstance(step, tuple) else (step, False)
        found = [(k, v) for k, v in node.value if k.value == name] if isinstance(node, yaml.MappingNode) else []
        if not found:
            break
        node = found[0][0] if want_key else found[0][1]
    return node.start_mark.line + 1, node.start_mark.column + 1
