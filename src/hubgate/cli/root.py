"""The Typer app every command registers on, the root options, and how a command is run."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from hubgate._version import __version__


class _RootGroup(TyperGroup):
    """The root command: a file that could not be read within its bounds is one line and exit 2
    wherever it was met. Commands name the option that gave the file where they can; this is the net
    for the rest (a registry or login file read deep inside a run)."""

    def invoke(self, ctx: Any) -> Any:
        from hubgate.inputs.bounded import UnreadableFile

        try:
            return super().invoke(ctx)
        except UnreadableFile as exc:
            from hubgate.cli.common import fail_unreadable

            fail_unreadable(exc)


app = typer.Typer(
    cls=_RootGroup,
    name="hubgate",
    help="Which Hugging Face models and datasets can your token use, what blocks the rest, and what to do next.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: readable in pipes and at 80 columns, no box drawing
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
        request_cmd,  # noqa: F401
        scan_cmd,  # noqa: F401
    )


# click's UsageError and ClickException, which typer vendors without exporting them by name.
_UsageError: Any = typer.BadParameter.__mro__[1]
_ClickException: Any = typer.BadParameter.__mro__[2]


def run(args: list[str] | None = None) -> int:
    """Run the app with stdout and stderr scrubbed of tokens: every renderer, warning, usage error and
    traceback goes through them, so a token typed in the wrong place or echoed by a Hub never leaves."""
    from hubgate.cli.output import OutputLost
    from hubgate.hub.token import held_environment_tokens
    from hubgate.inputs.secrets import ScrubbedStream

    held_environment_tokens()
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = ScrubbedStream(out), ScrubbedStream(err)
    try:
        return _run(args)
    except OutputLost:
        raise  # the report could not be written: main() says so in one line, it is no bug
    except Exception:
        import traceback

        traceback.print_exc()  # a bug's traceback, through the scrubbed stderr
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = out, err


def _run(args: list[str] | None) -> int:
    """Usage errors from option parsing get hubgate's own one-line style, like every other error:
    `hubgate: error: <what>` and `  hint: <how to fix>`, exit 2."""
    command = typer.main.get_command(app)
    readable_metavars(command)
    add_examples(command)
    try:
        result = command.main(args=args, prog_name="hubgate", standalone_mode=False)
    except typer.Abort:
        # End of input (Ctrl-D, a closed terminal) or Ctrl-C at a prompt: click gives up on the prompt.
        from hubgate.verdicts.exit_codes import EXIT_INTERRUPTED

        sys.stderr.write("\nhubgate: stopped at a prompt (end of input or Ctrl-C); nothing more was done\n")
        return EXIT_INTERRUPTED
    except _ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")
            return exc.exit_code
        sys.stderr.write(f"hubgate: error: {exc.format_message()}\n")
        if isinstance(exc, _UsageError) and ctx is not None:
            sys.stderr.write(f"  hint: `{ctx.command_path} --help` lists the options, with examples\n")
        return exc.exit_code
    return result if isinstance(result, int) else 0


# Help shows what to type, never Python types (`<list[str]>`, `<float range>`).
_METAVARS = {
    "timeout": "SECONDS",
    "max_wait": "SECONDS",
    "deadline": "SECONDS",
    "jobs": "N",
    "retries": "N",
    "context": "TOKENS",
    "batch": "N",
    "files": "FILE",
    "output": "FILE",
    "token_file": "FILE",
    "state": "FILE",
    "registry_dirs": "DIR",
    "token": "TOKEN",
    "gpus": "GPU",
    "authors": "ORG",
    "registry": "DIR",
}


def readable_metavars(command: object) -> None:
    """Give every option and argument a readable metavar (`FILE`, `SECONDS`, `[model|dataset]`), across all
    subcommands; typer would print the Python type."""
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) or param.name is None:
            continue
        desc = getattr(param, "type_descriptor", None)
        choices = getattr(desc, "choices", None) if getattr(desc, "is_choice", False) else None
        if param.param_type_name == "argument":
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = lambda ctx: None  # the name says it: no `<list[str]>` after it
        elif param.metavar is None:
            if choices:
                param.metavar = "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
            else:
                longest = max(param.opts, key=len).lstrip("-")
                param.metavar = _METAVARS.get(param.name) or longest.upper().replace("-", "_")
    for sub in getattr(command, "commands", {}).values():
        readable_metavars(sub)


def add_examples(command: object, path: tuple[str, ...] = ()) -> None:
    """Every command's help ends with its examples (`hubgate.cli.examples`)."""
    from hubgate.cli.examples import epilog

    subcommands = getattr(command, "commands", None)
    if not subcommands:
        command.epilog = command.epilog or epilog(" ".join(path))  # type: ignore[attr-defined]
        return
    for name, sub in subcommands.items():
        add_examples(sub, (*path, name))
