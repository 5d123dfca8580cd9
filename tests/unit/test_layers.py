"""The layers of the project, checked on the source of every module with ``ast``.

* ``routing/engine`` and ``coldchain/analysis`` are pure: no database, no web framework,
  nothing from ``wms`` or ``api``, nor from the database half of their own package.
* ``wms`` is the core: no Flask, nothing from the packages above it, no OR-Tools.
* ``routing`` and ``coldchain`` never import ``api``.
* No import circle between project modules, counting imports inside functions too: an
  import hidden in a function is still a dependency.
* A module longer than 400 lines says why in its docstring ("Longer than 400 lines
  because ..."). Alembic migrations are exempt.

Every failure names the module and the rule it breaks.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("wms", "api", "routing", "coldchain")
SCANNED = (*PACKAGES, "bench", "tests", "alembic")
MAX_LINES = 400
LONG_REASON = "Longer than 400 lines because"

PURE_FORBIDDEN = ("sqlalchemy", "flask", "flask_smorest", "wms", "api",
                  "routing.dispatch", "coldchain.monitoring")
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("routing.engine", "coldchain.analysis"), PURE_FORBIDDEN,
     "pure cores use no database, web framework or application layer"),
    (("wms",), ("flask", "api", "routing", "coldchain", "ortools"),
     "the inventory core imports nothing above it, no Flask and no OR-Tools"),
    (("routing", "coldchain"), ("api",), "routing and coldchain never import the web layer"),
)


@dataclass(frozen=True)
class Import:
    target: str  # ``a.b`` for ``import a.b`` and for ``from a.b import c, d``
    line: int
    names: tuple[str, ...] = ()  # ``("c", "d")`` for ``from a.b import c, d``

    def targets(self) -> list[str]:
        return [self.target, *(f"{self.target}.{n}" for n in self.names)]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.is_relative_to(ROOT / "alembic" / "versions"):
                continue  # migrations are written once and never edited
            found[module_name(path)] = path
    return found


def imports_in(source: str, name: str, is_package: bool = False) -> list[Import]:
    """Every import in a module's source, at any depth (functions, classes, branches)."""
    package = name if is_package else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend(Import(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            out.append(Import(base, node.lineno, tuple(a.name for a in node.names)))
    return out


MODULES = project_modules()
IMPORTS = {name: imports_in(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
           for name, path in MODULES.items()}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_violations(imports: dict[str, list[Import]]) -> list[str]:
    problems = []
    for name, found in sorted(imports.items()):
        for layers, forbidden, why in RULES:
            if not any(within(name, layer) for layer in layers):
                continue
            for imp in found:
                bad = next((f for f in forbidden for t in imp.targets() if within(t, f)), None)
                if bad:
                    where = MODULES[name].relative_to(ROOT) if name in MODULES else name
                    problems.append(f"{where}:{imp.line}: {name} imports {imp.target} "
                                    f"({bad} is off limits: {why})")
    return sorted(set(problems))


def dependency_graph(imports: dict[str, list[Import]]) -> dict[str, dict[str, int]]:
    """Module -> {project module it imports: first line}. ``from a import b`` depends on the
    module ``a.b`` when there is one, else on ``a``."""
    graph: dict[str, dict[str, int]] = {}
    for name, found in imports.items():
        edges: dict[str, int] = {}
        for imp in found:
            submodules = [t for t in imp.targets()[1:] if t in imports]
            wanted = submodules if len(submodules) == len(imp.names) and imp.names else [
                imp.target, *submodules]
            for target in wanted:
                if target in imports and target != name:
                    edges.setdefault(target, imp.line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One concrete circle per strongly connected component (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(set(component))
    return [_circle_in(graph, c) for c in components]


def _circle_in(graph: dict[str, dict[str, int]], members: set[str]) -> list[str]:
    """A shortest path from the smallest member back to itself, inside the component."""
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(members)


def describe(circle: list[str], graph: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(circle)]
    return "import circle: " + " -> ".join([*steps, circle[-1]])


def long_modules_without_reason(modules: dict[str, Path]) -> list[str]:
    problems = []
    for _name, path in sorted(modules.items()):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if not any(line.strip().startswith(LONG_REASON) for line in doc.splitlines()):
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            problems.append(f"{where}: {lines} lines and no docstring line starting with "
                            f"{LONG_REASON!r}: split it or say why")
    return problems


def test_pure_cores_and_the_inventory_core_keep_to_their_layer():
    problems = layer_violations(IMPORTS)
    assert not problems, "layer rules broken:\n" + "\n".join(problems)


def test_no_import_circles_between_project_modules():
    graph = dependency_graph(IMPORTS)
    found = [describe(c, graph) for c in cycles(graph)]
    assert not found, "\n".join(found)


def test_long_modules_say_why_they_are_long():
    problems = long_modules_without_reason(MODULES)
    assert not problems, "\n".join(problems)


def test_old_flat_module_paths_are_gone():
    # The packages were split into pure cores and database applications; an old path
    # coming back would blur the line again.
    for old in ("routing/model.py", "routing/dispatch.py", "routing/models.py",
                "coldchain/readings.py", "coldchain/models.py", "coldchain/evaluate.py"):
        assert not (ROOT / old).exists(), old


# The checks themselves, on made-up modules: each rule must be able to fail.

def fake(source: str, name: str) -> list[Import]:
    return imports_in(source, name)


@pytest.mark.parametrize(("module", "source", "broken"), [
    ("routing.engine.solver", "import sqlalchemy", "sqlalchemy"),
    ("routing.engine.model", "def f():\n    from routing.dispatch import plans",
     "routing.dispatch"),
    ("coldchain.analysis.excursions", "from wms.models.enums import TempClass", "wms"),
    ("coldchain.analysis.rules", "from wms.settings import PROJECT_ROOT", "wms"),
    ("coldchain.analysis.mkt", "from coldchain.monitoring import models", "coldchain.monitoring"),
    ("wms.stock", "import flask", "flask"),
    ("wms.jobs", "from routing.engine import solver", "routing"),
    ("wms.scanning", "from ortools.constraint_solver import pywrapcp", "ortools"),
    ("coldchain.monitoring.alerts", "from api.errors import problem", "api"),
])
def test_a_forbidden_import_is_reported_with_module_and_rule(module, source, broken):
    [problem, *_] = layer_violations({module: fake(source, module)})
    assert module in problem and f"({broken} is off limits" in problem


def test_allowed_imports_are_not_reported():
    ok = {"routing.dispatch.plans": fake("from routing.engine.solver import solve\n"
                                         "from sqlalchemy import select", "routing.dispatch.plans"),
          "coldchain.analysis.mkt": fake("import numpy\nfrom .units import KELVIN_OFFSET",
                                         "coldchain.analysis.mkt")}
    assert layer_violations(ok) == []


def test_a_circle_through_a_function_level_import_is_reported():
    # The circle the layout once had: actions imported evaluate at the top, evaluate
    # imported actions inside a function.
    imports = {
        "coldchain.monitoring.actions": fake("from coldchain.monitoring import evaluate",
                                             "coldchain.monitoring.actions"),
        "coldchain.monitoring.evaluate": fake(
            "def f():\n    from coldchain.monitoring.actions import hold_exposed_lots",
            "coldchain.monitoring.evaluate"),
        "coldchain.monitoring": [],
        "coldchain.monitoring.exposure": [],
    }
    [circle] = cycles(dependency_graph(imports))
    text = describe(circle, dependency_graph(imports))
    assert "coldchain.monitoring.actions" in text and "coldchain.monitoring.evaluate" in text


def test_a_long_module_without_a_reason_is_reported(tmp_path):
    long_one = tmp_path / "long.py"
    long_one.write_text('"""Short docstring."""\n' + "x = 1\n" * MAX_LINES)
    explained = tmp_path / "explained.py"
    explained.write_text(f'"""Doc.\n\n{LONG_REASON} it must.\n"""\n' + "x = 1\n" * MAX_LINES)
    problems = long_modules_without_reason({"long": long_one, "explained": explained})
    assert len(problems) == 1 and "long.py" in problems[0]
