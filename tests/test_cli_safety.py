"""The CLI never overwrites curated data silently, says why it cannot listen, and keeps local queries local."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

from .conftest import DATA, ROOT


def phenkg(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phenkg.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


def test_import_refuses_to_replace_hand_edits_without_force(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    papers = data / "papers.yaml"
    edited = papers.read_text(encoding="utf-8").replace(
        "title: Masked Autoencoders Are Scalable Vision Learners", "title: HAND EDITED TITLE", 1)
    papers.write_text(edited, encoding="utf-8")
    done = phenkg("import", str(data / "awesome-deep-phenomena.md"), "--data", str(data))
    assert done.returncode == 2, done.stderr
    assert "--force" in done.stderr
    assert "papers.yaml" in done.stderr
    assert papers.read_text(encoding="utf-8") == edited  # nothing written
    forced = phenkg("import", str(data / "awesome-deep-phenomena.md"), "--data", str(data), "--force")
    assert forced.returncode == 1, forced.stderr  # the seed's three warnings
    assert "HAND EDITED TITLE" not in papers.read_text(encoding="utf-8")


def test_reimporting_the_same_list_needs_no_force(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    done = phenkg("import", str(data / "awesome-deep-phenomena.md"), "--data", str(data))
    assert done.returncode == 1, done.stderr
    assert (data / "papers.yaml").read_bytes() == (DATA / "papers.yaml").read_bytes()


def test_default_data_is_the_working_directory_not_the_source_tree(tmp_path):
    listing = tmp_path / "list.md"
    listing.write_text("# L\n\n## Topic\n\n- A paper. [[paper]](https://arxiv.org/abs/2101.00001)\n"
                       "  - Ann Author.\n", encoding="utf-8")
    done = phenkg("import", str(listing), cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "data" / "papers.yaml").exists()
    assert (DATA / "papers.yaml").read_bytes().count(b"2101.00001") == 0


def test_serve_on_a_busy_port_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = phenkg("serve", "--port", str(port), "--data", str(DATA))
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_local_query_refuses_service_and_updates():
    for query, word in (("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
                        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
                        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM")):
        done = phenkg("query", query, "--data", str(DATA))
        assert done.returncode == 2, (query, done.stderr)
        assert word in done.stderr
        assert "Traceback" not in done.stderr


def test_missing_data_folder_is_named(tmp_path):
    """Regression: `--data DIR` pointing nowhere said `DIR/source.yaml: missing`."""
    missing = tmp_path / "nowhere"
    for command in (["stats"], ["validate"], ["query", "ASK {}"], ["push", "--endpoint", "http://127.0.0.1:9/store"]):
        done = phenkg(*command, "--data", str(missing))
        assert done.returncode == 2, (command, done.stderr)
        assert f"no such folder {missing}" in done.stderr, done.stderr
        assert "source.yaml" not in done.stderr


def test_help_opens_with_a_sentence_for_users():
    """Regression: `phenkg --help` opened with "The `phenkg` command: thin commands, and the only place
    errors become exit codes" (a note for developers)."""
    done = phenkg("--help")
    assert done.returncode == 0
    description = done.stdout.split("\n\n")[1]
    assert description.startswith("phenkg turns a curated Markdown awesome-list"), description
    assert "phenkg import LIST.md" in done.stdout
    assert "phenkg serve" in done.stdout
    assert "exit codes" not in description


def test_serve_names_a_missing_data_folder(tmp_path):
    done = phenkg("serve", "--data", str(tmp_path / "nowhere"), "--get", "/", cwd=tmp_path)
    assert done.returncode == 2
    assert "no such folder" in done.stderr
    assert "Traceback" not in done.stderr
