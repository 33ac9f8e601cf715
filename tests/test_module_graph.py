"""The shape of the package, from its source (ast, nothing imported): imports flow one way (no cycles,
counting imports inside functions), modules talk through public names, and `phenkg.serve` is a leaf
that only the CLI starts."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "phenkg"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (never run, so no edge at run time)."""
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return hidden


def _imports(name: str) -> list[tuple[str, str | None, int, bool]]:
    """(module imported, name taken from it or None, line, under TYPE_CHECKING) for each phenkg import in
    module `name`, at any depth (imports inside functions count)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno, id(node) in hidden) for a in node.names
                      if a.name.split(".")[0] == "phenkg"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            if base.split(".")[0] != "phenkg":
                continue
            for alias in node.names:
                module = f"{base}.{alias.name}"
                if module in MODULES:  # `from phenkg import graph`: the module itself
                    found.append((module, None, node.lineno, id(node) in hidden))
                else:
                    found.append((base, alias.name, node.lineno, id(node) in hidden))
    return found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_cycles_finds_a_cycle_through_any_depth():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    """Imports inside functions count: they only hide a cycle. Move the shared piece to the module that
    owns it instead. (Imports under TYPE_CHECKING never run and are left out.)"""
    edges = {name: {m for m, _, _, typing in _imports(name) if not typing and m != name} for name in MODULES}
    assert _cycles(edges) == []


def test_no_private_names_across_modules():
    """A name that another module needs is public; `_name` stays inside its module."""
    found = []
    for name, path in MODULES.items():
        for module, taken, line, _ in _imports(name):
            if taken and taken.startswith("_") and not taken.startswith("__") and module != name:
                found.append(f"{path.relative_to(SRC)}:{line}: {taken} from {module}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and node.attr.startswith("_") and not node.attr.startswith("__"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert found == []


def _module_aliases(tree: ast.Module) -> set[str]:
    """The local names bound to phenkg modules (`from phenkg import graph`, `import phenkg.x as y`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "phenkg":
            names |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.asname and a.name in MODULES}
    return names


def test_nothing_outside_serve_imports_it():
    """`phenkg.serve` is the web layer: only the CLI starts it. What the rest needs from it (SPARQL text
    helpers, say) lives outside it."""
    found = [f"{name}:{line}: {module}" for name in MODULES if not name.startswith("phenkg.serve")
             and name != "phenkg.cli"
             for module, _, line, _ in _imports(name) if module.startswith("phenkg.serve")]
    assert found == []
