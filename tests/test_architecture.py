"""The house rules of the package, checked on its source (``ast``), not by convention.

- no module under ``planner/`` over 500 lines;
- no import cycle among planner modules, imports inside functions (and under
  ``if TYPE_CHECKING:``) included: a cycle there is still a cycle in the design;
- no ``planner.*`` import inside a function body (the lazy ``__getattr__`` of
  ``planner/__init__.py`` aside), and no dynamic import that would hide an edge;
- no ``print`` in the package (``logging`` instead);
- ``import planner`` loads none of the heavy libraries;
- test file basenames are unique across ``tests/``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planner"
MAX_LINES = 500
HEAVY = ("geopandas", "pyvrp", "streamlit", "highspy", "osmnx", "folium")


def module_name(path: Path) -> str:
    """``planner/access/coverage.py`` → ``planner.access.coverage``; ``__init__`` → the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    """Every module of the package, by dotted name (packages' ``__init__`` included)."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = package_modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _base(module: str, level: int, importer: str) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if not level:
        return module
    parts = importer.split(".")
    if not _is_package(importer):
        parts = parts[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def imported(node: ast.Import | ast.ImportFrom, importer: str) -> Iterator[str]:
    """The planner modules an import statement loads (``from a import b``: ``a.b`` if a module)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = _base(node.module or "", node.level, importer)
        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    for target in targets:
        while target and target not in MODULES and target.startswith("planner"):
            target = target.rpartition(".")[0]  # ``import planner.x.y`` of a name, not a module
        if target in MODULES:
            yield target


def import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def import_graph() -> dict[str, set[str]]:
    """Module → the planner modules it imports (anywhere in its body)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = {t for node in import_nodes(tree) for t in imported(node, name) if t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path ``[a, b, ..., a]``, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if state.get(root):
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child):], child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph.get(child, ()))))
    return None


def function_imports(tree: ast.AST) -> Iterator[tuple[str, ast.Import | ast.ImportFrom]]:
    """``(function name, import node)`` for every import inside a function body."""
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in import_nodes(func):
                yield func.name, node


# ----------------------------------------------------------------------------- the checker itself


def test_find_cycle_on_made_up_graphs() -> None:
    """MADE-UP graphs: the checker finds a cycle, and only a real one."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}) is None  # diamond
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]


def test_imports_resolve_to_modules() -> None:
    """``from planner.x import y`` is ``planner.x.y`` when that is a module, else ``planner.x``."""
    tree = ast.parse("from planner import fr, __version__\nfrom planner.errors import DataError\n"
                     "import planner.geo\nfrom . import catalog\nfrom .schema import NETWORKS\n")
    found = {t for node in import_nodes(tree) for t in imported(node, "planner.data.fetch")}
    assert found == {"planner", "planner.fr", "planner.errors", "planner.geo",
                     "planner.data.catalog", "planner.data.schema"}


# ----------------------------------------------------------------------------- the rules


def test_no_module_over_500_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    too_long = {name: n for name, n in sorted(sizes.items()) if n > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_no_planner_import_inside_functions() -> None:
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for func, node in function_imports(tree):
            if name == "planner" and func == "__getattr__":
                continue  # the lazy public API
            if list(imported(node, name)) or getattr(node, "level", 0):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {func}()")
    assert not found, "planner imports inside functions (put them at module top):\n" + "\n".join(found)


def test_no_dynamic_imports() -> None:
    """``importlib.import_module`` / ``__import__`` hide edges of the graph (lazy API aside)."""
    found = []
    for name, path in MODULES.items():
        if name == "planner":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in ("import_module", "__import__"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"dynamic imports: {found}"


def test_no_print_in_the_package() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
    ]
    assert not found, f"print() in the package (use logging): {found}"


def test_import_planner_is_light(tmp_path: Path) -> None:
    code = f"import json, sys, planner\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_test_basenames_are_unique() -> None:
    names = Counter(p.name for p in (ROOT / "tests").rglob("test_*.py"))
    assert not [n for n, k in names.items() if k > 1], names
