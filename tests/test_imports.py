"""The import structure: every module imports on its own, and packages import each other without circles.

The graph is built from the code (``ast``): every ``import`` and ``from ... import`` in
``lambdactl/``, at module level or inside a function (a lazy import is still a dependency). A
package is ``lambdactl.<name>`` (a top-level module counts as one), and each embedded service
``lambdactl.services.<service>`` is a package of its own.

The graph has no circle between packages, and every edge points down (or within) the layers of
LAYERS, the order docs/architecture.md draws: a lower package that needs a higher one is given a
seam (``plane.environments``, ``plane.async_work``) instead of importing it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

import lambdactl

ROOT = Path(lambdactl.__file__).parent
# Standalone programs, not modules of the package: the bootstraps run inside execution environments,
# __main__ runs the CLI when imported.
NOT_MODULES = ("lambdactl.runtime.bootstraps", "lambdactl.__main__")

# The layers, bottom first (docs/architecture.md draws them): a package imports only packages of its
# own layer or below. An embedded service not named here is in the services layer.
LAYERS: list[tuple[str, ...]] = [
    ("lambdactl.errors", "lambdactl.settings", "lambdactl.spec", "lambdactl.http11", "lambdactl.model",
     "lambdactl.render", "lambdactl.protocols", "lambdactl.event_patterns", "lambdactl.sample_events"),
    ("lambdactl.state",),
    ("lambdactl.plane",),
    ("lambdactl.backends", "lambdactl.runtime"),
    ("lambdactl.services", "lambdactl.services.clock", "lambdactl.services.paging",
     "lambdactl.services.sqs", "lambdactl.services.kinesis", "lambdactl.services.dynamodbstreams"),
    ("lambdactl.sources",),
    ("lambdactl.control",),
    ("SERVICES",),  # every other lambdactl.services.<service>: s3, events, scheduler, apigateway, ...
    ("lambdactl.events",),
    ("lambdactl.templates",),
    ("lambdactl.server",),
    ("lambdactl.cli",),
]  # fmt: skip


def layer_of(package: str) -> int | None:
    """The package's layer (its index in LAYERS), None for a package LAYERS does not place."""
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    if package.startswith("lambdactl.services."):
        return LAYERS.index(("SERVICES",))
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> list[tuple[str, Path]]:
    found = [(module_name(path), path) for path in sorted(ROOT.rglob("*.py"))]
    return [(name, path) for name, path in found if not name.startswith(NOT_MODULES)]


def package_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "services":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def imported(module: str, path: Path) -> set[str]:
    """The lambdactl modules (or packages) ``path`` imports, at any depth of its code."""
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            names.add(origin)
            names |= {f"{origin}.{alias.name}" for alias in node.names}
    return names & known_modules()


@cache
def known_modules() -> frozenset[str]:
    return frozenset({name for name, _ in modules()} | {parent for name, _ in modules() for parent in _parents(name)})


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules whose imports make that edge."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, path in modules():
        for target in imported(module, path):
            if target != "lambdactl" and package_of(target) != package_of(module):
                graph[package_of(module)][package_of(target)].add(module)
    return graph


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def describe(graph: dict[str, dict[str, set[str]]], edges: list[tuple[str, str]]) -> str:
    return "\n".join(f"  {source} -> {target} ({', '.join(sorted(graph[source][target]))})" for source, target in edges)


def test_no_import_circle_between_packages() -> None:
    graph = package_graph()
    found = circles(graph)
    detail = "\n".join(
        f"{' <-> '.join(component)}:\n"
        + describe(graph, [(source, target) for source in component for target in sorted(graph[source])
                           if target in component])
        for component in found
    )  # fmt: skip
    assert not found, f"import circles between packages:\n{detail}"


def test_packages_import_only_their_layer_and_below() -> None:
    graph = package_graph()
    unplaced = sorted({package for source, targets in graph.items() for package in (source, *targets)
                       if layer_of(package) is None})  # fmt: skip
    assert not unplaced, f"packages LAYERS does not place (add them, see docs/architecture.md): {unplaced}"
    upward = [(source, target) for source, targets in sorted(graph.items()) for target in sorted(targets)
              if layer_of(target) > layer_of(source)]  # type: ignore[operator]  # fmt: skip
    assert not upward, f"imports up the layers (give the lower package a seam instead):\n{describe(graph, upward)}"


def test_the_graph_sees_lazy_imports_and_circles() -> None:
    """The checker itself: a function-level import and a circle are found."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    graph = package_graph()
    assert "lambdactl.plane" in graph["lambdactl.services.sqs"]  # operations register with @operation
    assert "lambdactl.services.sqs" in graph["lambdactl.sources"]  # a lazy import inside a method
    assert layer_of("lambdactl.services.newservice") == layer_of("lambdactl.services.s3")


@pytest.mark.slow
def test_every_module_imports_on_its_own() -> None:
    """Each module in a fresh interpreter: no module works only because another was imported first."""

    def run(name: str) -> tuple[str, int, str]:
        proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120)
        return name, proc.returncode, proc.stderr.strip().splitlines()[-1:] and proc.stderr.strip().splitlines()[-1]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, [name for name, _ in modules()]))
    failed = [f"{name}: {error}" for name, code, error in results if code != 0]
    assert len(results) > 100 and not failed, "\n".join(failed)
