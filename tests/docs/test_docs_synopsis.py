"""The docs' synopses and `--help` agree: same options, same defaults, same choices, for every command.

A synopsis is a ```text block marked `<!-- synopsis -->` in docs/; each of its commands starts a line with
`hubgate COMMAND` (continuation lines are indented). Conventions, checked here:

- every option of the command appears (by any of its names), and no other;
- `[--opt VALUE]` for an option that takes a value, `[--flag]` for a flag; `...` after it when it repeats;
- an option with a default shows the default as its value (`[--timeout 15]`), or first in its list of
  choices (`[--format table|json]`); an option without one shows a placeholder (`[-o FILE]`);
- a list of choices is the option's choices exactly, or, when the option takes free text, words its help
  names (`--dtype float32|bfloat16|...` must be words of `--dtype`'s help); CAPITALS are placeholders;
- every argument appears by its name in capitals (`IDS...`, `REPO`).
"""

from __future__ import annotations

import enum
import re
from typing import Any, Literal, get_args, get_origin

import pytest
import typer

from tests.docs.test_docs_examples import ALL, Block

OPTION = re.compile(
    r"(?<![\w-])(?P<name>--?[A-Za-z][\w-]*)(?:[ =](?P<value>[^\s\[\]|-][^\s\[\]]*))?\]?(?P<many>\.\.\.)?"
)


def cli() -> Any:
    """The click command tree `hubgate` runs (its --help is generated from the same objects)."""
    from hubgate.cli.app import app

    return typer.main.get_command(app)


def leaves(command: Any, path: tuple[str, ...] = ()) -> dict[str, Any]:
    subs = getattr(command, "commands", None)
    if not subs:
        return {" ".join(path): command}
    found: dict[str, Any] = {}
    for name, sub in subs.items():
        found.update(leaves(sub, (*path, name)))
    return found


COMMANDS = leaves(cli())
SYNOPSIS_BLOCKS: list[Block] = [b for b in ALL if b.kind == "synopsis"]


def synopses() -> dict[str, list[tuple[str, str]]]:
    """command path -> [(where, the synopsis text after the path)]."""
    found: dict[str, list[tuple[str, str]]] = {}
    for block in SYNOPSIS_BLOCKS:
        current: list[str] | None = None
        entries: list[list[str]] = []
        for line in block.body.splitlines():
            if line.startswith("hubgate "):
                current = [line]
                entries.append(current)
            else:
                assert current is not None and line.startswith(" "), f"{block.where}: {line!r}"
                current.append(line)
        for entry in entries:
            words = " ".join(entry).split()[1:]
            path: list[str] = []
            while words:
                candidate = " ".join([*path, words[0]])
                if candidate not in COMMANDS and not any(n.startswith(candidate + " ") for n in COMMANDS):
                    break
                path.append(words.pop(0))
            found.setdefault(" ".join(path), []).append((block.where, " ".join(words)))
    return found


SYNOPSES = synopses()


def test_every_command_has_one_synopsis() -> None:
    assert set(SYNOPSES) == set(COMMANDS), (
        f"missing: {sorted(set(COMMANDS) - set(SYNOPSES))}, unknown: {sorted(set(SYNOPSES) - set(COMMANDS))}"
    )
    twice = {path: [w for w, _ in entries] for path, entries in SYNOPSES.items() if len(entries) > 1}
    assert not twice, f"one synopsis per command: {twice}"


def _choices(param: Any) -> list[str] | None:
    """The values the option accepts when it declares them (an Enum or Literal type; click's Choice)."""
    declared = getattr(getattr(param, "type", None), "choices", None)
    if declared is not None:
        return [str(getattr(c, "value", c)) for c in declared]
    stack = [getattr(getattr(param, "type_descriptor", None), "annotation", None)]
    while stack:
        annotation = stack.pop()
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return [str(member.value) for member in annotation]
        if get_origin(annotation) is Literal:
            return [str(value) for value in get_args(annotation)]
        stack.extend(get_args(annotation))  # list[X], X | None
    return None


def _default(param: Any) -> str | None:
    """The default --help shows, as the synopsis writes it; None when there is none to show."""
    value = getattr(param.default, "value", param.default)
    if param.multiple or param.is_flag or value is None or value == "" or value is False:
        return None
    if param.show_default is False:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _problems(path: str, text: str) -> list[str]:
    command = COMMANDS[path]
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    by_name = {name: p for p in options for name in (*p.opts, *p.secondary_opts)}
    problems: list[str] = []
    seen: set[str] = set()
    for match in OPTION.finditer(text):
        name, value, many = match["name"], match["value"], bool(match["many"])
        param = by_name.get(name)
        if param is None:
            problems.append(f"{name}: no such option")
            continue
        seen.add(param.name)
        if param.is_flag and value:
            problems.append(f"{name} is a flag, the synopsis gives it a value ({value})")
            continue
        if not param.is_flag and not value:
            problems.append(f"{name} takes a value: [{name} VALUE]")
            continue
        if many != bool(param.multiple):
            problems.append(
                f"{name}: {'repeatable' if param.multiple else 'not repeatable'} ('...' after it)"
            )
        if not value:
            continue
        default = _default(param)
        choices = value.split("|")
        if len(choices) > 1:
            words = [c for c in choices if not re.fullmatch(r"[A-Z][A-Z0-9_.,=-]*", c)]
            declared = _choices(param)
            if declared is not None:
                if set(words) != set(map(str, declared)):
                    problems.append(
                        f"{name}: choices {sorted(map(str, declared))}, the synopsis says {words}"
                    )
            else:
                help_words = {w.strip(".-") for w in re.findall(r"[\w.-]+", (param.help or "").lower())}
                missing = [w for w in words if w.lower() not in help_words]
                if missing:
                    problems.append(f"{name}: {missing} not in its help ({param.help!r})")
            if default is not None and choices[0] != default:
                problems.append(f"{name}: the default is {default}, the synopsis lists {choices[0]} first")
        elif default is not None and not _same(value, default):
            problems.append(f"{name}: the default is {default}, the synopsis says {value}")
    for param in options:
        if param.name not in seen and "--help" not in param.opts:
            problems.append(f"{'/'.join(param.opts)} is missing")
    for argument in arguments:
        if not re.search(rf"(?<![\w-]){re.escape(argument.name.upper())}(?![\w-])", text):
            problems.append(f"argument {argument.name.upper()} is missing")
    return problems


def _same(written: str, default: str) -> bool:
    try:
        return float(written) == float(default)
    except ValueError:
        return written == default


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_synopsis_matches_help(path: str) -> None:
    entries = SYNOPSES.get(path)
    if not entries:
        pytest.fail(f"hubgate {path} has no synopsis in docs/")
    where, text = entries[0]
    problems = _problems(path, text)
    assert not problems, f"{where}: hubgate {path}:\n  " + "\n  ".join(problems)


def test_the_check_catches_a_wrong_default_a_missing_option_and_an_unaccepted_choice() -> None:
    """The three drifts issue 25 found: a default, a missing choice, a documented value help never names."""
    if "requests list" in COMMANDS:
        assert any("default is 15" in p for p in _problems("requests list", "REPO [--timeout 30]"))
    assert any("choices" in p for p in _problems("check", "[IDS...] [--format table|json]"))
    assert any("not in its help" in p for p in _problems("fit", "[IDS...] [--dtype float32|fp6]"))
    assert any("is missing" in p for p in _problems("scan", "[PATHS...]"))
