"""SHACL shapes compiled once and run two ways, with the same results as pySHACL, many times faster.

pySHACL walks focus nodes one by one in Python. Here the shapes are compiled once (`Compiled`, `compile_checks`)
and run either

* on a pyoxigraph store (`validate_store`): each constraint of each shape becomes one SPARQL query over
  all its focus nodes at once, evaluated in Rust, returning only the violations; or
* on N-Triples lines grouped by subject (`validate_lines`), without loading the graph: pass 1 notes the
  classes of every subject and who points at whom through inverse paths; pass 2 takes one subject at a
  time and checks its property shapes in Python, with the semantics of the SPARQL filters above
  (terms as Oxigraph stores them: it writes "01"^^xsd:integer as "1"). SPARQL-based constraints run in
  Oxigraph on small stores holding only the triples their queries can read (`Reads`).

Both cover the SHACL Core components our shapes use (class, datatype, nodeKind, minCount, maxCount,
minInclusive, maxInclusive, minLength, pattern, hasValue; paths that are a predicate or its inverse;
targetClass) and SPARQL-based constraints. Anything else raises Unsupported, and `phenkg.validate`
falls back (to pySHACL, or to a full store), so the answer never depends on the engine;
`tests/test_fastshacl.py` proves the engines agree on graphs with planted violations.

The modules, each depending only on those above it:

* `compile`: the shapes compiled for both engines (`Compiled`, `compile_checks`, `sparql_constraints`), the
  shared constants, and the errors `Unsupported` and `NotGrouped`;
* `store`: the store engine, `validate_store`;
* `terms`: N-Triples terms (read with `phenkg.ntriples`) as Oxigraph stores them (`Terms`);
* `core`: the SHACL Core constraints checked in Python, one focus node at a time (`Core`, `_Path`);
* `sparql_stores`: the small stores the streaming engine runs the sh:sparql constraints on (`Reads`,
  `SparqlStores`; their size is `sparql_stores.STORE_TRIPLES`, which is where to patch it);
* `streaming`: the streaming engine, `validate_lines` (`Streaming`).
"""

from phenkg.fastshacl.compile import Compiled, NotGrouped, Unsupported, sparql_constraints, typed_path
from phenkg.fastshacl.sparql_stores import STORE_TRIPLES, Reads
from phenkg.fastshacl.store import run_sparql, validate_store
from phenkg.fastshacl.streaming import validate_lines

__all__ = [
           "STORE_TRIPLES",
           "Compiled",
           "NotGrouped",
           "Reads",
           "Unsupported",
           "run_sparql",
           "sparql_constraints",
           "typed_path",
           "validate_lines",
           "validate_store",
]
