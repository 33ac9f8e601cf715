"""Talking to an external triple store: endpoint URLs, credentials, HTTP and SPARQL requests.

Every failure becomes a `RemoteError` (or `BadQueryError`, a query the store rejected as malformed)
that names the endpoint (without credentials), gives the HTTP status and what the server said, and
says what to do. There is one HTTP client, `request` on `http.client`: Graph Store Protocol uploads
stream their body in chunks (memory stays bounded whatever the graph's size), and SPARQL queries and
updates are built by SPARQLWrapper and sent through it too. Every request has a timeout.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from phenkg.digest import Digest
from phenkg.errors import BadQueryError, PhenkgError, RemoteError
from phenkg.formats import HTML, NTRIPLES

if TYPE_CHECKING:
    from urllib.request import Request

DEFAULT_TIMEOUT = 300.0
N_TRIPLES = NTRIPLES.media_type

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


def timeout_from(value: float | str | None, environ: Mapping[str, str] = os.environ) -> float:
    """Seconds to wait for any one answer: `value` (--timeout), else $PHENKG_TIMEOUT, else 300."""
    value = value or environ.get("PHENKG_TIMEOUT") or DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError as exc:
        raise PhenkgError(f"timeout is not a number of seconds: {value!r}") from exc
    if not seconds > 0:
        raise PhenkgError(f"timeout must be more than 0 seconds, not {value!r}")
    return seconds


AUTH_SCHEMES = ("basic", "digest")


@dataclass
class Auth:
    """HTTP credentials; `repr` and messages never show the secret. `scheme` says how a user and
    password are sent: Basic, or Digest (Virtuoso's authenticated endpoints; see digest.py)."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    scheme: str = "basic"
    digest: Digest | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.scheme not in AUTH_SCHEMES:
            raise PhenkgError(f"unknown auth scheme {self.scheme!r}", hint=f"one of {', '.join(AUTH_SCHEMES)}")
        if self.scheme == "digest" and self.user is not None and self.digest is None:
            self.digest = Digest(self.user, self.password or "")

    @classmethod
    def from_options(cls, user: str | None = None, password: str | None = None, token: str | None = None,
                     environ: Mapping[str, str] = os.environ, scheme: str = "basic") -> Auth:
        """Credentials from options, the password and token falling back to $PHENKG_PASSWORD and
        $PHENKG_TOKEN."""
        password = password or environ.get("PHENKG_PASSWORD")
        token = token or environ.get("PHENKG_TOKEN")
        if user and password is None:
            raise PhenkgError(f"--user {user} was given without a password",
                              hint="set $PHENKG_PASSWORD (or pass --password)")
        if scheme == "digest" and not user:
            raise PhenkgError("--auth digest needs --user", hint="with $PHENKG_PASSWORD")
        return cls(user, password, token, scheme)

    def headers(self, method: str = "GET", url: str = "/") -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.digest is not None:
            header = self.digest.header(method, url)
            return {"Authorization": header} if header else {}
        if self.user is not None:
            raw = f"{self.user}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        return {}

    def describe(self) -> str:
        if self.token:
            return "a bearer token"
        how = " with Digest" if self.digest is not None else ""
        return f"user {self.user!r}{how}" if self.user else "no credentials"


def shorten(answer: Response, limit: int = 300) -> str:
    """What the server said, for a message: decoded, tags of an HTML page dropped, on one line, cut."""
    text = answer.body
    if "html" in answer.headers.get("content-type", "") or text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]*>", " ", text)
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{text} {answer.note}".strip() if answer.note else text


# Statuses with which a URL says it does not take this kind of request (a query URL, a read-only server).
NOT_HERE = {404: "does not exist", 405: "does not allow this method", 415: "does not take this content type"}


