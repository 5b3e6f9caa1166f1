"""The thin Typer layer: commands parse options, call the library, pick a renderer, set the exit code."""

from __future__ import annotations

import sys

import typer

from hubgate import __version__

app = typer.Typer(
    name="hubgate",
    help="Which Hugging Face models and datasets can your token use, what blocks the rest, and what to do next.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hubgate {__version__}")
        raise typer.Exit()


# Commands that never talk to the Hub: a bad HF_ENDPOINT is no reason to refuse them.
# (`registry verify` does talk to it, and checks the variable itself.)
OFFLINE_COMMANDS = frozenset({"scan", "registry", "policy"})


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", help="Show the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """hubgate: exact access verdicts for Hugging Face repos, and facts about the models."""
    from hubgate.cli.common import check_endpoint_variable

    if ctx.invoked_subcommand not in OFFLINE_COMMANDS:
        check_endpoint_variable()


def _register() -> None:
    from hubgate.cli import check, watch  # noqa: F401  (they register their commands on `app`)
    from hubgate.cli.policy_cmd import policy_app
    from hubgate.cli.registry_cmd import registry_app
    from hubgate.cli.requests_cmd import requests_app

    app.add_typer(policy_app, name="policy")
    app.add_typer(registry_app, name="registry")
    app.add_typer(requests_app, name="requests")
    from hubgate.cli import (
        fit_cmd,  # noqa: F401
        scan_cmd,  # noqa: F401
    )


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        # The most common scripted call stays free of every heavy import.
        sys.stdout.write(f"hubgate {__version__}\n")
        return
    _register()
    app()
