"""Talking to an external triple store: endpoint URLs, credentials, HTTP and SPARQL requests.

Every failure becomes a `RemoteError` that names the endpoint (without credentials) and says what to
do. Graph Store Protocol uploads go through `http.client` so the body can be streamed in chunks
(chunked transfer encoding: memory stays bounded whatever the graph's size); SPARQL queries and
updates go through SPARQLWrapper.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from phenkg.errors import PhenkgError, RemoteError

DEFAULT_TIMEOUT = 300.0
N_TRIPLES = "application/n-triples"

# last path segment of a Graph Store or update URL -> (query segment, update segment), per store:
# Oxigraph /store /update /query; Fuseki /DS/data /DS/update /DS/query;
# Virtuoso /sparql-graph-crud[-auth] (GSP) and /sparql[-auth] (query and update).
SIBLINGS = {
    "store": ("query", "update"),
    "data": ("query", "update"),
    "update": ("query", "update"),
    "sparql-graph-crud": ("sparql", "sparql"),
    "sparql-graph-crud-auth": ("sparql-auth", "sparql-auth"),
}


def public(url: str) -> str:
    """The URL without any user:password@ part, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def sibling(url: str, segment: str) -> str:
    parts = urlsplit(url)
    head, _, _ = parts.path.rstrip("/").rpartition("/")
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/{segment}", "", ""))


@dataclass
class Endpoints:
    """Where to send what: the URL given to --endpoint and the query/update URLs derived from it."""

    given: str
    query: str
    update: str

    @classmethod
    def derive(cls, url: str, query: str | None = None, update: str | None = None) -> Endpoints:
        """Query and update URLs from a GSP or update URL by the SIBLINGS table, else the URL itself
        (Fuseki's dataset URL and Virtuoso's /sparql take queries and updates at one address)."""
        if not urlsplit(url).scheme.startswith("http") or not urlsplit(url).hostname:
            raise PhenkgError(f"not an http(s) URL: {public(url)!r}", hint="e.g. http://127.0.0.1:7878/store")
        last = urlsplit(url).path.rstrip("/").rpartition("/")[2]
        q, u = SIBLINGS.get(last, (None, None))
        return cls(url, query or (sibling(url, q) if q else url), update or (sibling(url, u) if u else url))


