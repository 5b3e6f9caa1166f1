"""Help that reads well: readable metavars (`FILE`, `SECONDS`, `[model|dataset]`, never Python types)
and two or three examples at the end of every command (`hubgate.cli.examples`)."""

from __future__ import annotations

from typing import Any

# What to type, by option name.
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


def option_choices(param: Any) -> list[str]:
    """An option's choices (an enum or a Literal), as --help shows them. typer below 0.29 hands them to
    click as a `Choice` type; 0.29 keeps them in its own type descriptor."""
    desc = getattr(param, "type_descriptor", None)
    choices = getattr(desc, "choices", None) if getattr(desc, "is_choice", False) else None
    choices = choices or getattr(getattr(param, "type", None), "choices", None)
    return [str(getattr(choice, "value", choice)) for choice in choices or ()]


def readable_metavars(command: Any) -> None:
    """Give every option and argument a readable metavar, across all subcommands; typer would print the
    Python type."""
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) or param.name is None:
            continue
        choices = option_choices(param)
        if param.param_type_name == "argument":
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = lambda ctx: None  # the name says it: no `<list[str]>` after it
        elif param.metavar is None:
            if choices:
                param.metavar = "[" + "|".join(choices) + "]"
            else:
                longest = max(param.opts, key=len).lstrip("-")
                param.metavar = _METAVARS.get(param.name) or longest.upper().replace("-", "_")
    for sub in getattr(command, "commands", {}).values():
        readable_metavars(sub)


def add_examples(command: Any, path: tuple[str, ...] = ()) -> None:
    """Every command's help ends with its examples."""
    from hubgate.cli.examples import epilog

    subcommands = getattr(command, "commands", None)
    if not subcommands:
        command.epilog = command.epilog or epilog(" ".join(path))
        return
    for name, sub in subcommands.items():
        add_examples(sub, (*path, name))
