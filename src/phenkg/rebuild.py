"""`phenkg build`: the build with its cache (`build`), clean (export.build_into, then the cache notes
where each block is) or incremental (the same outputs from the previous build's, phenkg.incremental),
whichever applies. export.build stays the plain clean build (`serve --data` builds into a new folder).

An incremental build writes the N-Triples from the graph as a clean one does (the validator reads
it), then: each other dump from the previous dump's unchanged blocks and the changed blocks alone;
the store as the previous one, hard-linked and updated; the dataset figures as the previous ones
plus the difference; validation reused if the graph is the same, else run whole, fed as the lines are written.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import sys
from pathlib import Path

from phenkg import atomic, export, graph, storedir
from phenkg.cite.reference import KEYS_FILE
from phenkg.export import BUILDABLE, PARALLEL, BuildResult
from phenkg.incremental import (
    FRAGMENTED,
    Cache,
    Fallback,
    Previous,
    Recorder,
    compose,
    locate,
    old_lines,
    shapes_key,
    stats_dict,
    update_store,
    updated_stats,
)
from phenkg.model import Catalog
from phenkg.progress import Progress

VALIDATION = ("validation.ttl", "validation.txt")


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def build(catalog: Catalog, out_dir: Path, base: str, shapes=None, ontology: Path | None = None, *,
          formats: frozenset[str] = frozenset(BUILDABLE), incremental: bool = True) -> BuildResult:
    """phenkg.export.build, reusing the previous build into `out_dir` if `incremental` and it checks out;
    False builds clean (and still notes the build for the next one)."""
    out_dir = Path(out_dir)
    with atomic.replacing_dir(out_dir, owns=export.owned) as staging:
        result = build_into(catalog, out_dir, staging, base, shapes=shapes, ontology=ontology, formats=formats,
                            reuse=incremental)
    result.files = [out_dir / path.name for path in result.files]
    _say(f"{out_dir}: {len(result.files)} files; the validation report is {out_dir / 'validation.txt'}")
    return result


def build_into(catalog: Catalog, out_dir: Path, staging: Path, base: str, *, shapes, ontology: Path | None,
               formats: frozenset[str], reuse: bool = True) -> BuildResult:
    """Build into `staging` (to become `out_dir`), reusing the previous build into `out_dir` if `reuse`
    and it checks out; note this build in the cache either way."""
    lists = "\0".join([catalog.source.file, *(x.file for x in catalog.sources)])   # validation.txt names them
    cache = Cache(out_dir, base, formats, shapes_key(shapes, lists))
    previous = cache.previous() if reuse else None
    graph_name = export.graph_name(base)
    if previous is None:
        recorder = Recorder()
        result = export.build_into(catalog, staging, base, shapes, ontology, formats=formats, tap=recorder)
        composed: list[str] = []
    else:
        _say(f"incremental build: reusing the previous build of {out_dir} (cache {cache.dir})")
        result, recorder, composed = _incremental(catalog, previous, staging, base, shapes=shapes,
                                                  ontology=ontology, formats=formats)
    located = [name for name in FRAGMENTED if name in formats and (
        name in composed or locate(recorder.blocks, name, export.dump_path(staging, name), graph_name))]
    try:
        cache.save(staging, recorder.blocks, located, {
            "graph": recorder.graph_digest(), "conforms": result.conforms, "stats": stats_dict(result.stats)})
    except OSError as error:    # the build stands; the next one is clean
        cache.forget()
        _say(f"warning: the build cache could not be written ({error}); the next build will be clean")
    return result


def _incremental(catalog: Catalog, previous: Previous, staging: Path, base: str, *, shapes, ontology: Path | None,
                 formats: frozenset[str]) -> tuple[BuildResult, Recorder, list[str]]:
    recorder = Recorder(previous.known(), previous.blocks)
    nt_path = export.dump_path(staging, "nt")
    lines_of = graph.source_lines(catalog, base)
    blocks = graph.blocks(catalog, base, Progress("graph", len(catalog.papers), "papers"))
    with contextlib.ExitStack() as stack:
        validation = validator = None
        if len(catalog.papers) >= PARALLEL:   # the longest job, on the other core, reading as the lines are written
            received, feed = multiprocessing.get_context("spawn").Pipe(duplex=False)
            validator = export.child_pool(stack, initializer=export.Feed.receive, initargs=(received, os.getpid()))
            validation = validator.submit(export.validate_files, nt_path, staging, lines_of, fed=True, shapes=shapes)
            received.close()
            stack.callback(feed.close)     # if this process fails first, the validator sees the end
            triples = export.write_ntriples(recorder(blocks), nt_path, feed)
        else:
            triples = export.write_ntriples(recorder(blocks), nt_path)
        present = set(recorder.blocks.digests)
        removed = [old_lines(previous, j) for j, d in enumerate(previous.blocks.digests) if d not in present]
        added = list(recorder.fresh.values())
        _say(f"{len(added):,} block(s) new or changed, {len(removed):,} gone, of {len(present):,}")
        same_graph = previous.manifest.get("graph") == recorder.graph_digest() and all(
            name in previous.manifest["files"] for name in VALIDATION)
        if same_graph and validator is not None:   # its report would be the previous one: stop it
            _stop(validator)
            validation = None
        files, composed = _dumps(previous, recorder, staging, base, formats)
        stats = updated_stats(previous.manifest["stats"], removed, added)
        if storedir.STORE in formats:
            files += _store(previous, nt_path, staging, changes=(removed, added), triples=triples)
            if same_graph and KEYS_FILE in previous.manifest["files"]:   # computed from the graph alone
                shutil.copyfile(previous.dist / KEYS_FILE, staging / KEYS_FILE)
                files.append(staging / KEYS_FILE)
            else:
                files += export.citation_keys(staging)
        if export.CHARTS in formats:
            files += _charts(previous, nt_path, staging, base, reuse=same_graph, store=storedir.STORE in formats)
        if same_graph:
            for name in VALIDATION:
                shutil.copyfile(previous.dist / name, staging / name)
            _say("validation: the graph is unchanged, the previous report stands")
            result = BuildResult(conforms=bool(previous.manifest.get("conforms")), validated=True,
                                 files=[staging / name for name in VALIDATION])
        elif validation is not None:
            result = validation.result()
        else:
            result = export.validate_files(nt_path, staging, lines_of, streamed=False, shapes=shapes)
    files += export.describe_files(catalog, stats, staging, base, ontology=ontology, formats=formats)
    result.triples, result.stats = triples, stats
    result.files = sorted({*result.files, nt_path, *files})
    return result, recorder, composed


def _charts(previous: Previous, nt_path: Path, staging: Path, base: str, *, reuse: bool, store: bool) -> list[Path]:
    """The charts: the previous ones if the graph is the same (each file as the cache noted it), else
    queried anew."""
    noted = [name for name in previous.manifest["files"] if name.startswith(export.CHARTS + "/")]
    if not (reuse and noted):
        return export.write_build_charts(nt_path, staging, base, store=store)
    for name in noted:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(previous.dist / name, staging / name)
    return [staging / export.CHARTS]


def _stop(pool) -> None:
    """Kill the validator (before its second pass can write anything: that reads the whole file)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
        process.join()