@dataclass
class Auth:
    """HTTP credentials; `repr` and messages never show the secret."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args) -> Auth:
        password = getattr(args, "password", None) or os.environ.get("PHENKG_PASSWORD")
        token = getattr(args, "token", None) or os.environ.get("PHENKG_TOKEN")
        user = getattr(args, "user", None)
        if user and password is None:
            raise PhenkgError(f"--user {user} was given without a password",
                              hint="set $PHENKG_PASSWORD (or pass --password)")
        return cls(user, password, token)

    def headers(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.user is not None:
            raw = f"{self.user}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        return {}

    def describe(self) -> str:
        if self.token:
            return "a bearer token"
        return f"user {self.user!r}" if self.user else "no credentials"


def http_failure(url: str, status: int, body: str, auth: Auth, doing: str) -> RemoteError:
    """A RemoteError for an HTTP error status, with what to do about it."""
    where = public(url)
    detail = " ".join(body.split())[:300]
    detail = f": {detail}" if detail else ""
    if status == 401:
        return RemoteError(f"{where} refused the credentials while {doing} "
                           f"(HTTP 401, sent {auth.describe()})",
                           hint="pass --user NAME with $PHENKG_PASSWORD, or $PHENKG_TOKEN, of an account "
                                "with write access")
    if status == 403:
        return RemoteError(f"{where} forbids {doing} (HTTP 403, sent {auth.describe()})",
                           hint="the account needs write permission on this store, or use its authenticated "
                                "endpoint (see docs/triple-stores.md)")
    if status == 404:
        return RemoteError(f"{where} does not exist (HTTP 404) while {doing}{detail}",
                           hint="check the endpoint path: Oxigraph /store or /update, Fuseki /DATASET/data "
                                "or /DATASET/update (docs/triple-stores.md)")
    if status == 413:
        return RemoteError(f"{where} refused a request body as too large (HTTP 413) while {doing}",
                           hint="use --protocol update with a smaller --batch, or raise the store's limit")
    kind = "server error" if status >= 500 else "refused the request"
    return RemoteError(f"{where} {kind} (HTTP {status}) while {doing}{detail}",
                       hint="see the store's log; the graph is not reported as loaded")


def connection_failure(url: str, exc: BaseException, doing: str, timeout: float) -> RemoteError:
    where = public(url)
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError | socket.timeout):
        return RemoteError(f"no answer from {where} within {timeout:g} s while {doing}",
                           hint="the store may be overloaded or still working; raise $PHENKG_TIMEOUT, then "
                                "check the graph before trusting it")
    if isinstance(reason, ConnectionRefusedError):
        return RemoteError(f"cannot connect to {where}: connection refused while {doing}",
                           hint="is the triple store running at that address? "
                                "(e.g. oxigraph serve --location DIR --bind 127.0.0.1:7878)")
    if isinstance(reason, socket.gaierror):
        return RemoteError(f"cannot resolve the host of {where} while {doing}", hint="check the endpoint URL")
    text = str(reason) or type(reason).__name__
    return RemoteError(f"connection to {where} failed while {doing}: {text}",
                       hint="the store closed the connection or went away; check that it runs, and its log")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return cls(parts.hostname, parts.port, timeout=timeout), target


def request(method: str, url: str, *, auth: Auth, doing: str, timeout: float,
            body: bytes | Iterable[bytes] | None = None, headers: dict[str, str] | None = None) -> Response:
    """One HTTP request. A body that is an iterable of byte chunks is sent with chunked encoding.

    Connection failures and timeouts raise RemoteError; HTTP error statuses are returned, not raised.
    When the server answers (say 401 or 500) and closes before taking the whole body, its answer is
    returned rather than the broken pipe.
    """
    conn, target = _connection(url, timeout)
    all_headers = {**auth.headers(), **(headers or {})}
    try:
        try:
            conn.request(method, target, body=body, headers=all_headers,
                         encode_chunked=body is not None and not isinstance(body, bytes))
        except (BrokenPipeError, ConnectionResetError) as exc:
            try:  # the server may have answered early (401, 413, 500) and closed
                answer = conn.getresponse()
            except (OSError, http.client.HTTPException):
                raise connection_failure(url, exc, doing, timeout) from exc
            text = answer.read().decode(errors="replace")
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, text)
        answer = conn.getresponse()
        text = answer.read().decode(errors="replace")
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, text)
    except RemoteError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise connection_failure(url, exc, doing, timeout) from exc
    finally:
        conn.close()


def graph_url(gsp: str, graph: str | None) -> str:
    """The Graph Store Protocol address of a graph: indirect identification (?graph= or ?default)."""
    sep = "&" if urlsplit(gsp).query else "?"
    return f"{gsp}{sep}graph={quote(graph, safe='')}" if graph else f"{gsp}{sep}default"


def probe_gsp(url: str, auth: Auth, timeout: float) -> bool:
    """Does `url` speak the Graph Store Protocol? HEAD on its default graph: a 2xx answer that is not an
    HTML page says yes (Oxigraph, Fuseki); 401/403 is a credentials failure; anything else says no."""
    answer = request("HEAD", graph_url(url, None), auth=auth, doing="probing for the Graph Store Protocol",
                     timeout=timeout)
    if answer.status in (401, 403):
        raise http_failure(url, answer.status, answer.body, auth, "probing for the Graph Store Protocol")
    html = "text/html" in answer.headers.get("content-type", "")
    return 200 <= answer.status < 300 and not html


def gsp_send(url: str, graph: str | None, chunks: Iterable[bytes], *, replace: bool, auth: Auth,
             timeout: float) -> None:
    """Stream N-Triples to a graph: PUT replaces the graph, POST adds to it."""
    method = "PUT" if replace else "POST"
    target = graph_url(url, graph)
    doing = f"uploading to graph {graph or 'DEFAULT'}"
    answer = request(method, target, auth=auth, doing=doing, timeout=timeout, body=chunks,
                     headers={"Content-Type": N_TRIPLES})
    if not 200 <= answer.status < 300:
        raise http_failure(url, answer.status, answer.body, auth, doing)


# -- SPARQL through SPARQLWrapper -------------------------------------------------------------------
def _wrapper(url: str, auth: Auth, timeout: float, update: bool = False):
    from SPARQLWrapper import BASIC, POST, POSTDIRECTLY, SPARQLWrapper

    sw = SPARQLWrapper(url, updateEndpoint=url if update else None)
    sw.setTimeout(int(max(1, timeout)))
    if auth.token:
        sw.addCustomHttpHeader("Authorization", f"Bearer {auth.token}")
    elif auth.user is not None:
        sw.setHTTPAuth(BASIC)
        sw.setCredentials(auth.user, auth.password or "")
    if update:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    return sw


def _run(sw, url: str, auth: Auth, doing: str, timeout: float):
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    try:
        return sw.query()
    except urllib.error.HTTPError as exc:
        raise http_failure(url, exc.code, exc.read().decode(errors="replace"), auth, doing) from exc
    except SPARQLWrapperException as exc:
        status = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
                  "EndPointInternalError": 500}.get(type(exc).__name__, 500)
        body = exc.args[0] if exc.args else ""
        body = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
        body = body.split("Response:\n", 1)[-1]
        raise http_failure(url, status, body, auth, doing) from exc
    except (OSError, http.client.HTTPException, urllib.error.URLError) as exc:
        raise connection_failure(url, exc, doing, timeout) from exc


def sparql_update(url: str, text: str, *, auth: Auth, timeout: float, doing: str) -> None:
    sw = _wrapper(url, auth, timeout, update=True)
    # SPARQLWrapper finds the request's type with regular expressions over the whole text, which takes
    # 0.2 s for a batch of 10,000 triples; the type is in the first words, so parse only those.
    sw.setQuery(text[:200])
    sw.queryString = text
    _run(sw, url, auth, doing, timeout).response.read()


def sparql_json(url: str, query: str, *, auth: Auth, timeout: float, doing: str = "querying") -> dict:
    """A SELECT or ASK query's answer in the SPARQL 1.1 JSON results format."""
    from SPARQLWrapper import JSON

    sw = _wrapper(url, auth, timeout)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    raw = _run(sw, url, auth, doing, timeout).response.read()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise RemoteError(f"{public(url)} did not answer with SPARQL JSON results while {doing}",
                          hint="is this the store's query endpoint?") from exc


def sparql_graph(url: str, query: str, *, auth: Auth, timeout: float) -> bytes:
    """A CONSTRUCT or DESCRIBE query's answer as N-Triples."""
    sw = _wrapper(url, auth, timeout)
    sw.setQuery(query)
    sw.setOnlyConneg(True)
    sw.addCustomHttpHeader("Accept", N_TRIPLES)
    return _run(sw, url, auth, "querying", timeout).response.read()


def query_type(query: str) -> str:
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper("http://localhost/")
    sw.setQuery(query)
    return sw.queryType


def count_triples(url: str, graph: str | None, *, auth: Auth, timeout: float) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    answer = sparql_json(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", auth=auth, timeout=timeout,
                         doing=f"counting the triples of graph {graph or 'DEFAULT'}")
    try:
        return int(answer["results"]["bindings"][0]["n"]["value"])
    except (KeyError, IndexError, ValueError) as exc:
        raise RemoteError(f"{public(url)} gave no count for graph {graph or 'DEFAULT'}") from exc

