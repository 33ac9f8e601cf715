"""The `phenkg` command: thin commands, and the only place errors become exit codes.

Exit codes: 0 clean; 1 done, with problems reported (import problems, SHACL violations), or a remote
store failed; 2 unusable input or usage (unreadable or non-UTF-8 list, malformed or missing data/,
bad options, a malformed query). EXITS says it per command; the README's table is checked against
it and against the parser by tests/test_readme.py.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from phenkg import __version__
from phenkg.errors import BadQueryError, DataError, PhenkgError, RemoteError
from phenkg.model import Catalog
from phenkg.vocab import base_iri

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2

# error type -> exit code, most specific first; main() converts by it. Anything else a command
# reports is its return value.
ERROR_EXITS: tuple[tuple[type[PhenkgError], int], ...] = (
    (BadQueryError, EXIT_UNUSABLE),   # a malformed query is bad input, even when the store says so
    (RemoteError, EXIT_PROBLEMS),     # the store is unreachable, refuses, fails or lost data
    (PhenkgError, EXIT_UNUSABLE),     # unusable input, data/ or options
)

# command -> its exit codes and what each means: the README's command table shows exactly these
_DATA = "unusable data/ (missing, malformed) or options"
EXITS: dict[str, tuple[tuple[int, str], ...]] = {
    "import": ((0, "clean"), (1, "imported with problems (each printed as `file:line`)"),
               (2, "unusable input (unreadable, binary, not UTF-8, not a list) or hand-edited curated data in "
                   "`--data` it would change without `--force` (nothing is written on 2)")),
    "render": ((0, "written"), (2, _DATA)),
    "fmt": ((0, "canonical or rewritten"), (1, "not canonical (with `--check`)"), (2, _DATA)),
    "stats": ((0, "counted"), (2, _DATA)),
    "validate": ((0, "no violation (warnings listed)"), (1, "violations"), (2, _DATA)),
    "export": ((0, "written"), (2, _DATA)),
    "charts": ((0, "written"), (2, _DATA)),
    "build": ((0, "conforms"), (1, "violations"), (2, _DATA)),
    "site": ((0, "written; the data conforms"), (1, "written; the data has violations"), (2, _DATA)),
    "serve": ((0, "stopped, or `--get` answered 2xx"), (1, "`--get` answered an error"), (2, _DATA)),
    "query": ((0, "answered"), (1, "remote failure (unreachable, refused, server error)"),
              (2, "bad query (refused locally, or rejected by the store as malformed) or " + _DATA)),
    "diff": ((0, "written"), (2, "OLD or NEW unusable (not a list, a data directory or REPO@COMMIT) or options")),
    "history": ((0, "written"), (2, "not a git clone, no such file in its history, or " + _DATA)),
    "push": ((0, "loaded and checked by counting"),
             (1, "remote failure, nothing reported loaded that is not (a read-only store fails before any "
                 "data is sent)"), (2, _DATA)),
}


def exit_code(error: PhenkgError) -> int:
    return next(code for kind, code in ERROR_EXITS if isinstance(error, kind))


def exits_text(command: str) -> str:
    """The exit codes cell of the README's row for `command`."""
    return "; ".join(f"{code} {meaning}" for code, meaning in EXITS[command])


def default_data_dir() -> Path:
    """$PHENKG_DATA, else ./data (never some other tree's data/: a command must not write where the user
    did not point it)."""
    return Path(os.environ.get("PHENKG_DATA") or "data")


def say(message: str) -> None:
    print(message, file=sys.stderr)


def load(args: argparse.Namespace) -> Catalog:
    from phenkg.store import read_catalog
    check_data_dir(args.data)
    return read_catalog(args.data)


def check_data_dir(data: Path) -> None:
    if not data.is_dir():
        what = "not a folder" if data.exists() else "no such folder"
        raise PhenkgError(f"{what} {data}", hint="pass --data DIR (or set $PHENKG_DATA) to the folder "
                          "`phenkg import LIST.md --data DIR` created; the default is ./data")


# -- import, render, fmt, stats -------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    from phenkg.multilist import merge
    from phenkg.store import PAPERS, REPORT, SOURCE, keep_identifiers, previous_source, read_catalog, write_catalog
    from phenkg.upstream import preview

    paths = [Path(x) for x in args.list]
    given = [name for name in ("repository", "commit", "date") if getattr(args, name)]
    if len(paths) > 1 and given:
        raise PhenkgError(f"--{given[0]} describes one list, and {len(paths)} were given; nothing was written",
                          hint="import the lists, then record each one's provenance in source.yaml (the "
                               "first) and sources.yaml (the others)")
    existing = read_catalog(args.data) if args.add and (args.data / SOURCE).exists() else None
    read = [read_one(path, args.format) for path in paths]
    files = {existing.source.file, *(x.file for x in existing.sources)} if existing else set()
    for raw, catalog in read:       # each list's copy in data/ has its own name
        if existing and any((args.data / f).read_bytes() == raw for f in files if (args.data / f).is_file()):
            raise PhenkgError(f"{args.data} already holds the list {catalog.source.title!r}; nothing was written",
                              hint="import it again without --add to replace it")
        base = catalog.source.file.removesuffix(".md")
        catalog.source.file = next(f"{base}{n or ''}.md" for n in range(len(read) + len(files) + 1)
                                   if f"{base}{n or ''}.md" not in files)
        files.add(catalog.source.file)
    first = read[0][1]
    keep = {} if existing else previous_source(args.data, read[0][0])
    for name in ("repository", "commit", "date"):
        setattr(first.source, name, getattr(args, name) or keep.get(name))
    catalogs = [existing, *(c for _, c in read)] if existing else [c for _, c in read]
    catalog = merge(catalogs) if len(catalogs) > 1 else first
    keep_identifiers(catalog, args.data)  # curated in data/, not in the lists
    edited = None
    if not existing and (args.data / PAPERS).exists():   # say what this import changes in data/, entity by entity
        try:
            changes, edited = preview(catalog, args.data, args.base)
            say(changes.rstrip("\n"))
        except DataError:
            if not args.force:      # a data/ that does not read is only replaced on request
                raise
    if not args.force and not existing:
        refuse_to_overwrite(catalog, args.data, edited)
    added = {c.source.file: raw for raw, c in (read if existing else read[1:])}
    write_catalog(catalog, args.data, None if existing else read[0][0], added)
    return report_import(catalog, args.data / REPORT, str(paths[0]))


def read_one(path: Path, fmt: str | None) -> tuple[bytes, Catalog]:
    """One list's bytes and catalog, its problems folded (importreport.fold_list_wide)."""
    from phenkg.progress import Progress
    from phenkg.versions import import_bytes

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PhenkgError(f"cannot read the list: {exc.strerror}", path=str(path)) from exc
    progress = Progress(f"parsing {path.name}", total=raw.count(b"\n") + 1, unit="lines")
    catalog = import_bytes(raw, str(path), progress=progress, fmt=fmt)
    progress.done(f"{len(catalog.papers):,} papers")
    return raw, catalog


def refuse_to_overwrite(catalog: Catalog, data: Path, edited: list[str] | None = None) -> None:
    """`data/` is curated by hand: an import may recreate it unchanged, or update a data/ that holds no
    hand edit (`edited` empty: phenkg.upstream), but not replace edits silently."""
    from phenkg.store import PAPERS, render_files

    if not (data / PAPERS).exists():
        return
    changed = [name for name, text in render_files(catalog).items()
               if not (data / name).exists() or (data / name).read_text(encoding="utf-8") != text]
    if changed and edited == []:
        say(f"an upstream update: {data} holds no hand edit, so it is updated without --force")
    elif changed:
        by_hand = f"; hand-edited: {', '.join(edited)}" if edited else ""
        raise PhenkgError(f"{data} already holds curated data that this import would replace "
                          f"({', '.join(changed)} would change{by_hand}); nothing was written",
                          hint="pass --force to replace it, or --data DIR to import somewhere else")


def entry_count(catalog: Catalog) -> int:
    """Entries read from the list: each listing of a paper, and each entry not imported for want of a title."""
    rejected = sum(p.severity == "error" and p.code == "no-title" for p in catalog.problems)
    return sum(len(p.listings) for p in catalog.papers) + rejected


def report_import(catalog: Catalog, report_path: Path, where: str | None = None) -> int:
    """Print a summary line, then the problems counted by kind and the first few located in the list as
    given (`where`)."""
    from phenkg.importreport import summary_lines

    where = where or catalog.source.file
    problems = [p for p in catalog.problems if p.severity in ("error", "warning")]
    rejected = sum(p.severity == "error" and p.code == "no-title" for p in catalog.problems)
    say(f"imported {len(catalog.papers):,} papers from {entry_count(catalog):,} entries in {len(catalog.topics)} "
        f"topics ({rejected} not imported); {len(problems)} problem(s) and "
        f"{len(catalog.problems) - len(problems)} note(s) in {report_path}")
    for line in summary_lines(catalog.problems, where, str(report_path)):
        say(line)
    return EXIT_PROBLEMS if problems else EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from phenkg.render import render
    text = render(load(args))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        from phenkg.atomic import write_atomic
        write_atomic(Path(args.output), text)
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from phenkg.atomic import write_atomic
    from phenkg.store import render_files
    catalog = load(args)
    changed = []
    for name, text in render_files(catalog).items():
        path = args.data / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(name)
            if not args.check:
                write_atomic(path, text)
    verb = "would rewrite" if args.check else "rewrote"
    say(f"{verb} {', '.join(changed)}" if changed else f"{args.data} is canonical")
    return EXIT_PROBLEMS if changed and args.check else EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from phenkg.stats import count
    for name, value in count(load(args)).items():
        print(f"{name:<18}{value:>10,}")
    return EXIT_OK


# -- graph, validate, export, build ---------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from phenkg.graph import build_store, source_lines
    from phenkg.validate import validate_store
    catalog = load(args)
    report = validate_store(build_store(catalog, args.base), args.shapes)
    if args.format == "ttl":
        sys.stdout.write(report.to_turtle())
    else:
        sys.stdout.write(report.to_text(source_lines(catalog, args.base), str(args.data)))
    return EXIT_OK if not report.violations else EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    from phenkg.export import export_to
    export_to(load(args), args.format, args.output, base=args.base)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from phenkg.export import chosen_formats
    from phenkg.rebuild import build
    check_resources(args)
    formats = chosen_formats(args.formats)      # before reading data/: a typo fails at once
    result = build(load(args), args.out, base=args.base, shapes=args.shapes, ontology=args.ontology,
                   formats=formats, incremental=not args.clean)
    return EXIT_OK if result.conforms else EXIT_PROBLEMS


def cmd_site(args: argparse.Namespace) -> int:
    from phenkg.serve.site import build_site
    check_resources(args)
    result = build_site(load(args), args.out, args.base, base_url=args.base_url, shapes=args.shapes,
                        ontology=args.ontology, endpoint=args.endpoint)
    rules = result.out / "w3id" / ".htaccess"
    say(f"{result.out}: {result.entities:,} entities, {result.files:,} files"
        + (f"; the w3id.org rules are {rules}" if rules.is_file() else "; pass --base-url for w3id.org rules"))
    return EXIT_OK if result.conforms else EXIT_PROBLEMS

def cmd_charts(args: argparse.Namespace) -> int:
    from phenkg.charts.build import write_charts
    from phenkg.graph import build_store
    write_charts(build_store(load(args), args.base), args.out, args.base)
    return EXIT_OK


# -- diff, history ---------------------------------------------------------------------------------
def cmd_diff(args: argparse.Namespace) -> int:
    from phenkg.changelog import to_json, to_markdown
    from phenkg.diff import diff
    from phenkg.patch import write
    from phenkg.versions import load as load_version

    result = diff(load_version(args.old, args.path), load_version(args.new, args.path), args.base)
    render = {"patch": lambda: write(result.patch), "json": lambda: to_json(result, args.old, args.new),
              "markdown": lambda: to_markdown(result, args.old, args.new)}[args.format]
    write_text(render(), args.output)
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from phenkg.atomic import write_atomic
    from phenkg.history import for_catalog, run
    from phenkg.store import HISTORY, render_history

    catalog = load(args)    # before the walk: a missing data/ fails at once
    result = run(args.repo, args.path, args.base, args.out, catalog.source.repository)
    catalog.history = for_catalog(catalog, result.history)
    write_atomic(args.data / HISTORY, render_history(catalog))
    say(f"{result.commits} commits in {result.seconds:.1f} s; dates for {len(catalog.history)} of "
        f"{len(catalog.papers)} papers in {args.data / HISTORY}; {result.typed:,} of {result.triples:,} changed "
        f"triples in typed changes" + (f"; changelog in {args.out}" if args.out else ""))
    return EXIT_OK


def write_text(text: str, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        from phenkg.atomic import write_atomic
        write_atomic(Path(output), text)


# -- serve, push, query ---------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from phenkg.atomic import recover
    from phenkg.serve import ServeOptions, get_once, serve

    if args.shapes or args.ontology:
        check_resources(args)
    if args.dist is not None:
        recover(args.dist)
    else:
        check_data_dir(args.data)  # a build's swap cut short (only possible without renameat2): a whole set back
    options = ServeOptions(data=args.data, base=args.base, dist=args.dist, host=args.host, port=args.port,
                           timeout=args.timeout, max_rows=args.max_rows, workers=args.workers,
                           max_memory_mb=args.max_memory, public_url=args.public_url,
                           shapes=tuple(args.shapes or ()), ontology=args.ontology)
    if args.get:
        status, body = get_once(options, args.get, args.accept)
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return EXIT_OK if 200 <= status < 300 else EXIT_PROBLEMS
    serve(options)
    return EXIT_OK


def check_resources(args: argparse.Namespace) -> None:
    """Fail before any work (and in this process, not a worker's) if --shapes or --ontology is unusable."""
    from phenkg.ontodoc import ontology_text
    from phenkg.validate import shape_files
    shape_files(args.shapes)
    ontology_text(args.ontology)


def cmd_push(args: argparse.Namespace) -> int:
    from phenkg.progress import Progress
    from phenkg.push import push
    from phenkg.remote import Auth, Endpoints, public, timeout_from

    endpoints = Endpoints.derive(args.endpoint, args.query_endpoint, args.update_endpoint)
    auth = Auth.from_options(args.user, args.password, args.token, scheme=args.auth)
    timeout = timeout_from(args.timeout)
    catalog = load(args)
    progress = Progress(f"pushing to {public(args.endpoint)}", total=len(catalog.papers), unit="papers")
    result = push(catalog, args.base, endpoints, graph=args.graph, replace=args.replace,
                  protocol=args.protocol, batch=args.batch, auth=auth, timeout=timeout, progress=progress)
    progress.done(f"{result.sent:,} triples")
    print(result.summary(args.endpoint, args.replace))
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from phenkg.query import local_answer, read_query, remote_answer, render, with_prefixes
    from phenkg.remote import Auth, Endpoints, timeout_from

    query = with_prefixes(read_query(args.sparql))
    if args.endpoint:
        auth = Auth.from_options(args.user, args.password, args.token, scheme=args.auth)
        answer = remote_answer(Endpoints.derive(args.endpoint).query, query, auth, timeout_from(args.timeout))
    else:
        answer = local_answer(load(args), args.base, query)
    sys.stdout.write(render(answer, args.format))
    return EXIT_OK


USAGE = """phenkg turns a curated Markdown awesome-list of deep-learning papers into a validated linked-data
knowledge graph, and serves, exports or pushes it.

usual first commands:
  phenkg import LIST.md --data data   parse the list into data/ (the curated YAML you edit)
  phenkg validate                     check the graph against the SHACL shapes
  phenkg serve                        browse and query it at http://127.0.0.1:8000/
"""


def grammar_names() -> list[str]:
    from phenkg.grammars import FORMATS
    return list(FORMATS)


def parser() -> argparse.ArgumentParser:
    from phenkg.formats import CITATIONS, CSV, EXPORTS, JSON, TURTLE
    from phenkg.vocab import DEFAULT_BASE

    top = argparse.ArgumentParser(prog="phenkg", description=USAGE,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog="exit codes: 0 clean; 1 problems reported or a remote store failed; "
                                         "2 unusable input or usage (`phenkg COMMAND --help` for each)")
    top.add_argument("--version", action="version", version=f"phenkg {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Callable, help_text: str, data: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text,
                                  epilog=f"exit codes: {exits_text(name)}")
        sub.set_defaults(func=func)
        if data:
            sub.add_argument("--data", type=Path, default=None,
                             help="the data directory (default: $PHENKG_DATA, else ./data)")
            sub.add_argument("--base", default=DEFAULT_BASE,
                             help=f"IRI base, an absolute http(s) IRI; a missing final slash is added "
                                  f"(default {DEFAULT_BASE})")
        return sub

    sub = command("import", cmd_import, "parse an awesome list (Markdown) into data/")
    sub.add_argument("list", nargs="+", help="the list's Markdown file; several lists make one catalog, a paper "
                     "they share one paper with a listing from each")
    sub.add_argument("--repository", help="the upstream repository URL, recorded as provenance")
    sub.add_argument("--commit", help="the upstream commit the list was taken from")
    sub.add_argument("--date", help="the date of that commit (YYYY-MM-DD)")
    sub.add_argument("--force", action="store_true", help="replace curated data in --data that the import would change")
    sub.add_argument("--add", action="store_true", help="add the list(s) to the catalog already in --data, "
                     "as further sources (a paper already there gets a listing from each)")
    sub.add_argument("--format", choices=grammar_names(), help="read every section with this grammar "
                     "(default: detected per section)")
    sub = command("render", cmd_render, "write data/ back as a Markdown list")
    sub.add_argument("-o", "--output", help="output file (default: standard output)")
    sub = command("fmt", cmd_fmt, "rewrite data/ in its canonical form")
    sub.add_argument("--check", action="store_true", help="only report files that are not canonical (exit 1)")
    command("stats", cmd_stats, "print counts of entries, papers, authors, ...")
    sub = command("validate", cmd_validate, "check the graph against the SHACL shapes")
    sub.add_argument("--format", choices=["text", TURTLE.name], default="text")
    add_resource_options(sub, ontology=False)
    sub = command("export", cmd_export, "write the graph in one RDF format, or its papers as citations")
    sub.add_argument("--format", required=True, choices=[*EXPORTS, *CITATIONS])
    sub.add_argument("-o", "--output", default="-", help="output file, '-' for standard output (default)")
    sub = command("build", cmd_build, "graph, validation, every export and the dataset description")
    sub.add_argument("--out", type=Path, default=Path("dist"), help="output directory (default: dist/)")
    sub.add_argument("--formats", metavar="LIST",
                     help="comma-separated dumps to write, of ttl, nt, nq, trig, jsonld, rdfxml, store (the "
                          "query store `serve --dist` opens) and charts; default all; phenkg.nt is always written")
    sub.add_argument("--clean", action="store_true",
                     help="build everything anew instead of reusing the previous build into --out (see "
                          "phenkg.incremental: the cache is under $PHENKG_CACHE)")
    add_resource_options(sub)
    add_site_command(command)


    sub = command("charts", cmd_charts, "every chart, each with its SPARQL query, data, Vega-Lite spec and SVG")
    sub.add_argument("--out", type=Path, default=Path("charts"), help="output directory (default: charts/)")
    sub = command("diff", cmd_diff, "the change from one version of a list to another: RDF Patch or typed changes",
                  data=False)
    sub.add_argument("old", help="a list file, a data directory, or REPO@COMMIT in a local git clone")
    sub.add_argument("new", help="the same kinds as OLD")
    sub.add_argument("--format", choices=["patch", "markdown", "json"], default="markdown")
    sub.add_argument("--path", default="README.md", help="the list file in REPO@COMMIT (default README.md)")
    sub.add_argument("-o", "--output", default="-", help="output file, '-' for standard output (default)")
    sub.add_argument("--base", default=DEFAULT_BASE, help="IRI base (default %(default)s)")
    sub = command("history", cmd_history, "when each paper was first listed and last changed, from the list's git "
                  "history, into data/history.yaml; and a changelog")
    sub.add_argument("repo", type=Path, help="a local git clone of the list's repository")
    sub.add_argument("--path", default="README.md", help="the list file in the repository (default README.md)")
    sub.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="write the changelog here: per commit its changes (Markdown, JSON) and RDF Patch")
    add_remote_commands(command, (JSON.name, CSV.name))
    return top


def add_site_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    sub = command("site", cmd_site, "a static linked-data site of every entity, with w3id.org redirect rules")
    sub.add_argument("--out", type=Path, default=Path("site"), help="output directory (default: site/)")
    sub.add_argument("--base-url", metavar="URL",
                     help="where the site is published, e.g. https://you.github.io/phenkg/ (default: the base)")
    sub.add_argument("--endpoint", metavar="URL",
                     help="a live SPARQL endpoint the query page sends queries to (default: run them in the browser)")
    add_resource_options(sub)


def add_resource_options(sub: argparse.ArgumentParser, ontology: bool = True) -> None:
    """--shapes and --ontology: other files instead of the ones phenkg ships."""
    sub.add_argument("--shapes", metavar="PATH", type=Path, action="append",
                     help="a SHACL shapes file, or a directory of *.ttl files, instead of the shipped shapes "
                          "(repeatable)")
    if ontology:
        sub.add_argument("--ontology", metavar="FILE", type=Path, help="an OWL ontology in Turtle instead of the "
                                                                        "shipped one")


def add_remote_commands(command: Callable[..., argparse.ArgumentParser], results: tuple[str, ...]) -> None:
    """serve, push and query: the commands that talk HTTP; `results`: the result formats `query` prints."""
    sub = command("serve", cmd_serve, "serve the graph: SPARQL endpoint, query page, entity pages")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument("--dist", type=Path, default=None, help="serve a built dist/ instead of data/")
    sub.add_argument("--public-url", metavar="URL", default=None,
                     help="the URL clients reach this server at, for the service description's sd:endpoint "
                          "and the BASE of queries (default http://HOST:PORT/ as bound; never the Host header)")
    sub.add_argument("--timeout", type=float, default=10.0,
                     help="seconds a request may take; past it the answer is 503 and its query evaluator is "
                          "replaced (default 10)")
    sub.add_argument("--max-rows", type=int, default=10000, help="row cap for query results (default 10000)")
    sub.add_argument("--workers", type=int, default=2,
                     help="confined query evaluator processes, each answering one request at a time "
                          "(default 2)")
    sub.add_argument("--max-memory", type=int, default=1024, metavar="MB",
                     help="memory budget of each query evaluator; a request past it is answered 503 and its "
                          "evaluator replaced (default 1024)")
    sub.add_argument("--get", metavar="PATH", help="answer one GET request in-process, print it, exit")
    sub.add_argument("--accept", default="*/*", help="Accept header for --get")
    add_resource_options(sub)
    sub = command("push", cmd_push, "load the graph into an external triple store")
    sub.add_argument("--endpoint", required=True, help="Graph Store Protocol or SPARQL Update endpoint URL")
    sub.add_argument("--graph", help="target named graph IRI (default: the default graph)")
    sub.add_argument("--replace", action="store_true", help="replace the target graph atomically")
    sub.add_argument("--protocol", choices=["auto", "gsp", "update"], default="auto")
    sub.add_argument("--batch", type=int, default=10000, help="triples per INSERT DATA request (--protocol update)")
    sub.add_argument("--query-endpoint", help="SPARQL query URL for the count check (default: derived from --endpoint)")
    sub.add_argument("--update-endpoint",
                     help="SPARQL Update URL for the --replace swap (default: derived from --endpoint)")
    sub.add_argument("--timeout", type=float, help="seconds to wait for each answer (default $PHENKG_TIMEOUT or 300)")
    sub.add_argument("--user", help="user name for HTTP basic auth (password from --password or "
                     "$PHENKG_PASSWORD)")
    sub.add_argument("--password", help="password (prefer $PHENKG_PASSWORD)")
    sub.add_argument("--token", help="bearer token (prefer $PHENKG_TOKEN)")
    sub.add_argument("--auth", choices=["basic", "digest"], default="basic",
                     help="how --user is sent: basic (default), or digest (Virtuoso's -auth endpoints)")
    sub = command("query", cmd_query, "run a SPARQL query on the local graph or a remote endpoint")
    sub.add_argument("sparql", help="the query text, or @FILE to read it from a file")
    sub.add_argument("--endpoint", help="remote SPARQL endpoint (default: the local graph)")
    sub.add_argument("--format", choices=["table", *results], default="table")
    sub.add_argument("--timeout", type=float, help="seconds to wait for the answer (default $PHENKG_TIMEOUT or 300)")
    sub.add_argument("--user")
    sub.add_argument("--password")
    sub.add_argument("--token")
    sub.add_argument("--auth", choices=["basic", "digest"], default="basic")


# one-shot commands build millions of small objects and free them at exit: the cyclic garbage
# collector would rescan them all again and again (measured: reading 200,000 papers 19 s -> 11 s)
BATCH = {"import", "render", "fmt", "stats", "validate", "export", "build", "push", "charts"}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in BATCH:
        gc.disable()
        signal.signal(signal.SIGTERM, terminated)  # so a stopped build removes its staging and children
    if hasattr(args, "data"):
        args.data = args.data if args.data is not None else default_data_dir()
    try:
        if hasattr(args, "base"):
            args.base = base_iri(args.base)  # once: every IRI is minted under the normalised base
        return args.func(args)
    except PhenkgError as exc:
        say(f"phenkg {args.command}: {exc.describe()}")
        return exit_code(exc)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except BaseException:
        # SIGTERM raises SystemExit wherever the build is; a library cut short there may raise another
        # error while unwinding (the clean-up around it has run): the exit code is still SIGTERM's
        if STOPPED.signum:
            return 128 + STOPPED.signum
        raise
    finally:
        gc.enable()


class _Stopped:
    signum = 0          # the signal that stopped a one-shot command, once one has


STOPPED = _Stopped()


def terminated(signum: int, frame: object) -> None:
    STOPPED.signum = signum
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
