"""Regression tests for attacks found in the security review of the rewritten server and data reader.

Each test fails on the code as reviewed and should pass once the finding it names is fixed:

1. The front buffers every evaluator answer whole, with no bound on its size or on how many it holds
   (`pool.py` Evaluator.receive, `front.py` _send): slow readers of large answers grow the unconfined
   front without limit. Two doors: a query whose answer is large, and `GET //x/dist/FILE`, which the
   front routes on `scope["path"]` (head "") but the evaluator on `urlsplit(raw_path)` (netloc "x",
   path "/dist/FILE"), so the evaluator's own `App.download` reads the whole file into the frame.
2. Deep flow nesting (`[[[[...]]]]`) costs libyaml quadratic time before `safeyaml._build` refuses
   anything: a 120 KB line holds every command for many seconds, a 1 MB one for minutes.
3. `phenkg build` opens its lock file `.{out}.lock` following symlinks and truncates it
   (`atomic.locked`): a symlink planted beside the output directory empties any file it points to.
4. A paper's or link's `url` is not checked: a non-IRI crashes validate/build/serve with a traceback
   (exit 1, no file:line:col), and `export` writes invalid N-Triples with exit 0.
5. Landlock confines only the thread that calls `confine()`: threads started earlier (RocksDB's
   background threads in every evaluator) can still read any file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

import phenkg
from phenkg.serve import Settings, build_disk_store, served
from phenkg.serve.evaluator import ServeConfig, settings_to_json

from .conftest import BASE, DATA

pytestmark = pytest.mark.slow   # attacks on real servers: not in the fast loop (-m "not slow")

SRC = str(Path(phenkg.__file__).resolve().parents[1])
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


# -- helpers ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("attacks") / "store"
    build_disk_store(path, DATA, BASE)
    return path


@contextlib.contextmanager
def server(store_path: Path, settings: Settings, **config):
    """Like phenkg.serve.running, but also yields the server's process id (to watch its memory)."""
    with tempfile.TemporaryDirectory(prefix="phenkg-attack-") as tmp:
        file = Path(tmp) / "config.json"
        file.write_bytes(ServeConfig(str(store_path), settings_to_json(settings), **config).to_json())
        with served([sys.executable, "-m", "phenkg.serve.front", str(file), "127.0.0.1", "0"], env=ENV) as started:
            yield started


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry))
    return out


def front_rss_mb(server_pid: int) -> int:
    """Resident memory of the server process and of Granian's worker (where the front runs), without
    the evaluators (which have their own budget)."""
    workers = _children(server_pid)                    # Granian's worker runs the front
    total = 0
    for pid in [server_pid, *workers]:                 # not the evaluators: the workers' children
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
    return total // 1024


def slow_readers(url: str, target: str, count: int, server_pid: int, seconds: float) -> int:
    """Open `count` connections asking for `target` that never read their answer; the peak growth of
    the front's memory (MB) over `seconds`."""
    port = int(url.rsplit(":", 1)[1])
    before = front_rss_mb(server_pid)
    peak, clients = before, []
    try:
        for _ in range(count):
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            clients.append(client)
            time.sleep(0.3)
            peak = max(peak, front_rss_mb(server_pid))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            peak = max(peak, front_rss_mb(server_pid))
            if peak - before > 1500:          # enough to show it; do not take the machine down
                break
            time.sleep(0.5)
    finally:
        for client in clients:
            client.close()
    return peak - before


def doubled(times: int) -> str:
    """A SELECT whose one value is 64 * 2**times characters (built by the engine: a small query)."""
    binds = " ".join(f"BIND(CONCAT(?v{i},?v{i}) AS ?v{i + 1})" for i in range(times))
    return f'SELECT ?v{times} WHERE {{ BIND("{"x" * 64}" AS ?v0) {binds} }}'


# -- 1. the front holds whole answers, unbounded -------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_slow_readers_of_large_answers_do_not_grow_the_front_without_bound(store):
    """20 slow clients, each asking for a 16 MB answer: the front should stream (or refuse) large
    answers, not hold each one whole until its client reads it. Today it grows by ~16 MB per client."""
    query = "/sparql?" + urlencode({"query": doubled(18), "format": "json"})
    with server(store, Settings(base=BASE), timeout=10, workers=2, max_memory_mb=512) as (url, pid):
        growth = slow_readers(url, query, 20, pid, seconds=6)
    assert growth < 150, f"the front grew by {growth} MB holding unread answers"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_double_slash_does_not_route_downloads_through_an_evaluator(store, tmp_path):
    """`//x/dist/FILE`: the front sees no /dist (it routes on the path), the evaluator sees /dist/FILE
    (urlsplit reads //x as a host) and loads the whole file into one frame, which the front holds."""
    dist = tmp_path / "dist"
    dist.mkdir()
    with (dist / "big.nt").open("wb") as out:        # a large dump (sparse: costs no disk)
        out.truncate(100_000_000)
    with server(store, Settings(base=BASE, dist=dist), timeout=10, workers=2) as (url, pid):
        growth = slow_readers(url, "//x/dist/big.nt", 8, pid, seconds=5)
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"GET //x/static/query.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = client.recv(100)
    assert growth < 150, f"the front grew by {growth} MB holding whole files from the evaluator"
    assert answer.startswith(b"HTTP/1.1 404"), answer     # the evaluator must not serve files at all


