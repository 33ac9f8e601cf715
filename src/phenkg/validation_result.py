"""One SHACL validation result, as every engine reports it (pySHACL in `phenkg.validate`, the compiled
engines in `phenkg.fastshacl`), and the one order they all sort their results in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One validation result, with terms as strings ('' when SHACL leaves a field out)."""

    severity: str  # 'Violation' | 'Warning' | 'Info'
    focus: str
    path: str
    value: str
    message: str
    source_shape: str  # the node shape's IRI (for a property shape: the node shape that has it)
    component: str = ""  # the constraint component's local name: 'MinCountConstraintComponent'...


SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def result_order(result: Result) -> tuple:
    """How every engine sorts its results: by severity, shape, focus node, path, value, message, then
    component, so that two results differing only in component (a value that is both of the wrong
    datatype and out of range) come out in one order whatever the engine found first."""
    return (SEVERITY_ORDER[result.severity], result.source_shape, result.focus, result.path, result.value,
            result.message, result.component)
