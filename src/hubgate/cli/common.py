"""Options and helpers shared by commands."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from hubgate.outcome import EXIT_USAGE

TokenOption = typer.Option(
    None,
    "--token",
    help="Hugging Face token. Default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HUGGINGFACE_API_TOKEN, "
    "HUGGINGFACE_API_KEY, then the login stored by `hf auth login`.",
    show_default=False,
)
AnonymousOption = typer.Option(False, "--anonymous", help="Send no token, whatever the environment holds.")


def fail_usage(message: str) -> NoReturn:
    """One clear line on stderr, exit 2; never a traceback."""
    sys.stderr.write(f"hubgate: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)


def stderr_is_interactive() -> bool:
    return sys.stderr.isatty()
