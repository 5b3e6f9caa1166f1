"""The `hubgate` Typer app: the root options, every command (each command file exports its own Typer
app, added here, so no command module imports this one), and how a command line is run."""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from hubgate._version import __version__
from hubgate.cli.errors import fail_unreadable, typo
from hubgate.cli.help import add_examples, readable_metavars
from hubgate.cli.hub_options import check_endpoint_variable


class _RootGroup(TyperGroup):
    """The root command: a file that could not be read within its bounds is one line and exit 2
    wherever it was met. Commands name the option that gave the file where they can; this is the net
    for the rest (a registry or login file read deep inside a run)."""

    def invoke(self, ctx: Any) -> Any:
        from hubgate.inputs.bounded import UnreadableFile

        try:
            return super().invoke(ctx)
        except UnreadableFile as exc:
            fail_unreadable(exc)


# Each command: the module and the Typer app it exports, and the group name for a group of commands. In
# the order of `hubgate --help`: the commands as a workflow runs them, then the groups.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "scan": ("hubgate.cli.scan_cmd", "scan_app", None),
    "pin": ("hubgate.cli.pin_cmd", "pin_app", None),
    "check": ("hubgate.cli.check", "check_app", None),
    "watch": ("hubgate.cli.watch", "watch_app", None),
    "fit": ("hubgate.cli.fit_cmd", "fit_app", None),
    "request": ("hubgate.cli.access_request", "request_app", None),
    "policy": ("hubgate.cli.policy_cmd", "policy_app", "policy"),
    "registry": ("hubgate.cli.registry_cmd", "registry_app", "registry"),
    "requests": ("hubgate.cli.owner_requests", "requests_app", "requests"),
}


def build_app(command: str | None = None) -> typer.Typer:
    """The app with every command, or with only `command` when that is the command being run: a command
    file imports its stage, renderers and their libraries, and a one-model check should not pay for
    the other eight commands' imports and option tables."""
    root = typer.Typer(
        cls=_RootGroup,
        name="hubgate",
        help="Which Hugging Face models and datasets can your token use, what blocks the rest, and what to do next.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain help: readable in pipes and at 80 columns, no box drawing
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    for name in [command] if command in COMMANDS else COMMANDS:
        module, attribute, group = COMMANDS[name]
        root.add_typer(getattr(importlib.import_module(module), attribute), name=group)
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hubgate {__version__}")
        raise typer.Exit()


# Commands that never talk to the Hub: a bad HF_ENDPOINT is no reason to refuse them.
# (`registry verify` does talk to it, and checks the variable itself.)
OFFLINE_COMMANDS = frozenset({"scan", "registry", "policy"})


def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", help="Show the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """hubgate: exact access verdicts for Hugging Face repos, and facts about the models."""
    if ctx.invoked_subcommand not in OFFLINE_COMMANDS:
        check_endpoint_variable()


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


def _usage_hint(command_path: str, argv: list[str]) -> str:
    from hubgate.cli.access_request import OWNER_ACTIONS

    words = [word for word in argv if not word.startswith("-")]
    if command_path == "hubgate requests" and len(words) > 1 and words[1] not in OWNER_ACTIONS:
        return (
            f"to ask for access to {words[1]}, run `hubgate request {words[1]}`; `hubgate requests` "
            f"answers the requests on your own repos (`hubgate requests list {words[1]}`)"
        )
    return f"`{command_path} --help` lists the options, with examples"


def _run(args: list[str] | None) -> int:
    """Usage errors from option parsing get hubgate's own one-line style, like every other error:
    `hubgate: error: <what>` and `  hint: <how to fix>`, exit 2."""
    argv = sys.argv[1:] if args is None else args
    # Only a command word in first place loads that command alone: `hubgate --help check`, a typo or
    # shell completion need the whole app.
    command = typer.main.get_command(build_app(argv[0] if argv else None))
    gc.freeze()  # what start-up made stays: later collections skip it (cli/__init__.py turned them off)
    gc.enable()
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
        message, hint = typo(exc, argv) or (exc.format_message(), "")
        sys.stderr.write(f"hubgate: error: {message}\n")
        if isinstance(exc, _UsageError) and ctx is not None:
            sys.stderr.write(f"  hint: {hint or _usage_hint(ctx.command_path, argv)}\n")
        return exc.exit_code
    return result if isinstance(result, int) else 0


def __getattr__(name: str) -> typer.Typer:
    """`app`: the whole app, for tests and tools that introspect it (docs synopses, completion)."""
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
