"""The house shows its jobs: no import cycles between the package's modules (imports inside functions
count too: a cycle hidden in a function is still a cycle), and the CLI is the only layer that imports
click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tpbc_kg"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The package modules a file imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    graph = {name: _imports(path, known) - {name} for name, path in files.items()}
    # importing tpbc_kg.x runs tpbc_kg/__init__ first; that edge is not a design dependency
    return {name: {d for d in deps if d != "tpbc_kg"} for name, deps in graph.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that starts and ends at the same module), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("module", ["api", "kb", "build", "query", "store", "show", "inference", "reason"])
def test_the_typed_api_does_not_import_the_cli(module):
    deps = import_graph()[f"tpbc_kg.{module}"]
    assert not {d for d in deps if d.startswith("tpbc_kg.cli")}, deps


def test_the_package_is_typed():
    assert (PACKAGE / "py.typed").is_file()


def test_mypy_passes_on_the_package():
    """The package type-checks with the configuration in pyproject.toml ([tool.mypy])."""
    import subprocess
    import sys

    mypy = pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    assert mypy is not None
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