def http_failure(url: str, status: int, detail: str, auth: Auth, doing: str, *,
                 writing: bool = True) -> RemoteError:
    """A RemoteError for an HTTP error status, with what to do about it. `detail`: what the server said."""
    where = public(url)
    said = f": {detail}" if detail else ""
    access = "write" if writing else "read"
    if status == 401:
        return RemoteError(f"{where} refused the credentials while {doing} "
                           f"(HTTP 401, sent {auth.describe()}){said}",
                           hint="pass --user NAME with $PHENKG_PASSWORD, or $PHENKG_TOKEN, of an account "
                                f"with {access} access" + ("; Virtuoso's -auth endpoints want --auth digest"
                                                          if auth.user and auth.digest is None else ""))
    if status == 403:
        return RemoteError(f"{where} forbids {doing} (HTTP 403, sent {auth.describe()}){said}",
                           hint=f"the account needs {access} permission on this store, or use its "
                                "authenticated endpoint; a read-only server takes no pushes "
                                "(see docs/triple-stores.md)")
    if status in NOT_HERE:
        what = "Graph Store (Oxigraph /store, Fuseki /DATASET/data) or update (Oxigraph /update, " \
               "Fuseki /DATASET/update) URL" if writing else \
               "query URL (Oxigraph /query, Fuseki /DATASET/query)"
        return RemoteError(f"{where} {NOT_HERE[status]} (HTTP {status}) while {doing}{said}",
                           hint=f"check the endpoint URL: give the store's {what}; see docs/triple-stores.md")
    if status == 411:
        return RemoteError(f"{where} wants a Content-Length, not a streamed body (HTTP 411) while {doing}",
                           hint="use --protocol update (SPARQL Update requests have a length)")
    if "memory exhausted" in detail and writing:
        return RemoteError(f"{where} ran out of memory parsing a request (HTTP {status}) while {doing}{said}",
                           hint="use a smaller --batch (Virtuoso's SPARQL compiler takes about 4,000 triples "
                                "per INSERT DATA), or --protocol gsp")
    if status == 413:
        return RemoteError(f"{where} refused a request body as too large (HTTP 413) while {doing}",
                           hint="use --protocol update with a smaller --batch, or raise the store's limit")
    kind = "had a server error" if status >= 500 else "refused the request"
    then = "; the graph is not reported as loaded" if writing else ""
    return RemoteError(f"{where} {kind} (HTTP {status}) while {doing}{said}",
                       hint=f"see the store's log{then}")


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
    note: str = ""  # phenkg's own remark on the answer, shown after what the server said


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise PhenkgError(f"not an http(s) URL: {public(url)!r}", hint="e.g. http://127.0.0.1:7878/store")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return cls(parts.hostname, parts.port, timeout=timeout), target


def request(method: str, url: str, *, auth: Auth, doing: str, timeout: float,
            body: bytes | Iterable[bytes] | None = None, headers: dict[str, str] | None = None) -> Response:
    """One HTTP request. A body that is an iterable of byte chunks is sent with chunked encoding.

    Connection failures and timeouts raise RemoteError; HTTP error statuses are returned, not raised.
    When the server answers (say 401 or 500) and closes before taking the whole body, its answer is
    returned rather than the broken pipe. With Digest credentials, a 401 that brings a new challenge
    is answered once more with the response to it (a body of bytes can be sent twice).
    """
    answer = _send(method, url, auth=auth, doing=doing, timeout=timeout, body=body, headers=headers)
    replayable = body is None or isinstance(body, bytes)
    if (answer.status == 401 and auth.digest is not None and replayable
            and auth.digest.learn(answer.headers.get("www-authenticate", ""))):
        answer = _send(method, url, auth=auth, doing=doing, timeout=timeout, body=body, headers=headers)
    elif answer.status == 401 and answer.headers.get("www-authenticate", "").lower().startswith("digest"):
        answer.note = "(it asks for HTTP Digest authentication: add --auth digest)"
    return answer


def _send(method: str, url: str, *, auth: Auth, doing: str, timeout: float,
          body: bytes | Iterable[bytes] | None, headers: dict[str, str] | None) -> Response:
    conn, target = _connection(url, timeout)
    all_headers = {**auth.headers(method, url), **(headers or {})}
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
        raise http_failure(url, answer.status, shorten(answer), auth, "probing for the Graph Store Protocol")
    html = HTML.media_type in answer.headers.get("content-type", "")
    return 200 <= answer.status < 300 and not html


def gsp_send(url: str, graph: str | None, body: bytes, *, replace: bool, auth: Auth,
             timeout: float) -> None:
    """Send N-Triples to a graph: PUT replaces the graph, POST adds to it. The body goes with a
    Content-Length, not chunked: Virtuoso 7.2 answers 201 to a chunked upload and stores nothing."""
    method = "PUT" if replace else "POST"
    target = graph_url(url, graph)
    doing = f"uploading to graph {graph or 'DEFAULT'}"
    answer = request(method, target, auth=auth, doing=doing, timeout=timeout, body=body,
                     headers={"Content-Type": N_TRIPLES})
    if not 200 <= answer.status < 300:
        raise http_failure(url, answer.status, shorten(answer), auth, doing)


WRITE_CHECK = "checking that it takes writes"


