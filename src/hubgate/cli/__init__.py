"""The thin Typer layer: commands parse options, call the library, pick a renderer, set the exit code.

This module stays free of typer, rich and pydantic so that `hubgate --version` answers at once; the
app itself lives in `hubgate.cli.app` and is imported only to run a command.
"""

from __future__ import annotations

import gc
import sys

from hubgate._version import __version__


def main() -> None:
    # Start-up creates tens of thousands of objects that live as long as the process (modules, classes)
    # and no garbage: collecting while they are made only walks them again and again. The app turns
    # collection back on once its command is loaded (cli/app.py).
    gc.disable()
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
    from hubgate.cli.app import run

    return run()
