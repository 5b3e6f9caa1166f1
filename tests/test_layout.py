"""The package's floors: imports point one way (cli -> app stages -> core stages), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hubgate"

# A module may import from its own floor and the floors below it, never from a floor above.
FLOORS = {
    "inputs": 0,
    "hub": 0,
    "verdicts": 0,
    "units": 0,
    "datafiles": 0,
    "check": 1,
    "watch": 1,
    "access": 1,
    "render": 1,
    "registry": 1,
    "fit": 1,
    "owner": 1,
    "cli": 2,
    "__main__": 3,
}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "hubgate" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if (p.parent != PACKAGE or p.name != "__init__.py") and TESTHUB not in p.parents
    )


# The test Hub stands outside the floors: it imports nothing from hubgate, and nothing in hubgate imports it.
TESTHUB = PACKAGE / "testhub"


def test_the_test_hub_is_apart_from_hubgate() -> None:
    inside = sorted(TESTHUB.rglob("*.py"))
    assert inside
    into = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in inside
        for line, module in _imports(path)
        if module.split(".")[0] == "hubgate" and not module.startswith("hubgate.testhub")
    ]
    assert not into, "; ".join(into)
    onto = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in _modules()
        for line, module in _imports(path)
        if module.startswith("hubgate.testhub")
    ]
    assert not onto, "; ".join(onto)


def test_every_stage_has_a_floor() -> None:
    stages = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _modules()}
    assert stages - {"schemas"} <= set(FLOORS), f"add new stages to FLOORS: {stages - set(FLOORS)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    upward = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for line, module in _imports(path)
        if (stage := _stage(module)) is not None and FLOORS.get(stage, 0) > FLOORS[own]
    ]
    assert not upward, "; ".join(upward)
