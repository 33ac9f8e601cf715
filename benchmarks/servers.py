"""The three SPARQL servers, each started on a free loopback port and stopped by the code that started
it (a context manager: stopped on error too). Each yields the URL to send queries to."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

from harness import free_port, phenkg_cmd

ASK = "ASK { ?s ?p ?o }"


def _ready(url: str, proc: subprocess.Popen, timeout: float) -> float:
    """Seconds until `url` answers a query; raises if the server dies or never answers."""
    started = time.monotonic()
    parts = urlsplit(url)
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            conn.request("GET", f"{parts.path}?query={quote(ASK)}",
                         headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def _process(cmd: list[str], url: str, timeout: float, cwd: str | None = None) -> Iterator[dict]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
    try:
        startup = _ready(url, proc, timeout)
        yield {"url": url, "startup_s": startup, "pid": proc.pid}
    except Exception:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-2000:])
        raise
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (its query workers)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@contextlib.contextmanager
def phenkg_serve(data: Path, timeout: float = 600) -> Iterator[dict]:
    port = free_port()
    cmd = phenkg_cmd("serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port))
    with _process(cmd, f"http://127.0.0.1:{port}/sparql", timeout) as server:
        yield server


@contextlib.contextmanager
def oxigraph_serve(ntriples: Path, work: Path, timeout: float = 600) -> Iterator[dict]:
    """`oxigraph serve-read-only` on a store loaded from the same N-Triples (loading timed apart)."""
    with tempfile.TemporaryDirectory(prefix="phenkg-bench-oxigraph-", dir=work) as tmp:
        started = time.monotonic()
        subprocess.run(["oxigraph", "load", "--location", tmp, "--file", str(ntriples)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load_s = time.monotonic() - started
        port = free_port()
        cmd = ["oxigraph", "serve-read-only", "--location", tmp, "--bind", f"127.0.0.1:{port}"]
        with _process(cmd, f"http://127.0.0.1:{port}/query", timeout) as server:
            server["load_s"] = load_s
            yield server


@contextlib.contextmanager
def rdflib_endpoint(turtle: Path, timeout: float = 900) -> Iterator[dict]:
    """rdflib-endpoint's own CLI serving the Turtle file (rdflib's in-memory store)."""
    port = free_port()
    exe = Path(sys.executable).with_name("rdflib-endpoint")
    cmd = [str(exe) if exe.exists() else "rdflib-endpoint", "serve", "--host", "127.0.0.1", "--port",
           str(port), str(turtle)]
    with _process(cmd, f"http://127.0.0.1:{port}/", timeout) as server:  # its endpoint is at /
        yield server


SERVERS = {"phenkg": "phenkg serve", "oxigraph": "oxigraph serve-read-only",
           "rdflib-endpoint": "rdflib-endpoint serve"}


def start(name: str, inputs, size: str):
    if name == "phenkg":
        return phenkg_serve(inputs.data(size))
    if name == "oxigraph":
        return oxigraph_serve(inputs.ntriples(size), inputs.work)
    return rdflib_endpoint(inputs.turtle(size))
