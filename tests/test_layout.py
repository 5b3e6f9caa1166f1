"""The package's floors: imports run one way, from the foundations up to the CLI, checked on the source.

Every package has a floor; a module imports only from its own package and from lower floors. The package
root (`hubgate/__init__.py`, the Python API) sits on the top floor with `__main__`, so `from hubgate import`
inside the package is an upward arrow too. A private name (`_name`) belongs to its package: taking one from
another package is an arrow the owner never agreed to. The test Hub imports nothing from hubgate.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hubgate"

FLOORS = {
    "_version": 0,
    "units": 0,
    "paths": 0,
    "keep": 0,
    "inputs": 0,
    "hub": 1,
    "verdicts": 2,
    "registry": 3,
    "fit": 4,
    "check": 5,
    "watch": 6,
    "access": 6,
    "owner": 6,
    "pin": 6,
    "render": 7,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}
# Outside the floors: the loopback test Hub (tests, benchmarks and the offline demo use it).
ISOLATED = {"testhub"}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "hubgate":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _own_stage(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names imported from it) for every absolute import, lazy ones inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_the_test_hub_is_apart_from_hubgate() -> None:
    """The test Hub imports nothing from hubgate, and the product never imports it: only `python -m
    hubgate.testhub` (its own `__main__`), the tests and the benchmarks start it."""
    testhub = PACKAGE / "testhub"
    inside = sorted(testhub.rglob("*.py"))
    assert inside
    into = [
        f"{_rel(path)}:{line} imports {module}"
        for path in inside
        for line, module, _names in _imports(path)
        if _stage(module) not in (None, "testhub")
    ]
    assert not into, "; ".join(into)
    onto = [
        f"{_rel(path)}:{line} imports {module}"
        for path in _modules()
        if testhub not in path.parents
        for line, module, _names in _imports(path)
        if _stage(module) == "testhub"
    ]
    assert not onto, "; ".join(onto)


def test_every_stage_has_a_floor() -> None:
    stages = {_own_stage(p) for p in _modules()}
    assert stages <= set(FLOORS) | ISOLATED, f"add new stages to FLOORS: {stages - set(FLOORS) - ISOLATED}"


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_imports_point_down(path: Path) -> None:
    own = _own_stage(path)
    wrong = []
    for line, module, _names in _imports(path):
        stage = _stage(module)
        if stage is None or stage == own:
            continue
        if own in ISOLATED:
            wrong.append(f"{_rel(path)}:{line} imports {module} (the test Hub imports nothing from hubgate)")
        elif stage in ISOLATED and own != "__main__":
            wrong.append(f"{_rel(path)}:{line} imports {module} (the product never imports the test Hub)")
        elif stage not in ISOLATED and FLOORS[stage] > FLOORS[own]:
            wrong.append(
                f"{_rel(path)}:{line} imports {module}, a floor up ({stage} {FLOORS[stage]} > {own} {FLOORS[own]})"
            )
    assert not wrong, "; ".join(wrong)


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_no_private_name_taken_across_packages(path: Path) -> None:
    own = _own_stage(path)
    taken = [
        f"{_rel(path)}:{line} takes {module}.{name}"
        for line, module, names in _imports(path)
        if (stage := _stage(module)) is not None and stage != own
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not taken, "; ".join(taken)


def test_no_import_circle_between_modules() -> None:
    """No two modules depend on each other, directly or round a loop; lazy imports inside functions
    count too (they are dependencies all the same, only deferred)."""
    graph: dict[str, set[str]] = defaultdict(set)
    names = {}
    for path in _modules():
        rel = path.relative_to(PACKAGE).with_suffix("")
        dotted = ".".join(("hubgate", *rel.parts)).removesuffix(".__init__")
        names[dotted] = path
    for dotted, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target in names and target != dotted:
                    graph[dotted].add(target)
    seen: dict[str, int] = {}
    circles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                circles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in seen:
                visit(nxt, [*trail, nxt])
        seen[node] = 2

    for start in sorted(names):
        if start not in seen:
            visit(start, [start])
    assert not circles, "; ".join(circles)
