"""One query evaluator: a confined process that answers the requests its server passes it, one at a time.

    server (front.py) --frame--> stdin | evaluator: guard, rewrite, evaluate, serialise | stdout --frame--> server

Everything a request triggers runs here, under the server's deadline: the guard's parse, the row
cap's rewrite, pyoxigraph's evaluation and the writing of results. The server kills an evaluator
that passes the timeout; one that passes the memory budget dies by itself. Either way only the one
request it held is lost (answered 503) and the server starts a fresh evaluator, which opens the
store read-only (instant at any size).

A frame is two big-endian 32-bit lengths, then a JSON header and a raw body. JSON, not pickle: what
an evaluator sends is never trusted by the server.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

FRAME = struct.Struct("!II")
EXIT_MEMORY = 75          # an evaluator that ran out of its memory budget exits with this code


@dataclass
class ServeConfig:
    """What the server and its evaluators need; sent to each evaluator as its first frame."""

    store_path: str
    settings: dict                   # phenkg.serve.app.Settings as JSON (settings_to_json)
    timeout: float = 10.0            # seconds a request may take in an evaluator
    workers: int = 2                 # evaluator processes
    max_memory_mb: int = 1024        # each evaluator's memory budget (RLIMIT_DATA)
    max_answer_mb: int = 64          # the largest answer an evaluator sends (the front holds it to send it)
    triples: int = 0
    guard: bool = True               # False only in tests that show the sandbox holds without it
    started: float = 0.0             # time.monotonic() at the start, for the "ready in" line
    extra: dict = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ServeConfig:
        return cls(**json.loads(data))


def settings_to_json(settings) -> dict:
    data = asdict(settings)
    data["graphs"] = sorted(settings.graphs)
    data["dist"] = str(settings.dist) if settings.dist is not None else None
    data["shapes"] = [str(p) for p in settings.shapes]
    data["ontology"] = str(settings.ontology) if settings.ontology is not None else None
    return data


def settings_from_json(data: dict):
    from phenkg.serve.app import Settings

    values = dict(data, graphs=frozenset(data["graphs"]))
    for name in ("dist", "ontology"):
        values[name] = Path(data[name]) if data.get(name) else None
    values["shapes"] = tuple(Path(p) for p in data.get("shapes") or ())
    return Settings(**values)


def write_frame(out, header: dict, body: bytes = b"") -> None:
    data = json.dumps(header).encode()
    out.write(FRAME.pack(len(data), len(body)))      # three writes: no copy of a large body
    out.write(data)
    out.write(body)
    out.flush()


def read_frame(stream) -> tuple[dict, bytes] | None:
    """The next frame from a blocking stream; None at its end."""
    head = stream.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    header_size, body_size = FRAME.unpack(head)
    data = stream.read(header_size + body_size)
    return json.loads(data[:header_size]), data[header_size:]


def main() -> int:
    """Read the config, open the store, confine this process, then answer frames until stdin closes."""
    import pyoxigraph

    from phenkg.formats import JSON
    from phenkg.serve.app import create_app
    from phenkg.serve.http import call
    from phenkg.serve.sandbox import confine
    from phenkg.serve.worker import Executor

    _die_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                  # a stray print must never land in the frame stream
    first = read_frame(stdin)
    if first is None:
        return 0
    config = ServeConfig.from_json(first[1])
    settings = settings_from_json(config.settings)
    # confined before the store starts its threads: Landlock binds only the threads that exist later
    readable = [Path(config.store_path), *([settings.dist] if settings.dist else []), *settings.shapes,
                *([settings.ontology] if settings.ontology else []), *shipped_files()]
    confinement = confine(readable, config.max_memory_mb * 2**20)
    store = pyoxigraph.Store.read_only(config.store_path)
    app = create_app(Executor(store), settings, store, guard=config.guard)
    call(app, "/sparql?query=ASK%7B%7D", JSON.media_type)   # import everything lazily used
    write_frame(stdout, {"ready": os.getpid(), "sandbox": confinement.applied, "missing": confinement.missing})
    limit = config.max_answer_mb * 2**20
    while (frame := read_frame(stdin)) is not None:
        request, body = frame
        try:
            status, headers, payload = call(app, request["target"], request.get("accept") or "*/*",
                                            method=request["method"], body=body,
                                            content_type=request.get("content_type", ""),
                                            headers=request.get("headers"))
        except MemoryError:
            write_frame(stdout, {"memory": True})
            return EXIT_MEMORY
        if len(payload) > limit:
            status, headers, payload = too_large(len(payload), config.max_answer_mb)
        write_frame(stdout, {"status": status, "headers": list(headers.items())}, payload)
    return 0


def shipped_files() -> list[Path]:
    """The shapes, ontology and context this installation ships (in a checkout: its top-level folders)."""
    from phenkg import resources

    files = [Path(str(f)) for f in (*resources.shapes_files(), resources.ontology_file(), resources.context_file())
             if f is not None]
    return [*files, *{f.parent for f in files}]          # their folders too: the shapes are listed


def too_large(size: int, limit_mb: int) -> tuple[int, dict[str, str], bytes]:
    from phenkg.serve.http import error_body

    body = error_body(400, f"the answer would have {size:,} bytes; the limit is {limit_mb:,} MB: add a LIMIT, "
                           "narrow the query, or download the dumps at /dist/")
    return 400, {"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"}, body


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its server goes, even mid-query."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)       # PR_SET_PDEATHSIG


if __name__ == "__main__":
    sys.exit(main())
