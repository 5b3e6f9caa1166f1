"""Help that reads well: readable metavars (never Python types), 2 or 3 runnable examples at the end of
every command, 80 columns; usage errors in hubgate's own one-line style."""

from __future__ import annotations

import shlex

import pytest
import typer

from hubgate.cli.app import app
from hubgate.cli.examples import EXAMPLES
from hubgate.cli.help import add_examples, readable_metavars


def _tree() -> object:
    command = typer.main.get_command(app)
    readable_metavars(command)
    add_examples(command)
    return command


def _leaves(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, object]]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [(" ".join(path), command)]
    return [leaf for name, sub in subs.items() for leaf in _leaves(sub, (*path, name))]


LEAVES = _leaves(_tree())


def test_every_command_has_examples() -> None:
    assert {path for path, _ in LEAVES} == set(EXAMPLES)
    assert all(2 <= len(lines) <= 3 for lines in EXAMPLES.values())


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[path for path, _ in LEAVES])
def test_examples_parse_and_help_is_plain_at_80_columns(path: str, command) -> None:  # type: ignore[no-untyped-def]
    for line in EXAMPLES[path]:
        words = shlex.split(line.split("#", 1)[0].split("|", 1)[0].split(">", 1)[0])
        assert words[: 1 + len(path.split())] == ["hubgate", *path.split()], line
        args = words[1 + len(path.split()) :]
        command.make_context(f"hubgate {path}", args)  # unknown options or bad choices raise here
    ctx = command.make_context(f"hubgate {path}", ["--help"], resilient_parsing=True)
    ctx.terminal_width = ctx.max_content_width = 80
    text = command.get_help(ctx)
    assert "<list[" not in text and "<str>" not in text and "<bool>" not in text and "range>" not in text
    assert "Examples:" in text
    too_wide = [row for row in text.splitlines() if len(row) > 80 and "hubgate " not in row]
    assert not too_wide, too_wide
    assert all(row == row.rstrip() for row in text.splitlines())


def test_an_option_with_choices_shows_them_in_help() -> None:
    # The metavar of a choice is its words, whichever way typer hands the choices to click.
    check = dict(LEAVES)["check"]
    ctx = check.make_context("hubgate check", ["--help"], resilient_parsing=True)  # type: ignore[attr-defined]
    ctx.terminal_width = ctx.max_content_width = 200
    text = check.get_help(ctx)  # type: ignore[attr-defined]
    assert "--repo-type [model|dataset]" in text
    assert "--format [table|json|quiet|github|junit|markdown|sarif|cyclonedx]" in text


def test_usage_errors_are_one_line_with_a_hint(run_cli) -> None:  # type: ignore[no-untyped-def]
    # Errors from option parsing (typer/click) get the same style as hubgate's own, with a hint.
    for args in (("check", "--timeout", "soon"), ("check", "--bogus"), ("watch", "--repo-type", "space")):
        result = run_cli(*args)
        assert result.code == 2, args
        lines = result.stderr.splitlines()
        assert len(lines) == 2, result.stderr
        assert lines[0].startswith("hubgate: error: ") and lines[1].startswith("  hint: `hubgate "), (
            result.stderr
        )
        assert "╭" not in result.stderr and "Traceback" not in result.stderr
    own = run_cli("fit", "--format", "xml", "gpt2")
    assert own.code == 2 and own.stderr.startswith("hubgate: error: --format 'xml'")


def test_contradictory_format_flags_are_refused_with_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    cases = [("--json", "-q"), ("--format", "markdown", "--json"), ("--format", "github", "-q")]
    # A typed --format table is no default: it contradicts --json too (it used to be taken silently).
    cases += [("--format", "table", "--json"), ("--format", "table", "-q")]
    for command in ("check", "watch"):
        for args in cases if command == "check" else [("--format", "table", "--json")]:
            result = run_cli(command, "gpt2", *args)
            assert result.code == 2 and "contradict" in result.stderr.splitlines()[0], (command, args)
    assert run_cli("check", "gpt2", "--format", "json", "--json", "--anonymous").code in (0, 1, 3)


def test_watch_takes_format_like_check(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    state = tmp_path / "s.db"
    data = json.loads(run_cli("watch", "gpt2", "--state", str(state), "--format", "json").stdout)
    assert data["schema_version"] >= 1 and "changes" in data and "first_seen" in data
    assert run_cli("watch", "gpt2", "--state", str(state), "--format", "xml").code == 2


def test_token_matrix_says_why_other_formats_do_not_apply(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ALICE

    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"work={ALICE}\n")
    result = run_cli("check", "gpt2", "--token-file", str(tokens), "--format", "markdown")
    assert result.code == 2
    assert "a token matrix is printed as table or json" in result.stderr
    assert "hint: the other formats describe one token's verdicts" in result.stderr


def test_table_output_has_no_trailing_spaces_in_a_pipe(run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ALICE, GEMMA, LLAMA2

    for args in (
        ("check", "gpt2", LLAMA2, GEMMA, "nobody/missing"),
        ("registry", "show", "gpt2"),
        ("registry", "list", "--max-params", "2B"),
        ("fit", "gpt2", "-g", "t4"),
    ):
        out = run_cli(*args, HF_TOKEN=ALICE).stdout
        assert out and all(line == line.rstrip() for line in out.splitlines()), args


@pytest.mark.slow  # a fresh interpreter: what a start-up imports
def test_version_answers_without_typer_rich_or_pydantic() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; sys.argv[1:] = ['--version']; from hubgate.cli import main; main(); "
        "print(sorted(m for m in ('typer', 'rich', 'pydantic', 'httpx2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    version, imported = out.splitlines()
    assert version.startswith("hubgate ") and imported == "[]"


def test_request_and_requests_point_at_each_other(run_cli, hub) -> None:  # type: ignore[no-untyped-def]
    """`hubgate requests google/gemma-2b` was "No such command" with no way on; `hubgate request list
    google/gemma-2b` asked the Hub for a repo called `list` and exited 0."""
    owner = run_cli("requests", "google/gemma-2b")
    assert owner.code == 2
    assert owner.stderr.splitlines()[1].startswith(
        "  hint: to ask for access to google/gemma-2b, run `hubgate request"
    )
    user = run_cli("request", "list", "google/gemma-2b")
    assert user.code == 2 and "`list` is a command of `hubgate requests`" in user.stderr
    assert user.stderr.splitlines()[1] == "  hint: hubgate requests list google/gemma-2b"
    assert not [entry for entry in hub.log if entry.path.endswith("/list")]  # nothing asked about `list`
