"""The CLI stays thin: each command file parses options, calls its stage and hands the result to a
renderer. Checked on the source: short files, each command file exporting its own Typer app that only
cli/app.py adds, and no import between command files (lazy ones inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer

CLI = Path(__file__).resolve().parents[2] / "src" / "hubgate" / "cli"
MAX_LINES = 200


def _files() -> list[Path]:
    return sorted(CLI.glob("*.py"))


def _imported(path: Path) -> set[str]:
    """Every hubgate.cli module (by file name) `path` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {
        name.removeprefix("hubgate.cli.").split(".")[0] for name in found if name.startswith("hubgate.cli.")
    }


def _command_modules() -> dict[str, str]:
    """Module name -> the name of the Typer app it exports, for every module that exports one."""
    import importlib

    found = {}
    for path in _files():
        module = importlib.import_module(f"hubgate.cli.{path.stem}")
        apps = [name for name, value in vars(module).items() if isinstance(value, typer.Typer)]
        if apps and path.stem != "app":
            found[path.stem] = apps[0]
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_cli_file_over_200_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name}: {lines} lines; move logic to its stage, output to render/"


def test_every_command_file_exports_its_app_and_only_the_app_module_adds_them() -> None:
    commands = _command_modules()
    assert {"check", "watch", "fit_cmd", "scan_cmd", "pin_cmd", "access_request", "owner_requests"} <= set(
        commands
    )
    app_imports = _imported(CLI / "app.py")
    # A group may add its own subcommands' apps (registry validate and verify, requests auto); everything else comes
    # from cli/app.py.
    groups = {"registry_cmd": {"registry_validate", "registry_verify"}, "owner_requests": {"owner_auto"}}
    for path in _files():
        wanted = app_imports if path.stem == "app" else groups.get(path.stem, set())
        taken = _imported(path) & set(commands)
        assert taken <= wanted, f"{path.name} imports the command modules {sorted(taken - wanted)}"
        if path.stem not in ("app", "__init__"):  # main() in __init__ runs the app
            assert "app" not in _imported(path), f"{path.name} imports cli/app.py"
    subcommands = set().union(*groups.values())
    assert {name for name in commands if name not in subcommands} <= app_imports


def test_the_app_holds_every_command() -> None:
    from hubgate.cli.app import app

    command = typer.main.get_command(app)
    top = set(getattr(command, "commands", {}))
    assert top == {"scan", "pin", "check", "watch", "fit", "request", "policy", "registry", "requests"}
