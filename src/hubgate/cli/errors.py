"""How a command stops early: one line (`hubgate: error: ...`, maybe a `  hint: ...`) and its exit
code, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from hubgate.verdicts.exit_codes import EXIT_INTERRUPTED, EXIT_USAGE


def fail_usage(message: str, hint: str | None = None) -> NoReturn:
    """One clear line on stderr (and a hint, when given), exit 2; never a traceback."""
    sys.stderr.write(f"hubgate: error: {message}\n" + (f"  hint: {hint}\n" if hint else ""))
    raise typer.Exit(EXIT_USAGE)


def fail_unreadable(exc: Exception, prefix: str = "") -> NoReturn:
    """A file that could not be read within its bounds (`UnreadableFile`, or an error carrying a
    `hint`): its one line, `prefix` (the option that named it) first, and its hint."""
    fail_usage(f"{prefix}{exc}", hint=getattr(exc, "hint", None) or None)


@contextmanager
def interruptible(progress: Callable[[], str]) -> Iterator[None]:
    """Ctrl-C stops the run at once: one line saying how far it got, no report (it would pass for a
    complete one), exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        sys.stderr.write(
            f"\nhubgate: interrupted after {progress()}; no report written (it would be incomplete)\n"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
