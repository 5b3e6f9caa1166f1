"""How a command stops early: one line (`hubgate: error: ...`, maybe a `  hint: ...`) and its exit
code, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

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


def typo(exc: Any, args: list[str]) -> tuple[str, str] | None:
    """A usage error about a word click does not know (a command, an option, one of an option's choices):
    the error line and a did-you-mean hint (empty when nothing is close); None for any other error."""
    from hubgate.cli.help import option_choices
    from hubgate.inputs.words import close_match, did_you_mean

    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return None
    if type(exc).__name__ == "NoSuchOption":
        # Compared without the dashes, which every option shares (`--bogus` is not close to `--gpu`).
        known = [
            opt[2:] for param in ctx.command.get_params(ctx) for opt in param.opts if opt.startswith("--")
        ]
        match = close_match(exc.option_name.lstrip("-"), known)
        return exc.message, f"did you mean '--{match}'?" if match else ""
    commands = getattr(ctx.command, "commands", None)
    if commands and exc.message.startswith("No such command"):
        # typer adds its own "Did you mean" to the line; the hint says it, the hubgate way.
        depth = len(ctx.command_path.split()) - 1
        words = [word for word in args if not word.startswith("-")]
        wrong = words[depth] if len(words) > depth else ""
        return exc.message.split(". Did you mean")[0].rstrip(".") + ".", did_you_mean(wrong, commands)
    param = getattr(exc, "param", None)
    choices = option_choices(param)
    value = _typed_value(param.opts, args) if param is not None and choices else None
    if param is not None and value is not None:
        return f"{param.opts[0]} {value!r}: use one of {', '.join(choices)}", did_you_mean(value, choices)
    return None


def _typed_value(opts: list[str], args: list[str]) -> str | None:
    """The last value given to an option (`--format x` or `--format=x`), as click keeps the last."""
    value = None
    for index, arg in enumerate(args):
        name, eq, rest = arg.partition("=")
        if name in opts and eq:
            value = rest
        elif arg in opts and index + 1 < len(args):
            value = args[index + 1]
    return value