def _dumps(previous: Previous, recorder: Recorder, staging: Path, base: str,
           formats: frozenset[str]) -> tuple[list[Path], list[str]]:
    """The dumps besides N-Triples: from the previous ones where they were located, else whole."""
    files: list[Path] = []
    composed: list[str] = []
    plain: list[str] = []
    for name in ("nq", "ttl", "rdfxml", "jsonld"):
        if name not in formats:
            continue
        if name not in previous.manifest.get("located", ()):
            plain.append(name)
            continue
        path = export.dump_path(staging, name)
        try:
            compose(name, path, export.dump_path(previous.dist, name), old=previous.blocks, new=recorder.blocks,
                    fresh=recorder.fresh, known=recorder.known, graph=export.graph_name(base))
        except Fallback as why:
            _say(f"{path.name}: written whole ({why})")
            plain.append(name)
            continue
        composed.append(name)
        files.append(path)
    if "trig" in formats and "ttl" not in composed:
        plain.append("trig")        # after "ttl" if that is written whole: from the Turtle file
    files += export.write_derived(export.dump_path(staging, "nt"), staging, base, plain) if plain else []
    if "trig" in formats and "ttl" in composed:
        trig, ttl = export.dump_path(staging, "trig"), export.dump_path(staging, "ttl")
        files += export.timed_write(trig, lambda out: export.trig_from_turtle_file(ttl, base, out))
    return files, composed


def _store(previous: Previous, nt_path: Path, staging: Path, *, changes: tuple[list[list[str]], list[list[str]]],
           triples: int) -> list[Path]:
    """The query store: the previous one updated (`changes`: the blocks gone, the blocks new), if there
    is one; else loaded whole."""
    removed, added = changes
    old = previous.dist / storedir.STORE
    if storedir.FIGURES in previous.manifest["files"] and old.is_dir():
        try:
            return update_store(old, staging, removed, added, triples=triples, nt_path=nt_path)
        except (Fallback, OSError) as why:
            _say(f"store: loaded whole ({why})")
            shutil.rmtree(staging / storedir.STORE, ignore_errors=True)
    return storedir.write_store(nt_path, staging, triples)
