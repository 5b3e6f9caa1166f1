"""Which format a report is written in (--format with its shorthands --json and -q), and the console
tables are printed on."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from hubgate.cli.errors import fail_usage

if TYPE_CHECKING:
    from rich.console import Console


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    """--format, case-insensitive, one of `allowed`; anything else ends the run with one line."""
    value = value.strip().lower()
    if value not in allowed:
        fail_usage(f"--format {value!r}: use {' or '.join(allowed)}")
    return value


def given(ctx: Any, name: str) -> bool:
    """Whether the option `name` was typed (or set in the environment), not left at its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def pick_format(
    fmt: str, as_json: bool, quiet: bool = False, *, default: str = "table", given: bool = False
) -> str:
    """--format with its shorthands --json and -q; contradictory ones end the run with one line, a typed
    `--format table --json` included (`given`: --format was typed, not left at its default)."""
    fmt = str(getattr(fmt, "value", fmt))
    if as_json and quiet:
        fail_usage(
            "--json and -q contradict each other; pass one", hint="--json is --format json, -q --format quiet"
        )
    shorthand = "json" if as_json else ("quiet" if quiet else None)
    if shorthand is None:
        return fmt
    if fmt != shorthand and (given or fmt != default):
        flag = "--json" if as_json else "-q"
        fail_usage(f"{flag} and --format {fmt} contradict each other; pass one")
    return shorthand


def format_or_json(ctx: Any, fmt: Any, as_json: bool, allowed: tuple[str, ...]) -> str:
    """--format (one of `allowed`) with its shorthand --json: a typed `--format table --json` ends the
    run with one line, as in every command."""
    typed = given(ctx, "output_format")
    value = str(getattr(fmt, "value", fmt))
    # untyped, --format holds its default, which --json replaces without contradicting it
    picked = pick_format(value, as_json, default=value if not typed else "", given=typed)
    return check_format(picked, allowed)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def table_console() -> Console:
    """A Rich console for tables on stdout: colour only on a terminal without NO_COLOR; as wide as the
    terminal, or as COLUMNS says; in pipes and logs without COLUMNS, lines as long as they need to be.
    Ids are never cut at any width (render/layout.py)."""
    import os

    from rich.console import Console

    tty = sys.stdout.isatty()
    bounded = tty or os.environ.get("COLUMNS", "").strip().isdigit()
    return Console(
        file=None if tty else TrimmedLines(sys.stdout),  # type: ignore[arg-type]
        highlight=False,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        color_system="auto" if tty else None,
        width=None if bounded else 1000,
        soft_wrap=not bounded,
    )


class TrimmedLines:
    """A text stream that drops the spaces Rich pads table cells with at the end of lines (pipes, logs)."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write("\n".join(line.rstrip(" ") for line in text.split("\n")))
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return False
