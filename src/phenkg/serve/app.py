"""The WSGI application: routing, the SPARQL 1.1 Protocol at /sparql, and the one error shape."""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from phenkg.charts.html import chart_html, charts_folder
from phenkg.errors import PhenkgError
from phenkg.formats import HTML, JSONLD, STATIC, TEXT, media_type
from phenkg.markup import is_web_url
from phenkg.serve import negotiate as nego
from phenkg.serve.browse import PAGES, home_page, list_page
from phenkg.serve.citations import CITED, Citations
from phenkg.serve.documents import DOC_FORMATS, Documents, rdf_response, service_description
from phenkg.serve.files import STATIC_FILES, read_served
from phenkg.serve.guard import check_graphs, check_query
from phenkg.serve.http import HttpError, Response, error_body, error_response
from phenkg.serve.pages import Describer, entity_response, page, void_response
from phenkg.serve.query_page import dataset_script, query_page
from phenkg.serve.results import reorder_columns, star_order
from phenkg.serve.worker import Job
from phenkg.sparql import decode_escapes, memo_short_texts
from phenkg.vocab import DEFAULT_BASE, KINDS, Iris, base_iri

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
DRAIN_LIMIT = 16_000_000          # bytes of an oversized body read and dropped before the 413


@dataclass
class Settings:
    base: str = DEFAULT_BASE
    max_rows: int = 10000
    max_body: int = 1_000_000         # bytes of a POST body
    graphs: frozenset[str] = field(default_factory=frozenset)   # named graphs the store holds
    dist: Path | None = None          # a built dist/ whose files are served at /dist/{name}
    shapes: tuple[Path, ...] = ()     # shapes files or folders served at /shapes (default: the shipped ones)
    ontology: Path | None = None      # the ontology served at /ontology (default: the shipped one)
    public_url: str | None = None     # where clients reach this server; None: the base (the IRIs' home)
    triples: int | None = None        # the store's size, when known (a build's figures): no scan at start

    def __post_init__(self) -> None:
        self.base = base_iri(self.base)
        if self.public_url is not None and not public_url_ok(self.public_url):
            raise PhenkgError(f"the public URL {self.public_url!r} is not an http(s) URL",
                              hint="pass --public-url like https://example.org/phenkg/")

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint's URL: the sd:endpoint, and the BASE of queries. Never from a request's
        Host header, which a client chooses."""
        return Iris(self.public_url or self.base).sparql


def public_url_ok(url: str) -> bool:
    """An absolute http(s) URL that is also a valid IRI (it is written into RDF as one)."""
    from pyoxigraph import NamedNode

    if not is_web_url(url):
        return False
    try:
        NamedNode(url)
        base_iri(url)
    except (ValueError, PhenkgError):
        return False
    return True


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    environ: dict

    @property
    def accept(self) -> str | None:
        return self.environ.get("HTTP_ACCEPT")

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def content_type(self) -> tuple[str, dict[str, str]]:
        raw = self.environ.get("CONTENT_TYPE", "")
        media, *rest = (x.strip() for x in raw.split(";"))
        options = {k.strip().lower(): v.strip().strip('"') for k, _, v in (x.partition("=") for x in rest)}
        return media.lower(), options

    def body(self, limit: int) -> bytes:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise HttpError(400, "Content-Length is not a number") from None
        if length > limit:
            # read (a bounded part of) the body first, so the client sees the answer, not a reset
            stream, left = self.environ["wsgi.input"], min(length, DRAIN_LIMIT)
            while left > 0 and (chunk := stream.read(min(left, 65536))):
                left -= len(chunk)
            raise HttpError(413, f"the request body has {length:,} bytes; the limit is {limit:,}")
        return self.environ["wsgi.input"].read(length) if length else b""


@memo_short_texts
def _parsed_query_string(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((k, tuple(v)) for k, v in parse_qs(text, keep_blank_values=True).items())


def query_params(text: str) -> dict[str, list[str]]:
    """The parameters of a query string (a fresh dict: callers may add to it)."""
    return {key: list(values) for key, values in _parsed_query_string(text)}


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"the {what} is not valid UTF-8 (byte {exc.start})") from None


class App:
    """Routes requests; queries go to `executor.run(Job)`, pages read `describer`."""

    def __init__(self, executor, settings: Settings, store, documents: Documents, *, guard: bool = True) -> None:
        self.executor, self.settings, self.store, self.documents = executor, settings, store, documents
        self.guard = guard          # False only in the tests that show the sandbox holds without it
        charts = charts_folder(settings.dist)
        self.describer = Describer(store, settings.base, charts)
        self.described = Describer(documents.void_store(), settings.base)   # the dataset's description
        self.citations = Citations(store, settings.base, settings.dist)
        self.dataset = _dataset(settings.dist)
        self.home = (self.dataset, chart_html("home", None, charts, "/query"))   # the home page's charts
        self.index = query_page(settings.base, self.dataset)
        self.triples = settings.triples if settings.triples is not None else len(store)

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            response = self.route(method, environ)
        except HttpError as exc:
            response = error_response(exc)
        except MemoryError:
            raise                   # the evaluator reports it and is replaced: its state is not to be trusted
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = Response(500, error_body(500, "internal error; see the server log"),
                                "application/json")
        start_response(response.status_line(), response.header_list())
        return [b""] if method == "HEAD" else [response.body]

    def route(self, method: str, environ: dict) -> Response:
        path = environ.get("PATH_INFO") or "/"
        request = Request(method, path, query_params(environ.get("QUERY_STRING", "")), environ)
        if method == "OPTIONS":
            return Response(204, b"", TEXT.media_type, [
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Accept, Content-Type"), ("Access-Control-Max-Age", "600")])
        if path in ("/sparql", "/sparql/"):
            return self.sparql(request)
        if method not in ("GET", "HEAD"):
            raise HttpError(405, f"{method} is not allowed on {path}; use GET",
                            headers=[("Allow", "GET, HEAD, OPTIONS")])
        fmt = request.param("format")
        head, _, rest = path.lstrip("/").partition("/")
        if path == "/":
            asked = request.param("query")      # a chart's "run it" link: the query page holds its query
            if asked is not None:
                return Response(200, query_page(self.settings.base, self.dataset, "", asked), HTML.media_type)
            return Response(200, home_page(self.describer, *self.home), HTML.media_type)
        if path == "/query":
            asked = request.param("query")
            body = self.index if asked is None else query_page(self.settings.base, self.dataset, "", asked)
            return Response(200, body, HTML.media_type)
        if head in PAGES and not rest:
            return Response(200, list_page(self.describer, head), HTML.media_type)
        if path == "/favicon.ico":
            return self.static("favicon.ico")
        if head.partition(".")[0] in ("void", "dataset"):
            return void_response(self.described, self.documents.void, path, request.accept, fmt,
                                 head=dataset_script(self.dataset))
        if path == "/graph":                     # the named graph the quad dumps hold: the dataset
            return Response(303, b"", TEXT.media_type, [("Location", "/void"), ("Vary", "Accept")])
        if head == "static" and rest:
            return self.static(rest)
        if head in KINDS and rest:
            if head in CITED and (cited := self.citations.response(path, request.accept, fmt)) is not None:
                return cited
            return entity_response(self.describer, path, request.accept, fmt)
        if head == "dist" and rest:
            return self.download(rest)
        if self.documents.is_ontology_path(path):
            return self.documents.ontology_response(request.accept, fmt)
        if path == "/shapes":
            return rdf_response(self.documents.shapes, request.accept, fmt, title="SHACL shapes",
                                url=self.describer.iris.at_path(path))
        if path == "/CITATION.cff":
            return self.citations.cff()
        if path == "/context.jsonld":
            return Response(200, self.documents.context, JSONLD.media_type)
        raise HttpError(404, f"no page at {path}; see / for the query page and /sparql for the endpoint")

    def download(self, name: str) -> Response:
        """A file of the built dataset (the dumps VoID and DCAT point to), from `serve --dist DIR`."""
        if self.settings.dist is None:
            raise HttpError(404, "no downloads here: run `phenkg build`, then `phenkg serve --dist dist/`")
        body = read_served(self.settings.dist, name)
        if body is None:
            raise HttpError(404, f"no file {name} in the built dataset")
        return Response(200, body, media_type(name))

    def static(self, name: str) -> Response:
        body = read_served(STATIC_FILES, name)
        if body is None:
            raise HttpError(404, f"no static file {name}")
        return Response(200, body, media_type(name, STATIC), [("Cache-Control", "max-age=300")])

    # -- SPARQL 1.1 Protocol ----------------------------------------------------------------------
    def sparql(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            raise HttpError(405, f"{request.method} is not a SPARQL Protocol method; use GET or POST",
                            headers=[("Allow", "GET, HEAD, POST, OPTIONS")])
        params = dict(request.params)
        query_text = None
        if request.method == "POST":
            media, options = request.content_type()
            if media == UPDATE_TYPE:
                raise HttpError(403, "this endpoint is read-only: SPARQL Update requests are refused")
            if media not in (FORM, QUERY_TYPE):
                raise HttpError(415, f"POST needs Content-Type {FORM} or {QUERY_TYPE}"
                                + (f", not {media}" if media else ""))
            charset = options.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise HttpError(415, f"the request charset must be UTF-8, not {charset}")
            body = request.body(self.settings.max_body)
            if media == FORM:
                for key, values in parse_qs(_decode(body, "form body"), keep_blank_values=True).items():
                    params.setdefault(key, []).extend(values)
            else:
                if "query" in params:
                    raise HttpError(400, "give the query either in the body or as ?query=, not both")
                query_text = _decode(body, "query")
        if "update" in params:
            raise HttpError(403, "this endpoint is read-only: SPARQL Update requests are refused")
        queries = params.get("query", [])
        if len(queries) > 1:
            raise HttpError(400, f"exactly one query parameter is allowed; got {len(queries)}")
        if queries:
            query_text = queries[0]
        if query_text is None:
            if request.method == "POST":
                raise HttpError(400, "missing the query (form field 'query', or an application/sparql-query "
                                "body)")
            return self.service_description(request)
        return self.run_query(query_text, params, request)

    def run_query(self, text: str, params: dict[str, list[str]], request: Request) -> Response:
        if not text.strip():
            raise HttpError(400, "the query is empty")
        text = decode_escapes(text)         # the guard and the engine read the same text
        checked = check_query(text, self.guard)
        available = self.settings.graphs
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        check_graphs(default_graphs, available, "default-graph-uri")
        check_graphs(named_graphs, available, "named-graph-uri")
        check_graphs(checked.default_graphs, available, "FROM")
        check_graphs(checked.named_graphs, available, "FROM NAMED")
        if not default_graphs and not named_graphs:     # the protocol's parameters override FROM
            default_graphs = [g.strip("<>") for g in checked.default_graphs]
            named_graphs = [g.strip("<>") for g in checked.named_graphs]
        offers = nego.RESULTS if checked.form in ("select", "ask") else nego.GRAPH
        chosen = nego.negotiate(offers, request.accept, request.param("format") or request.param("output"))
        job = Job(text, checked.form, chosen.name, self.settings.max_rows, default_graphs, named_graphs,
                  self.settings.endpoint)
        outcome = self.executor.run(job)
        if checked.form == "select" and (order := star_order(text)):
            outcome.body = reorder_columns(outcome.body, chosen.name, order)
        headers = [("Vary", "Accept"), ("Cache-Control", "no-store"),
                   ("Access-Control-Expose-Headers", "X-Result-Truncated")]
        if outcome.truncated:
            headers.append(("X-Result-Truncated", f"true; the result was cut at {self.settings.max_rows} "
                                                  "rows (the row cap); add a LIMIT or narrow the query"))
        return Response(200, outcome.body, chosen.media_type, headers)

    def service_description(self, request: Request) -> Response:
        """GET /sparql without a query: the service description, or for a browser the query page (when
        text/html ranks above every RDF type offered: RDF clients list text/html too, at a low q)."""
        fmt = request.param("format")
        chosen = nego.negotiate((*DOC_FORMATS, HTML), request.accept, fmt)
        if chosen is HTML:
            return Response(303, b"", TEXT.media_type, [("Location", "/query"), ("Vary", "Accept")])
        triples = service_description(self.settings.endpoint, self.triples)
        return rdf_response(triples, None, chosen.name)


def _dataset(dist: Path | None) -> dict | None:
    """A build's schema.org Dataset (dist/dataset.jsonld), or None without a build."""
    if dist is None or not (dist / "dataset.jsonld").is_file():
        return None
    return json.loads((dist / "dataset.jsonld").read_text(encoding="utf-8"))


def create_app(executor, settings: Settings, store, documents: Documents | None = None, *,
               guard: bool = True) -> App:
    """The WSGI app over an executor (runs query Jobs) and a read-only store (for pages)."""
    if documents is None:
        from phenkg.serve.documents import load_documents
        documents = load_documents(store, settings.base, settings.shapes or None, settings.ontology,
                                   settings.dist)
    return App(executor, settings, store, documents, guard=guard)


__all__ = ["App", "Settings", "create_app", "page"]