def check_gsp_writable(url: str, graph: str | None = None, *, auth: Auth, timeout: float) -> None:
    """POST an empty N-Triples document to the graph the push will write into: it adds nothing, and a
    server that would refuse the upload (read-only, wrong URL, credentials) refuses it. (It may create
    that graph, empty, which the push then fills; Virtuoso's Graph Store has no default graph.)"""
    answer = request("POST", graph_url(url, graph), auth=auth, doing=WRITE_CHECK, timeout=timeout, body=b"",
                     headers={"Content-Type": N_TRIPLES})
    if not 200 <= answer.status < 300:
        raise http_failure(url, answer.status, shorten(answer), auth, WRITE_CHECK)


def check_update_writable(url: str, *, auth: Auth, timeout: float) -> None:
    """An update that inserts nothing: valid SPARQL 1.1 Update, changes nothing, needs write access."""
    sparql_update(url, "INSERT DATA { }", auth=auth, timeout=timeout, doing=WRITE_CHECK)


# -- SPARQL Protocol: SPARQLWrapper builds the request, `request` above sends it ---------------------
# SPARQLWrapper knows the protocol (query by GET, update by POST as application/sparql-update, the
# Accept header for each query form); it is not asked to send, because its own sending wraps the
# server's answer in exceptions that print the body as b'...' and drops the status of most errors.
# One transport for everything means one timeout, one credentials path and one set of messages.
def _sparql_request(url: str, text: str, *, update: bool, accept: str | None = None) -> Request:
    from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper

    sw = SPARQLWrapper(url, updateEndpoint=url)
    with warnings.catch_warnings():  # it warns when it cannot tell the form; the store will say why
        warnings.simplefilter("ignore")
        # it tells the request's type by regular expressions over the whole text (0.2 s for a batch
        # of 10,000 triples); the type is in the first words, so it reads only those
        sw.setQuery(text[:200])
    sw.queryString = text
    if update:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    elif accept:
        sw.setOnlyConneg(True)
        sw.addCustomHttpHeader("Accept", accept)
    else:
        sw.setReturnFormat(JSON)
    return sw._createRequest()  # private, but only builds the request; sending is ours (see above)


def _sparql(url: str, text: str, *, auth: Auth, timeout: float, doing: str, update: bool = False,
            accept: str | None = None, user_query: bool = False) -> Response:
    built = _sparql_request(url, text, update=update, accept=accept)
    assert built.data is None or isinstance(built.data, bytes), "SPARQLWrapper encodes the body"
    answer = request(built.get_method(), built.full_url, auth=auth, doing=doing, timeout=timeout,
                     body=built.data, headers=dict(built.header_items()))
    if not 200 <= answer.status < 300:
        if user_query and answer.status == 400:
            raise BadQueryError(f"{public(url)} rejected the query as malformed (HTTP 400): "
                                f"{shorten(answer)}", hint="fix the query's syntax where the store says")
        raise http_failure(url, answer.status, shorten(answer), auth, doing, writing=update)
    return answer


def sparql_update(url: str, text: str, *, auth: Auth, timeout: float, doing: str) -> None:
    _sparql(url, text, auth=auth, timeout=timeout, doing=doing, update=True)


def sparql_json(url: str, query: str, *, auth: Auth, timeout: float, doing: str = "querying",
                user_query: bool = False) -> dict:
    """A SELECT or ASK query's answer in the SPARQL 1.1 JSON results format."""
    answer = _sparql(url, query, auth=auth, timeout=timeout, doing=doing, user_query=user_query)
    try:
        return json.loads(answer.body)
    except ValueError as exc:
        raise RemoteError(f"{public(url)} did not answer with SPARQL JSON results while {doing} "
                          f"(it sent {answer.headers.get('content-type', 'no content type')})",
                          hint="is this the store's query endpoint? (Oxigraph /query, Fuseki /DATASET/query)"
                          ) from exc


def sparql_graph(url: str, query: str, *, auth: Auth, timeout: float) -> bytes:
    """A CONSTRUCT or DESCRIBE query's answer as N-Triples."""
    answer = _sparql(url, query, auth=auth, timeout=timeout, doing="querying", accept=N_TRIPLES,
                     user_query=True)
    return answer.body.encode("utf-8")


def query_type(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE as SPARQLWrapper reads the query (SELECT when it cannot tell)."""
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper("http://localhost/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sw.setQuery(query)
    return sw.queryType or "SELECT"  # setQuery always sets it


def count_triples(url: str, graph: str | None, *, auth: Auth, timeout: float) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    answer = sparql_json(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", auth=auth, timeout=timeout,
                         doing=f"counting the triples of graph {graph or 'DEFAULT'}")
    try:
        return int(answer["results"]["bindings"][0]["n"]["value"])
    except (KeyError, IndexError, ValueError) as exc:
        raise RemoteError(f"{public(url)} gave no count for graph {graph or 'DEFAULT'}") from exc

