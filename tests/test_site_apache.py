"""The w3id.org rules `phenkg site` writes, on a real Apache (Debian apache2, mod_rewrite), mapped as
w3id.org maps them: the rules in /phenkg/.htaccess, the site beside them at /site/. Every entity IRI
of the seed, under each of the five media types, redirects to its file, served with its type."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from phenkg.serve.site import build_site, entity_iris
from phenkg.store import read_catalog

from .conftest import BASE, DATA

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(APACHE).exists() or not (MODULES / "mod_rewrite.so").exists(),
                                 reason="Debian apache2 with mod_rewrite is not installed (scripts/setup)")]

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Accept -> (the extension of the file it redirects to, the Content-Type that file is served with)
CASES = {BROWSER: ("html", "text/html"), "text/turtle": ("ttl", "text/turtle"),
         "application/ld+json": ("jsonld", "application/ld+json"),
         "application/n-triples": ("nt", "application/n-triples"),
         "application/rdf+xml": ("rdf", "application/rdf+xml"),
         "text/turtle;q=1.0, text/html;q=0.5": ("ttl", "text/turtle")}
CONFIG = """ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {tmp}/apache.pid
ErrorLog {tmp}/error.log
DefaultRuntimeDir {tmp}
Mutex posixsem
User nobody
Group nogroup
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
TypesConfig /etc/mime.types
DocumentRoot {root}
DirectoryIndex index.html
<Directory {root}>
  Options FollowSymLinks
  AllowOverride All
  Require all granted
</Directory>
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def apache(root: Path, port: int, tmp: Path):
    conf = tmp / "apache.conf"
    conf.write_text(CONFIG.format(port=port, tmp=tmp, root=root, modules=MODULES))
    process = subprocess.Popen([APACHE, "-f", str(conf), "-DFOREGROUND"], stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if process.poll() is not None:
                raise RuntimeError(f"apache2 did not start: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)
        log = tmp / "error.log"
        if log.is_file() and "error" in log.read_text().lower():
            print(log.read_text()[-2000:])


@pytest.fixture(scope="module")
def w3id():
    """(Apache's URL, the seed's entity IRIs) with the site built for /site/ and the rules in /phenkg/."""
    import pyoxigraph

    tmp = Path(tempfile.mkdtemp(prefix="phenkg-apache-"))
    try:
        os.chmod(tmp, 0o755)           # apache's children run as nobody
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        root = tmp / "root"
        root.mkdir()
        build_site(read_catalog(DATA), root / "site", BASE, base_url=f"{url}/site/")
        (root / "phenkg").mkdir()
        shutil.copy(root / "site" / "w3id" / ".htaccess", root / "phenkg" / ".htaccess")
        for path in [tmp, *tmp.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        store = pyoxigraph.Store()
        store.bulk_load(path=str(root / "site" / "dist" / "phenkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
        with apache(root, port, tmp):
            yield url, sorted(entity_iris(store, BASE))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_every_entity_iri_redirects_to_its_file_under_each_media_type(w3id):
    url, iris = w3id
    assert len(iris) > 2000
    host = urlsplit(url)
    redirects = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    files = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    wrong = []
    for iri in iris:
        path = iri[len(BASE):]
        for accept, (extension, media) in CASES.items():
            redirects.request("GET", f"/phenkg/{path}", headers={"Accept": accept})
            answer = redirects.getresponse()
            answer.read()
            location = answer.getheader("Location") or ""
            expected = f"{url}/site/{path}.{extension}"
            if answer.status != 303 or unquote(location) != unquote(expected):
                wrong.append((iri, accept, answer.status, location))
                continue
            files.request("GET", urlsplit(location).path, headers={"Accept": accept})
            served = files.getresponse()
            body = served.read()
            if served.status != 200 or (served.getheader("Content-Type") or "").split(";")[0] != media or not body:
                wrong.append((iri, accept, served.status, served.getheader("Content-Type")))
    assert not wrong, f"{len(wrong)} wrong answers, first: {wrong[:5]}"


@pytest.mark.parametrize(("path", "accept", "expected"), [
    ("", BROWSER, "/site/"),
    ("", "text/turtle", "/site/dataset.ttl"),
    ("ontology", BROWSER, "/site/ontology.html"),
    ("ontology", "text/turtle", "/site/ontology.ttl"),
    ("ontology/0.1.0", "application/rdf+xml", "/site/ontology.rdf"),
    ("dataset/class/phenkg-Paper", "application/ld+json", "/site/dataset/class/phenkg-Paper.jsonld"),
    ("dist/phenkg.ttl", "*/*", "/site/dist/phenkg.ttl"),
    ("graph", BROWSER, "/site/void.html"),
    ("sparql", BROWSER, "/site/query.html"),
    ("topics", BROWSER, "/site/topics.html"),
    ("void", "text/turtle", "/site/void.ttl"),
])
def test_documents_and_pages_redirect(w3id, path, accept, expected):
    url, _ = w3id
    host = urlsplit(url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    connection.request("GET", "/phenkg/" + quote(path), headers={"Accept": accept})
    answer = connection.getresponse()
    answer.read()
    assert answer.status in (302, 303)
    location = answer.getheader("Location") or ""
    assert location == url + expected
    connection.request("GET", urlsplit(location).path)
    served = connection.getresponse()
    served.read()
    assert served.status == 200, location


def test_the_rules_do_not_grow_with_the_data(w3id, tmp_path):
    from phenkg import w3id as rules
    assert rules.htaccess(BASE, "https://example.org/site/").count(b"\n") < 80
