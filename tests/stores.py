"""Real stores and tools for the tests and benchmarks/bench_stores.py: a Virtuoso server in its own
temporary database, and Apache Jena (RIOT, SHACL) run from the Debian package's jars.

Every server listens on 127.0.0.1 on free ports and is stopped by whoever started it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
VIRTUOSO_MISSING = ("Virtuoso is not installed (scripts/setup installs it: Debian package "
                    "virtuoso-opensource, which gives virtuoso-t and isql-vt)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


# -- Virtuoso --------------------------------------------------------------------------------------------
class Virtuoso:
    """`virtuoso-t` in the foreground on a database in `work`: ServerPort (SQL, for isql) and the HTTP
    server's port both on loopback. The `dba` account's password is set to `password` at start.
    Its SPARQL endpoints: /sparql (anonymous; may query, and update once `grant_anonymous_update`),
    /sparql-auth and /sparql-graph-crud-auth (HTTP Digest; the dba account may write)."""

    def __init__(self, work: Path, password: str = "dba-test-pw", buffers: int = 20000) -> None:
        assert VIRTUOSO, VIRTUOSO_MISSING
        assert ISQL, VIRTUOSO_MISSING
        work.mkdir(parents=True, exist_ok=True)
        self.work, self.password = work, password
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        ini = work / "virtuoso.ini"
        ini.write_text(f"""[Database]
DatabaseFile = {work}/virtuoso.db
ErrorLogFile = {work}/virtuoso.log
TransactionFile = {work}/virtuoso.trx
xa_persistent_file = {work}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {work}/virtuoso-temp.db
TransactionFile = {work}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DirsAllowed = {work}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
[HTTPServer]
ServerPort = 127.0.0.1:{self.http_port}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
""", encoding="utf-8")
        self.proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=work,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(self.http_port, self.proc, 120)
            self.isql("SELECT 1;", password="dba")  # the SQL side answers too
            self.isql(f"USER_SET_PASSWORD('dba', '{password}');", password="dba")
        except BaseException:
            self.stop()
            raise

    def isql(self, sql: str, password: str | None = None) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", password or self.password,
                               f"exec={sql}"], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql {sql!r} failed: {done.stdout} {done.stderr}")
        return done.stdout

    def grant_anonymous_update(self) -> None:
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')

    def json(self, query: str) -> dict:
        body = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(self.url + "/sparql", data=body,
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.load(answer)

    def graphs(self, prefix: str = "") -> dict[str, int]:
        """Triples per named graph whose IRI starts with `prefix` (Virtuoso keeps system graphs too)."""
        answer = self.json("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f'FILTER (STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
        return {b["g"]["value"]: int(b["n"]["value"]) for b in answer["results"]["bindings"]}

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


# -- Apache Jena (Debian: libapache-jena-java 4.5.0) -------------------------------------------------------
JAVA = shutil.which("java")
JARS = Path("/usr/share/java")
JENA_MISSING = ("Apache Jena is not installed (scripts/setup installs it: Debian package "
                "libapache-jena-java, with a Java runtime)")
# Jena's jars and the libraries they need, by their Debian names. Not the whole /usr/share/java:
# it holds two SLF4J bindings that refuse to start together.
_JENA = ["jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-dboe-base", "jena-dboe-index",
         "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction", "jena-iri",
         "jena-rdfconnection", "jena-shacl", "jena-shex", "jena-tdb", "jena-tdb2"]
_LIBS = ["commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
         "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore", "jackson-core",
         "jackson-databind",
         "jackson-annotations", "jsonld-java", "protobuf", "slf4j-api", "slf4j-nop", "thrift",
         "titanium-json-ld", "jakarta.json-api"]


def jena_available() -> bool:
    return JAVA is not None and all((JARS / f"{name}.jar").exists() for name in _JENA + _LIBS)


def jena_classpath(cache: Path) -> str:
    """The class path for Jena's command classes (riotcmd.riot, shacl.shacl).

    Debian's jena-core 4.5.0 moved Xerces' classes to `xerces.*` but left their message files under
    `org/apache/jena/ext/xerces/`, so every XSD datatype check dies with "internal error"; the
    messages are copied, unchanged, to where the classes look (a directory first on the path)."""
    fix = cache / "jena-xerces-messages"
    if not (fix / "xerces" / "impl" / "msg" / "XMLSchemaMessages.properties").exists():
        with zipfile.ZipFile(JARS / "jena-core.jar") as jar:
            for name in jar.namelist():
                for old, new in (("org/apache/jena/ext/xerces/impl/msg/", "xerces/impl/msg/"),
                                 ("org/apache/jena/ext/xerces/impl/xpath/regex/", "xerces/impl/xpath/regex/")):
                    if name.startswith(old) and not name.endswith("/"):
                        target = fix / (new + name[len(old):])
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(jar.read(name))
    return ":".join([str(fix), *(str(JARS / f"{name}.jar") for name in _JENA + _LIBS)])


def jena(cache: Path, main: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run one of Jena's command classes (e.g. "riotcmd.riot", "shacl.shacl")."""
    assert JAVA
    return subprocess.run([JAVA, "-Xmx1g", "-cp", jena_classpath(cache), main, *args], capture_output=True,
                          timeout=timeout, check=False)
