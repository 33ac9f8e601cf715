"""phenkg.ntriples, the one reader of N-Triples lines and the one batching helper."""

from __future__ import annotations

import pytest

from phenkg import ntriples

LINES = ['<urn:s> <urn:p> "a b . c"@en .', "<urn:s> <urn:q> <urn:o> .", '_:b1 <urn:p> "1"^^<urn:t> .']


def test_split_gives_subject_predicate_object():
    assert [ntriples.split(line) for line in LINES] == [
        ("<urn:s>", "<urn:p>", '"a b . c"@en'), ("<urn:s>", "<urn:q>", "<urn:o>"),
        ("_:b1", "<urn:p>", '"1"^^<urn:t>')]
    assert [[s, p, ntriples.end_of(o)] for s, p, o in ntriples.split_all(LINES)] \
        == [list(ntriples.split(line)) for line in LINES]
    assert [ntriples.subject(line) for line in LINES] == ["<urn:s>", "<urn:s>", "_:b1"]


def test_fields_reads_any_line_the_standard_allows():
    assert ntriples.fields('<urn:s>\t<urn:p>  "x" . # note\n') == ("<urn:s>", "<urn:p>", '"x"')
    assert ntriples.fields("# only a comment\n") is None
    with pytest.raises(ValueError, match="not an N-Triples line"):
        ntriples.fields("<urn:s> <urn:p> .\n")


def test_unescape():
    assert ntriples.unescape(r"a\tb\u00e9\U0001F600\"") == 'a\tbé\U0001f600"'
    with pytest.raises(ValueError, match="not a character"):
        ntriples.unescape(r"\uD800")


def test_batches_of_any_size():
    assert list(ntriples.batches(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(ntriples.batches([], 2)) == []


def test_chunks_round_trip_and_only_newline_ends_a_line():
    lines = [*LINES, '<urn:s> <urn:p> "line\u2028separator\x0cform feed" .']
    chunks = list(ntriples.chunks(lines, 2))
    assert len(chunks) == 2
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert [line for batch in ntriples.chunk_lines(chunks) for line in batch] == lines
    assert ntriples.decode(b"".join(chunks), ends=True) == [line + "\n" for line in lines]


def test_file_chunks_end_at_line_ends(tmp_path):
    path = tmp_path / "g.nt"
    body = "".join(f"<urn:s{i}> <urn:p> <urn:o> .\n" for i in range(1000)).encode()
    path.write_bytes(body)
    chunks = list(ntriples.file_chunks(path, size=100))
    assert b"".join(chunks) == body
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    reader = ntriples.ChunkReader(iter(chunks))
    assert b"".join(iter(lambda: reader.read(77), b"")) == body
