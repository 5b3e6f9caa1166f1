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
    from hubgate.cli.app import COMMANDS

    # cli/app.py loads the command modules by name from its table (only the one being run).
    app_imports = _imported(CLI / "app.py") | {
        module.removeprefix("hubgate.cli.") for module, _, _ in COMMANDS.values()
    }
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


@pytest.mark.parametrize(
    "name", ["scan", "pin", "check", "watch", "fit", "request", "policy", "registry", "requests"]
)
def test_running_one_command_loads_that_command_alone(name: str) -> None:
    """`hubgate check ...` builds an app holding `check` only, with the same options as the whole app's."""
    from hubgate.cli.app import build_app

    whole = typer.main.get_command(build_app())
    alone = typer.main.get_command(build_app(name))
    assert set(getattr(alone, "commands", {})) == {name}
    one, same = getattr(alone, "commands", {})[name], getattr(whole, "commands", {})[name]
    assert [p.name for p in one.params] == [p.name for p in same.params]
    assert sorted(getattr(one, "commands", {})) == sorted(getattr(same, "commands", {}))


def test_a_command_run_imports_no_other_command_module() -> None:
    """In a fresh interpreter, building the app for `check` imports no other command's module."""
    import subprocess
    import sys

    from hubgate.cli.app import COMMANDS

    code = (
        "import sys, typer; from hubgate.cli.app import build_app; "
        "typer.main.get_command(build_app('check')); "
        "print(' '.join(m for m in sys.modules if m.startswith('hubgate.cli.')))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    others = {module for name, (module, _, _) in COMMANDS.items() if name != "check"}
    assert "hubgate.cli.check" in loaded
    assert not loaded & others, sorted(loaded & others)


def test_garbage_collection_is_back_on_once_the_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The entry point turns collection off for start-up; a long run (10,000 models, watch) must get it back."""
    import gc

    from hubgate.cli.app import run

    gc.disable()
    try:
        assert run(["check", "--help"]) == 0
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
    assert "Usage: hubgate check" in capsys.readouterr().out
