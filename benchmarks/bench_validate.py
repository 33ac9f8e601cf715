"""Validation alone: `fastshacl.validate_lines`, the streaming engine `phenkg build` uses, over the
graph's N-Triples lines, against whole-graph pySHACL (`validate.validate`) on an rdflib graph of the
same triples, with violations planted in the graph; the result lists must be identical. The engine
that compiles the shapes to SPARQL over a loaded pyoxigraph store (`fastshacl.validate_store`, used
for stores) is timed too, and must agree as well.

pySHACL gets its graph already loaded (building it is timed apart); the streaming engine reads the
lines itself, so its time includes everything it does."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from harness import BASE, Inputs, median, papers_of, ratio, say, write_result

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
NAME = "<https://schema.org/name>"
URL = "<https://schema.org/url>"
PH = "https://w3id.org/phenkg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def graph_lines(data: Path, base: str = BASE) -> list[str]:
    from phenkg.graph import triples
    from phenkg.store import read_catalog
    return list(triples(read_catalog(Path(data)), base))


def plant(lines: list[str], base: str = BASE) -> tuple[list[str], list[str]]:
    """The lines with violations planted, and what was planted. Deterministic: the papers are taken
    in order of their IRIs. Plants: papers and authors without schema:name, a literal where the paper
    URL IRI belongs, a gYear-typed arXiv year and publication year, one title under two paper keys,
    a gap in one paper's author positions."""
    paper_prefix, author_prefix = f"<{base}paper/", f"<{base}author/"
    names = sorted(i for i, line in enumerate(lines) if line.startswith(paper_prefix)
                   and line.split(" ", 2)[1] == NAME)
    author_names = [i for i, line in enumerate(lines) if line.startswith(author_prefix)
                    and line.split(" ", 2)[1] == NAME]
    urls = [i for i, line in enumerate(lines) if line.startswith(paper_prefix) and f" {URL} <" in line]
    arxiv_years = [i for i, line in enumerate(lines) if f"<{PH}arxivYear>" in line]
    pub_years = [i for i, line in enumerate(lines) if f"<{PH}publicationYear>" in line]
    positions = [i for i, line in enumerate(lines) if f"<{PH}position> \"2\"" in line]
    out = list(lines)
    planted: list[str] = []
    drop: set[int] = set()
    for i in names[:3]:
        drop.add(i)
        planted.append("no title: " + lines[i].split(" ", 1)[0])
    for i in author_names[:2]:
        drop.add(i)
        planted.append("author without name: " + lines[i].split(" ", 1)[0])
    i = urls[3]
    s, p, o = lines[i][:-2].split(" ", 2)
    out[i] = f'{s} {p} "{o[1:-1]}" .'
    planted.append("literal URL: " + s)
    for i in (arxiv_years[:1] + pub_years[:1]):
        s, p, o = lines[i][:-2].split(" ", 2)
        year = o.split('"')[1]
        out[i] = f'{s} {p} "{year}"^^<{XSD}gYear> .'
        planted.append(f"gYear year: {s} {p}")
    a, b = names[5], names[6]
    title = lines[a][:-2].split(" ", 2)[2]
    s_b = lines[b].split(" ", 1)[0]
    out[b] = f"{s_b} {NAME} {title} ."
    planted.append(f"duplicate title under two keys: {lines[a].split(' ', 1)[0]} and {s_b}")
    i = positions[len(positions) // 2]
    s, p, _ = lines[i][:-2].split(" ", 2)
    out[i] = f'{s} {p} "7"^^<{XSD}integer> .'
    planted.append("gap in author positions: " + s)
    return [line for j, line in enumerate(out) if j not in drop], planted


def load_both(lines: list[str]):
    """(pyoxigraph store, rdflib graph, seconds to build each) from the same N-Triples lines."""
    import pyoxigraph
    import rdflib

    text = "\n".join(lines) + "\n"
    t0 = time.perf_counter()
    store = pyoxigraph.Store()
    store.bulk_load(text.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    t1 = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(data=text, format="nt")
    t2 = time.perf_counter()
    return store, graph, t1 - t0, t2 - t1


def compare(fast: list, slow: list, store: list | None = None) -> dict:
    fast_set, slow_set = set(fast), set(slow)
    return {"identical": fast == slow and (store is None or store == slow),
            "fast_results": len(fast), "pyshacl_results": len(slow),
            "only_fast": [str(r) for r in sorted(fast_set - slow_set, key=str)[:5]],
            "only_pyshacl": [str(r) for r in sorted(slow_set - fast_set, key=str)[:5]]}


def check_equal(lines: list[str]) -> dict:
    """Validate the same lines three ways; the comparison of the result lists."""
    from phenkg.fastshacl import validate_lines, validate_store
    from phenkg.validate import load_shapes, validate

    shapes = load_shapes()
    store, graph, _, _ = load_both(lines)
    return compare(validate_lines(lambda: lines, shapes), validate(graph, shapes=shapes).results,
                   validate_store(store, shapes))


def bench(inputs: Inputs, sizes: list[str], repeats_fast: int, repeats_pyshacl: dict[str, int]) -> dict:
    from phenkg.fastshacl import validate_lines, validate_store
    from phenkg.validate import load_shapes, validate

    shapes = load_shapes()
    rows = []
    for size in sizes:
        lines, planted = plant(graph_lines(inputs.data(size)))
        store, graph, store_s, rdflib_s = load_both(lines)
        fast_times, fast, store_times, by_store = [], [], [], []
        for i in range(repeats_fast):
            say(f"validation, {size}: fastshacl run {i + 1}/{repeats_fast}")
            t = time.perf_counter()
            fast = validate_lines(lambda lines=lines: lines, shapes)
            fast_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            by_store = validate_store(store, shapes)
            store_times.append(time.perf_counter() - t)
        slow_times, slow = [], []
        for i in range(repeats_pyshacl[size]):
            say(f"validation, {size}: pySHACL run {i + 1}/{repeats_pyshacl[size]}")
            gc.collect()
            t = time.perf_counter()
            slow = validate(graph, shapes=shapes).results
            slow_times.append(time.perf_counter() - t)
        row = {"size": size, "papers": papers_of(size), "triples": len(lines), "planted": planted,
               "load_pyoxigraph_s": store_s, "load_rdflib_s": rdflib_s,
               "fast_repeats": len(fast_times), "fast_s": fast_times, "median_fast_s": median(fast_times),
               "store_s": store_times, "median_store_s": median(store_times),
               "pyshacl_repeats": len(slow_times), "pyshacl_s": slow_times,
               "median_pyshacl_s": median(slow_times),
               "speedup": ratio(median(slow_times), median(fast_times)),
               **compare(fast, slow, by_store)}
        say(f"  {size}: fastshacl {row['median_fast_s']:.3f} s, pySHACL {row['median_pyshacl_s']:.2f} s, "
            f"identical={row['identical']} ({row['fast_results']} results)")
        rows.append(row)
        del store, graph
        gc.collect()
    return {"description": "fastshacl.validate_lines (streaming, as phenkg build runs it) vs pySHACL on "
                           "rdflib (validate.validate), same triples with planted violations; "
                           "fastshacl.validate_store (SPARQL on a preloaded pyoxigraph store) for reference",
            "rows": rows}


def save(result: dict) -> Path:
    return write_result("validation", result)
