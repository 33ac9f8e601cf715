"""A build is atomic as a set (issue 12): killed at any point it leaves dist/ as one build's complete
set, its child processes die with it, the next build removes what it left, and two builds into one
directory do not interleave. Real `python -m phenkg.cli` processes, killed for real.

The data is data/ with every paper copied under new keys (`multiplied`): about 2,000 papers build in a
few seconds on one core, about 7,700 (past export.PARALLEL) on two, with child processes."""

from __future__ import annotations

import contextlib
import hashlib
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest

from phenkg import atomic
from phenkg.errors import PhenkgError
from phenkg.export import OUTPUTS, PARALLEL, build
from phenkg.vocab import PREFIXES, Iris

from .conftest import BASE, DATA, ROOT

pytestmark = pytest.mark.slow   # builds killed mid-way, in real processes: not in the fast loop (-m "not slow")

SEED_PAPERS = 209


def multiplied(dest: Path, copies: int, drop: int = 0) -> Path:
    """data/ with each paper `copies` times (keys `-c{i}`, titles `C{i} ...`); `drop` > 0 leaves out the
    last papers and edits the first title, so the graph and its triple count change."""
    shutil.copytree(DATA, dest)
    head, *records = re.split(r"\n(?=- key: )", (DATA / "papers.yaml").read_text(encoding="utf-8"))
    out = [head]
    for i in range(copies):
        for record in records:
            keyed = re.sub(r"^- key: (\S+)", rf"- key: \1-c{i}", record, count=1)
            out.append(re.sub(r"^(  title: \"?)", rf"\1C{i} ", keyed, count=1, flags=re.MULTILINE).rstrip("\n"))
    if drop:
        out = out[:-drop]
        out[1] = out[1].replace("  title: C0 ", "  title: C0 Edited ", 1)
    (dest / "papers.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def lists(tmp_path_factory):
    """(old, new) data of about 2,000 papers, and a large new one that builds with child processes."""
    root = tmp_path_factory.mktemp("atomic")
    large = -(-PARALLEL // SEED_PAPERS)
    return multiplied(root / "old", 10), multiplied(root / "new", 10, drop=3), multiplied(root / "large", large, drop=3)


@pytest.fixture(scope="module")
def seed_dist(tmp_path_factory):
    """A complete build of data/ to start from, and its files' hashes."""
    dist = tmp_path_factory.mktemp("seed") / "dist"
    done = phenkg("build", "--data", DATA, "--out", dist)
    assert done.returncode == 0, done.stderr
    return dist, whole_set(dist)


def phenkg(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phenkg.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300, check=False)


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "phenkg.cli", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def whole_set(dist: Path) -> dict[str, str]:
    """The hash of every file in `dist`, once checked to be one build's complete set: exactly the build's
    files, the VoID triple count equal to the N-Triples lines and each dump's stated size its size."""
    assert {p.name for p in dist.iterdir()} == OUTPUTS
    void = ox.Store()
    void.load(path=str(dist / "void.ttl"), format=ox.RdfFormat.TURTLE)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    [[triples]] = void.query(prefixes + f"SELECT ?n {{ <{Iris(BASE).dataset}> void:triples ?n }}")
    with (dist / "phenkg.nt").open("rb") as nt:
        assert int(triples.value) == sum(1 for _ in nt), "VoID counts another build's triples"
    for url, size in void.query(prefixes + "SELECT ?url ?size { ?x dcat:downloadURL ?url ; dcat:byteSize ?size }"):
        path = dist / url.value.rsplit("/", 1)[1]
        assert path.stat().st_size == int(size.value), f"{path.name} is not the file VoID describes"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in dist.iterdir() if p.is_file()}


def leftovers(dist: Path) -> list[str]:
    """What builds left beside and in `dist`: staging directories, temporary files (the lock file stays)."""
    beside = [p.name for p in dist.parent.iterdir()
              if p.name.startswith(f".{dist.name}.") and p.name != f".{dist.name}.lock"]
    inside = [p.name for p in dist.iterdir() if p.name.endswith(".tmp")] if dist.is_dir() else []
    return sorted(beside + inside)


def written(dist: Path, since: int) -> int:
    """Output files written since `since` (ns): in staging directories beside `dist`, or in `dist` itself."""
    dirs = [dist, *(p for p in dist.parent.glob(f".{dist.name}.*") if p.is_dir())]
    count = 0
    for d in dirs:
        with contextlib.suppress(OSError):  # renamed or removed as we looked
            count += sum(1 for p in d.iterdir() if p.name in OUTPUTS and p.stat().st_mtime_ns >= since)
    return count


def wait_for(condition, build: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert build.poll() is None, f"the build ended first: {build.stderr.read()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def descendants(build: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(build.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def assert_all_gone(processes: list[psutil.Process]) -> None:
    """None of `processes` is running 15 s on (killing any that are, so a failure leaves none behind)."""
    _, alive = psutil.wait_procs(processes, timeout=15)
    for process in alive:
        process.kill()
    assert not alive, f"child processes outlived the build: {[p.pid for p in alive]}"


def test_a_killed_build_leaves_one_whole_set(lists, tmp_path):
    """SIGKILL when the n-th file of the new build appears (and at random moments): dist/ is the old set
    or the new one, whole; the next build leaves no staging directory or temporary file."""
    old_data, new_data, _ = lists
    dist = tmp_path / "dist"
    done = phenkg("build", "--data", old_data, "--out", dist)
    assert done.returncode == 0, done.stderr
    old = whole_set(dist)
    rng = random.Random(12)
    points = [*(("files", n) for n in (1, 4, 8, len(OUTPUTS))), *(("seconds", rng.uniform(0.5, 4)) for _ in range(2))]
    seen = []
    for kind, at in points:
        since = time.time_ns()
        build = start("build", "--data", new_data, "--out", dist)
        if kind == "files":
            wait_for(lambda: written(dist, since) >= at, build)  # noqa: B023
        else:
            time.sleep(at)
        children = descendants(build)
        build.kill()
        build.wait()
        assert_all_gone(children)
        seen.append(whole_set(dist))
    done = phenkg("build", "--data", new_data, "--out", dist)
    assert done.returncode == 0, done.stderr
    new = whole_set(dist)
    assert new != old
    for point, files in zip(points, seen, strict=True):
        assert files in (old, new), f"killed at {point}: a mix of two builds"
    assert leftovers(dist) == []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_child_processes_die_with_a_stopped_build(lists, seed_dist, tmp_path, how):
    """A large build validates and writes in child processes: stopped while they work, they stop too and
    write nothing more; a SIGTERM'd build removes its staging directory itself and exits 143."""
    dist = tmp_path / "dist"
    shutil.copytree(seed_dist[0], dist)
    build = start("build", "--data", lists[2], "--out", dist)
    try:
        wait_for(lambda: len(descendants(build)) >= 3, build)  # the validator, a writer, the resource tracker
        children = descendants(build)
        build.send_signal(how)
        code = build.wait(timeout=60)
        assert_all_gone(children)
    finally:
        build.kill()
    assert whole_set(dist) == seed_dist[1]
    if how == signal.SIGTERM:
        assert code == 128 + signal.SIGTERM, build.stderr.read()
        assert leftovers(dist) == []
    done = phenkg("build", "--data", DATA, "--out", dist)
    assert done.returncode == 0, done.stderr
    assert leftovers(dist) == []


def test_two_builds_into_one_directory_do_not_interleave(lists, seed_dist, tmp_path):
    """The second is refused at once (exit 2), naming the running one; once that one is gone, even
    killed, the next build goes ahead."""
    dist = tmp_path / "dist"
    shutil.copytree(seed_dist[0], dist)
    first = start("build", "--data", lists[2], "--out", dist)
    try:
        wait_for(lambda: len(descendants(first)) >= 2, first)  # under way: validating
        second = phenkg("build", "--data", DATA, "--out", dist)
        assert second.returncode == 2, second.stderr
        assert f"another phenkg build (pid {first.pid}) is writing" in second.stderr
        assert first.poll() is None
    finally:
        children = descendants(first)
        first.kill()
        first.wait()
    assert_all_gone(children)
    assert whole_set(dist) == seed_dist[1]
    again = phenkg("build", "--data", DATA, "--out", dist)
    assert again.returncode == 0, again.stderr
    assert leftovers(dist) == []


def test_a_killed_export_keeps_the_old_file_and_the_next_removes_its_temporary(lists, tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old")
    export = start("export", "--format", "ttl", "--data", lists[2], "-o", target)
    try:
        wait_for(lambda: any(tmp_path.glob(".graph.ttl.*.tmp")), export)
    finally:
        export.kill()
        export.wait()
    assert target.read_bytes() == b"old"
    done = phenkg("export", "--format", "nt", "--data", DATA, "-o", target)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


# -- in process: the names, the fallback swap, its recovery, what a build refuses to replace -------
def test_outputs_are_the_files_a_build_writes(catalog, tmp_path):
    dist = tmp_path / "new" / "dist"  # missing parents are made, as before
    result = build(catalog, dist, BASE)
    assert {p.name for p in dist.iterdir()} == {p.name for p in result.files} == OUTPUTS
    assert all(p.parent == dist for p in result.files)


def test_the_swap_without_renameat2_and_its_recovery(catalog, tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    build(catalog, dist, BASE)
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    (dist / "phenkg.nt").write_bytes(b"stale")
    build(catalog, dist, BASE)
    complete = whole_set(dist)
    assert leftovers(dist) == []
    # cut short after `dist` became `.dist.old`: `.dist.ready` is complete and becomes dist/
    dist.rename(tmp_path / ".dist.ready")
    shutil.copytree(tmp_path / ".dist.ready", tmp_path / ".dist.old")
    atomic.recover(dist)
    assert whole_set(dist) == complete
    assert leftovers(dist) == []
    # cut short before: only `.dist.old` is there, and comes back
    dist.rename(tmp_path / ".dist.old")
    atomic.recover(dist)
    assert whole_set(dist) == complete
    assert leftovers(dist) == []
    # a reader with nothing to recover takes no lock (its directory may be read-only)
    (tmp_path / ".dist.lock").unlink()
    atomic.recover(dist)
    atomic.recover(tmp_path / "nowhere" / "dist")
    assert not (tmp_path / ".dist.lock").exists()


def test_exchange_swaps_two_directories(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    assert atomic.exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "x").read_text() == "a"
    assert not any((tmp_path / "a").iterdir())


def test_a_build_does_not_replace_a_directory_holding_other_files(catalog, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "README.md").write_text("mine")
    (dist / ".phenkg.nt.123.tmp").write_text("left by a killed build")
    with pytest.raises(PhenkgError, match=r"README\.md"):
        build(catalog, dist, BASE)
    assert sorted(p.name for p in dist.iterdir()) == [".phenkg.nt.123.tmp", "README.md"]
    done = phenkg("build", "--data", DATA, "--out", ".", cwd=dist)
    assert done.returncode == 2
    assert "working directory" in done.stderr
    (dist / "README.md").unlink()
    build(catalog, dist, BASE)  # a killed build's temporary file is not in the way
    assert {p.name for p in dist.iterdir()} == OUTPUTS
