"""The package's layout shows the pipeline: stages import only earlier stages, and nothing cycles.

The imports are read from the source (every `import` of a planlang module, at the top of a module or
inside a function, except under `if TYPE_CHECKING:`), so an import deferred into a function to
dodge a cycle counts as the cycle it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "planlang"

# The stages in pipeline order; a module may import its own stage and earlier ones only.
STAGES = {
    "foundations": ("planlang.diagnostics", "planlang.source", "planlang.money", "planlang.units"),
    "syntax": ("planlang.syntax",),
    "model": ("planlang.model",),
    "check": ("planlang.check", "planlang.compile"),
    "inputs": ("planlang.inputs",),
    "engine": ("planlang.engine",),
    "outputs": ("planlang.outputs",),
    "drivers": ("planlang.drivers",),
}
ORDER = list(STAGES)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path) -> set[str]:
    """The planlang modules `path` imports (a name imported from a package that is a module of
    it counts as that module)."""
    out: set[str] = set()
    todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while todo:
        node = todo.pop()
        if _type_checking(node):
            continue
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {name for name in out if name in MODULES}


GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def stage(module: str) -> str | None:
    for name, prefixes in STAGES.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return None  # the package itself


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(GRAPH[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_every_module_belongs_to_a_stage():
    assert [m for m in MODULES if m != "planlang" and stage(m) is None] == []


def test_no_import_cycles():
    assert cycles() == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "planlang"))
def test_a_stage_imports_only_itself_and_earlier_stages(module):
    mine = ORDER.index(stage(module))  # type: ignore[arg-type]
    later = sorted(other for other in GRAPH[module]
                   if other != "planlang" and ORDER.index(stage(other)) > mine)  # type: ignore[arg-type]
    assert later == [], f"{module} ({stage(module)}) imports later stages: {later}"
