"""The import graph runs one way: no cycle among the package's modules (at module level),
and the report never imports the pipeline that calls it (not even lazily)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "msc_model"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path], *, module_level: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("msc_model"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("msc_model")}
    return out


def test_module_level_imports_have_no_cycle() -> None:
    modules = _modules()
    graph = {m: _imports(p, modules, module_level=True) & set(modules) for m, p in modules.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if target == module or target == module.rsplit(".", 1)[0]:
                continue  # a module and its own package's __init__
            assert state.get(target) != 1, " -> ".join([*path, module, target])
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_report_does_not_import_the_pipeline() -> None:
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("msc_model.report"):
            assert "msc_model.pipeline" not in _imports(path, modules, module_level=False), name