# -- 2. quadratic YAML flow nesting ------------------------------------------------------------------
def test_deep_flow_nesting_is_refused_quickly(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    papers = data / "papers.yaml"
    depth = 60_000                                    # a 120 KB line
    papers.write_text(papers.read_text().replace("  keywords:\n  - Neural Collapse\n",
                                                 "  keywords: " + "[" * depth + "]" * depth + "\n", 1))
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "phenkg.cli", "validate", "--data", str(data)],
                              capture_output=True, text=True, env=ENV, timeout=5, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("validate was still reading a 120 KB line of brackets after 5 s (quadratic in libyaml)")
    assert done.returncode == 2, done.stderr[-500:]
    assert "papers.yaml:9:" in done.stderr
    assert time.monotonic() - started < 5


# -- 3. the build lock follows symlinks --------------------------------------------------------------
def test_a_planted_lock_symlink_does_not_truncate_its_target(tmp_path):
    from phenkg.atomic import locked

    victim = tmp_path / "victim.txt"
    victim.write_text("IMPORTANT CONTENT\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".dist.lock").symlink_to(victim)         # committed in a pull request, say
    with contextlib.suppress(Exception), locked(repo / "dist"):
        pass
    assert victim.read_text() == "IMPORTANT CONTENT\n"


def test_build_does_not_create_files_through_a_lock_symlink(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    elsewhere = tmp_path / "elsewhere" / "planted"
    elsewhere.parent.mkdir()
    (repo / ".dist.lock").symlink_to(elsewhere)
    subprocess.run([sys.executable, "-m", "phenkg.cli", "build", "--data", str(DATA), "--out", "dist"],
                   cwd=repo, capture_output=True, text=True, env=ENV, timeout=300, check=False)
    assert not elsewhere.exists(), "the build created a file where a planted symlink pointed"


# -- 4. URLs in data/ are not checked -----------------------------------------------------------------
URL_EDITS = [
    ("relative-paper-url", "  url: https://arxiv.org/abs/2202.08384\n", "  url: not a url\n", "papers.yaml:4:"),
    ("bad-ipv6-link-url", "    url: https://github.com/facebookresearch/mae\n", '    url: "http://[zz/"\n',
     "papers.yaml:21:"),
]


@pytest.mark.parametrize("row", URL_EDITS, ids=[r[0] for r in URL_EDITS])
@pytest.mark.parametrize("command", [["validate"], ["stats"], ["export", "--format", "nt", "-o", "-"]],
                         ids=["validate", "stats", "export"])
def test_a_url_that_is_not_an_iri_is_refused_with_its_line(tmp_path, row, command):
    _, old, new, where = row
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    papers = data / "papers.yaml"
    text = papers.read_text()
    assert old in text
    papers.write_text(text.replace(old, new, 1))
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", *command, "--data", str(data)],
                          capture_output=True, text=True, env=ENV, timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert where in done.stderr


# -- 5. Landlock and threads ---------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Landlock is Linux only")
def test_landlock_confines_threads_started_before_confine(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    script = (
        "import json, pathlib, threading\n"
        "from phenkg.serve.sandbox import confine\n"
        "go, out = threading.Event(), {}\n"
        "def reader():\n"
        "    go.wait()\n"
        "    try:\n"
        f"        out['thread'] = open({str(secret)!r}).read()\n"
        "    except OSError as exc:\n"
        "        out['thread'] = exc.errno\n"
        "thread = threading.Thread(target=reader)\n"
        "thread.start()\n"                                       # as RocksDB starts its threads at open
        "try:\n"
        f"    done = confine([pathlib.Path({str(tmp_path / 'store')!r})], None)\n"
        "finally:\n"
        "    go.set()\n"
        "thread.join()\n"
        "print(json.dumps({'applied': done.applied, **out}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=60,
                          check=False)
    if done.returncode != 0:       # confine() refuses to run beside other threads: nothing escapes it
        assert "must run before the process starts threads" in done.stderr
        return
    result = json.loads(done.stdout)
    if "landlock" not in result["applied"]:
        pytest.skip("no Landlock here")
    assert result["thread"] != "TOPSECRET", "a thread started before confine() read a file outside the store"


def test_a_data_file_that_is_a_symlink_is_refused(tmp_path):
    """A committed `data/papers.yaml` link could make every command read (and quote) another file."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    outside = tmp_path / "elsewhere.yaml"
    shutil.move(data / "papers.yaml", outside)
    (data / "papers.yaml").symlink_to(outside)
    done = subprocess.run([sys.executable, "-m", "phenkg.cli", "stats", "--data", str(data)], capture_output=True,
                          text=True, env=ENV, timeout=60, check=False)
    assert done.returncode == 2
    assert "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr
