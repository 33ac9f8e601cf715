"""pySHACL wrapper: a data graph and the shapes in `shapes/` -> a `Report` object. Never prints or exits.

The shapes are the ones phenkg ships (`shapes/*.ttl` at the top of the repository, packaged by
`phenkg.resources`); pass `shapes_dir` (a file or directory, or a list of them: the CLI's `--shapes`) to
use others. Validation runs without inference: the data graph carries its own types.

A report conforms when it has no result of severity Violation; warnings (the data-quality checks in
`shapes/phenkg-quality.ttl`) do not break conformance.

`validate_store` (a pyoxigraph store) and `validate_ntriples` (an N-Triples file, streamed) give the same
reports as `validate` with the compiled engines of `phenkg.fastshacl`, many times faster.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from phenkg.errors import PhenkgError
from phenkg.validation_result import Result, result_order

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ShapesError(PhenkgError):
    """The shapes cannot be loaded: a missing directory or a Turtle file that does not parse."""


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    graph: Graph = field(repr=False)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def infos(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Info"]

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_text(self, lines_of: Callable[[str], str | None] | None = None, data_dir: str | None = None) -> str:
        """A readable report grouped by source shape: each result names the entry, where it comes
        from if `lines_of(iri)` knows (for the focus node, else for the value), and the message. The
        shapes' hints name `data/*.yaml`; with `data_dir`, they name the files there instead (for the
        console: dist/validation.txt keeps the shapes' words, so the same data builds the same bytes)."""
        if not self.results:
            return "conforms: no violations, no warnings\n"
        counts = f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        if self.infos:
            counts += f", {len(self.infos)} note(s)"
        out = [f"{'conforms' if self.conforms else 'does not conform'}: {counts}"]
        by_shape: dict[str, list[Result]] = {}
        for result in self.results:
            by_shape.setdefault(result.source_shape, []).append(result)
        for shape in sorted(by_shape):
            group = by_shape[shape]
            out.append(f"\n{shape or '(unnamed shape)'} ({len(group)})")
            for r in group:
                out.append(f"  {r.severity}: {r.focus}")
                where = _where(lines_of, r.focus) or _where(lines_of, r.value)
                if where:
                    out.append(f"    at: {where}")
                for other in _mentioned(r.message, {r.focus, r.value}):
                    if found := _where(lines_of, other):
                        out.append(f"    {other.rsplit('/', 1)[-1]} at: {found}")
                if r.path:
                    out.append(f"    path: {r.path}")
                if r.value and r.value != r.focus:
                    out.append(f"    value: {r.value}")
                out.append(f"    {in_data_dir(r.message, data_dir)}")
        return "\n".join(out) + "\n"


def in_data_dir(message: str, data_dir: str | None) -> str:
    """A shape's hint with its `data/NAME.yaml` pointing into `data_dir` (where the user's data is)."""
    if not data_dir or Path(data_dir) == Path("data"):
        return message
    return _DATA_FILE.sub(lambda m: str(Path(data_dir) / m[1]), message)


_DATA_FILE = re.compile(r"(?<![\w/.-])data/([\w.-]+\.yaml)")
def _mentioned(message: str, known: set[str]) -> list[str]:
    """The IRIs a grouped warning's message names besides its focus node and value, in order."""
    found = (m.rstrip(".,;:)") for m in re.findall(r"https?://[^\s|()]+", message))
    return list(dict.fromkeys(iri for iri in found if iri not in known))


def _where(lines_of: Callable[[str], str | None] | None, iri: str) -> str | None:
    return lines_of(iri) if lines_of is not None and iri else None


def default_shapes_dir() -> Path:
    """The folder of the shapes phenkg ships (see `phenkg.resources`); in a checkout, the top-level
    `shapes/` that the package's link points to, so messages name the file a curator edits."""
    from phenkg.resources import SHAPES, packaged
    return Path(str(packaged(SHAPES))).resolve()


ShapesPaths = Path | str | Sequence[Path | str] | None


def shape_files(paths: ShapesPaths = None) -> list:
    """The shapes files: each given path (a Turtle file, or a directory's `*.ttl` in name order), in the
    order given; without paths, the shipped shapes."""
    from phenkg import resources

    if paths is None or (not isinstance(paths, (str, Path)) and not paths):
        files = resources.shapes_files()
        if not files:
            raise ShapesError("no shapes (*.ttl) found", path=str(resources.packaged(resources.SHAPES)),
                              hint="this installation lacks its shapes: reinstall phenkg, or pass --shapes PATH")
        return files
    files = []
    for path in map(Path, [paths] if isinstance(paths, (str, Path)) else paths):
        if path.is_dir():
            found = sorted(path.glob("*.ttl"))
            if not found:
                raise ShapesError("no shapes (*.ttl) found", path=str(path),
                                  hint="pass --shapes a directory holding *.ttl files, or a Turtle file")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ShapesError("no such file or directory", path=str(path),
                              hint="pass --shapes an existing Turtle file or directory of *.ttl files")
    return files


def load_shapes(shapes_dir: ShapesPaths = None) -> Graph:
    """Every shapes file (`shape_files`) in one graph."""
    graph = Graph()
    for file in shape_files(shapes_dir):
        try:
            graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
        except Exception as error:  # rdflib raises several unrelated types for bad Turtle
            raise ShapesError(f"shapes file does not parse: {error}", path=str(file)) from error
    return graph


def _shape_iri(shapes: Graph, shape: Node | None) -> str:
    """The IRI of a result's source shape; for a blank property shape, the node shape that has it."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        shape = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape)
    return str(shape) if isinstance(shape, URIRef) else ""


def _path_text(report: Graph, path: Node | None) -> str:
    if path is None:
        return ""
    if isinstance(path, BNode) and (inverse := report.value(path, SH.inversePath)) is not None:
        return f"^{inverse}"
    return str(path)


def _results(report: Graph, shapes: Graph) -> list[Result]:
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal))
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        component = str(report.value(node, SH.sourceConstraintComponent) or "")
        results.append(Result(
            severity=SEVERITIES.get(severity, "Violation") if isinstance(severity, URIRef) else "Violation",
            focus=str(report.value(node, SH.focusNode) or ""),
            path=_path_text(report, report.value(node, SH.resultPath)),
            value="" if value is None else str(value),
            message=" / ".join(messages),
            source_shape=_shape_iri(shapes, report.value(node, SH.sourceShape)),
            component=component.rsplit("#", 1)[-1],
        ))
    results.sort(key=result_order)
    return results


def validate(data_graph: Graph, shapes_dir: ShapesPaths = None, shapes: Graph | None = None) -> Report:
    """Validate `data_graph` against the shapes in `shapes_dir` (default: the shipped shapes),
    or against an already loaded `shapes` graph."""
    import pyshacl

    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)
    _, report_graph, _ = pyshacl.validate(
        data_graph, shacl_graph=shapes_graph, inference="none", advanced=False,
        allow_warnings=True, abort_on_first=False, meta_shacl=False,
    )
    results = _results(report_graph, shapes_graph)
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=report_graph)


def report_graph(results: list[Result]) -> Graph:
    """A SHACL validation report graph for results found without pySHACL."""
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode("report")
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not any(r.severity == "Violation" for r in results))))
    severities = {name: iri for iri, name in SEVERITIES.items()}
    for n, r in enumerate(results):
        node = BNode(f"r{n}")
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, severities[r.severity]))
        graph.add((node, SH.focusNode, URIRef(r.focus)))
        graph.add((node, SH.sourceShape, URIRef(r.source_shape)))
        graph.add((node, SH.sourceConstraintComponent, SH[r.component]))
        graph.add((node, SH.resultMessage, Literal(r.message)))
        if r.path.startswith("^"):
            path = BNode(f"p{n}")
            graph.add((node, SH.resultPath, path))
            graph.add((path, SH.inversePath, URIRef(r.path[1:])))
        elif r.path:
            graph.add((node, SH.resultPath, URIRef(r.path)))
        if r.value:
            graph.add((node, SH.value, URIRef(r.value) if "://" in r.value and " " not in r.value
                       else Literal(r.value)))
    return graph


def validate_store(store, shapes_dir: ShapesPaths = None, shapes: Graph | None = None) -> Report:
    """Validate a pyoxigraph store: shapes compiled to SPARQL (phenkg.fastshacl), the same results as
    pySHACL many times faster; shapes the compiler does not cover fall back to pySHACL itself."""
    import pyoxigraph

    from phenkg.fastshacl import Unsupported
    from phenkg.fastshacl import validate_store as compiled

    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)
    try:
        results = compiled(store, shapes_graph)
    except Unsupported:
        data = Graph().parse(data=store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
        return validate(data, shapes=shapes_graph)
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=report_graph(results))


def validate_ntriples(path: Path, shapes_dir: ShapesPaths = None, shapes: Graph | None = None,
                      first_pass: Iterable[str] | None = None) -> Report:
    """Validate an N-Triples file whose lines are grouped by subject (a sorted file is), streaming it
    twice instead of loading it (phenkg.fastshacl.validate_lines): the same results as `validate_store`
    with a fraction of its memory. Input it cannot stream (lines not grouped, rdfs:subClassOf triples,
    unusual shapes) is loaded into a pyoxigraph store and validated by `validate_store` instead.
    `first_pass`, if given, is the file's lines from elsewhere (the build sends them while it writes
    the file), read instead of the file by the first pass."""
    import pyoxigraph

    from phenkg.fastshacl import Unsupported, validate_lines

    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)

    sources = [first_pass] if first_pass is not None else []

    def lines():
        return sources.pop() if sources else open(path, encoding="utf-8", newline="\n", buffering=1 << 22)

    try:
        results = validate_lines(lines, shapes_graph)
    except Unsupported as error:
        logging.getLogger(__name__).info("%s: not streamed (%s); loading it into a store", path, error)
        for _ in first_pass or ():  # read what is left of it: the file is whole once it ends
            pass
        store = pyoxigraph.Store()
        store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
        return validate_store(store, shapes=shapes_graph)
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=report_graph(results))
