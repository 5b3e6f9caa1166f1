"""The thin Typer layer: commands parse options, call the library, pick a renderer, set the exit code.

This module stays free of typer, rich and pydantic so that `hubgate --version` answers at once; the
app itself lives in `hubgate.cli.root` and is imported only to run a command.
"""

from __future__ import annotations

import sys
from typing import Any

from hubgate._version import __version__

_ROOT_NAMES = ("app", "_register", "run", "readable_metavars", "add_examples", "OFFLINE_COMMANDS")


def main() -> None:
    from hubgate.cli.output import reserve_standard_streams, run_guarded

    reserve_standard_streams()
    code = run_guarded(_run)
    if code:
        sys.exit(code)


def _run() -> int:
    if sys.argv[1:] in (["--version"], ["-V"]):
        # The most common scripted call stays free of every heavy import.
        sys.stdout.write(f"hubgate {__version__}\n")
        return 0
    from hubgate.cli.root import _register, run

    _register()
    return run()


def __getattr__(name: str) -> Any:
    """`from hubgate.cli import app` (the commands register on it) imports the app only when asked."""
    if name in _ROOT_NAMES:
        from hubgate.cli import root

        return getattr(root, name)
    raise AttributeError(f"module 'hubgate.cli' has no attribute {name!r}")
