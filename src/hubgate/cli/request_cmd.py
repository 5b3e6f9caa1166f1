"""`hubgate request`: ask for access to every repo that needs it, filling each gate form once."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from hubgate.cli.common import (
    AnonymousOption,
    FilesOption,
    IdsArgument,
    RepoTypeChoice,
    RepoTypeOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
    announcing_pacer,
    check_format,
    fail_unreadable,
    fail_usage,
    load_refs,
    resolve_token_options,
    retry_policy,
)
from hubgate.cli.root import app
from hubgate.cli.scan_cmd import ExcludeOption, IncludeOption

FORMATS = ("table", "json")


def stdin_state() -> str | None:
    """None when stdin is a terminal to ask on; else what it is ("closed", "not a terminal"). A closed
    stdin (`<&-`) leaves Python no sys.stdin at all."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return "closed"
    try:
        return None if stream.isatty() else "not a terminal"
    except (OSError, ValueError):
        return "closed"


def load_answers(path: Path | None, pairs: list[str]) -> dict[str, Any]:
    """Field answers from a YAML or TOML file (a mapping of field name to value), then --field pairs."""
    answers: dict[str, Any] = {}
    if path is not None:
        from hubgate.inputs.bounded import (
            MAX_CONFIG_BYTES,
            UnreadableFile,
            decode_text,
            load_toml,
            load_yaml,
            read_capped,
        )

        name = str(path)
        try:
            raw = read_capped(path, MAX_CONFIG_BYTES, what="answers file")
            data: Any = (
                load_toml(raw, name)
                if path.suffix.lower() == ".toml"
                else load_yaml(decode_text(raw, name, what="answers file"), name)
            )
        except UnreadableFile as exc:
            fail_unreadable(exc, "--answers ")
        if not isinstance(data, dict):
            fail_usage(f"--answers {path}: expected a mapping of field name to value")
        answers.update({str(k): v for k, v in data.items()})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail_usage(f"--field {pair!r}: use --field 'Name=value'")
        answers[name.strip()] = value
    return answers


@app.command()
def request(
    ids: list[str] | None = IdsArgument,
    files: list[str] | None = FilesOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send nothing."),
    fields: list[str] = typer.Option(
        [], "--field", help="A form answer, 'Name=value' (repeatable); wins over --answers."
    ),
    answers_file: Path | None = typer.Option(
        None, "--answers", help="Form answers: a YAML or TOML mapping of field name to value."
    ),
    accept_terms: bool = typer.Option(
        False,
        "--accept-terms",
        help="Accept the terms every gate shows (its prompt and checkboxes), for every repo of the run.",
    ),
    yes: bool = typer.Option(
        False,
        "--yes",
        "-y",
        help="Send without asking (needed without a terminal): each request shares your name and email "
        "with the repo's authors.",
    ),
    state: Path | None = typer.Option(
        None, "--state", help="The watch state, where pending requests are recorded.", show_default=False
    ),
    output_format: str = typer.Option("table", "--format", help="table or json."),
    scan: bool = typer.Option(
        False,
        "--scan",
        help="The arguments are files or folders (default .): request every repo their code uses (`hubgate scan`).",
    ),
    include: list[str] | None = IncludeOption,
    exclude: list[str] | None = ExcludeOption,
    timeout: float = TimeoutOption,
    retries: int = RetriesOption,
) -> None:
    """Request access to every gated repo you have not asked for yet (skips granted and pending ones).
    On a terminal, the requests and their terms are shown and confirmed once for the batch; without one,
    nothing is sent unless --yes (and --accept-terms for gates that show terms).
    `manual` repos are recorded as pending in the watch state, so `hubgate watch` reports when they land."""
    from hubgate.access.request_outcome import FAILED, Outcome
    from hubgate.access.run import pending_verdicts, request_all
    from hubgate.check.session import open_session
    from hubgate.cli.check import quiet_library_logs
    from hubgate.cli.watch import default_state_path
    from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_ERROR, EXIT_OK
    from hubgate.watch.state import StateError, StateStore

    fmt = check_format(output_format, FORMATS)
    answers = load_answers(answers_file, fields)
    scanned: list[Any] = []
    if scan:
        from hubgate.cli.check import _scan_refs

        scanned, _places = _scan_refs(ids, include, exclude)
        ids = []
    elif include or exclude:
        fail_usage("--include and --exclude go with --scan")
    endpoint, refs = load_refs(ids, files, repo_type, other_input=scan)
    if scan:
        from hubgate.inputs.refs import RepoRef

        listed = {ref.key for ref in refs if isinstance(ref, RepoRef)}
        refs = [ref for ref in scanned if ref.key not in listed] + refs
    if not refs:
        fail_usage("nothing to request: the scan found no Hub repos")
    # Sending speaks for the user: without a terminal to ask on, only --yes says they agreed to it.
    no_terminal = stdin_state()
    if no_terminal is not None and not yes and not dry_run:
        fail_usage(
            f"request sends access requests in your name (your name and email go to each repo's "
            f"authors), and standard input is {no_terminal}: nothing to confirm on",
            hint="add --yes to send without asking (and --accept-terms where a gate shows terms), "
            "or --dry-run to see what would be sent",
        )
    interactive = no_terminal is None  # prompts go to stderr, answers come from the terminal
    policy = retry_policy(retries, timeout, None, None)
    quiet_library_logs()
    resolved = resolve_token_options(token, anonymous)
    session = open_session(resolved, endpoint=endpoint, policy=policy, pacer=announcing_pacer(policy))

    def ask_value(form_field: Any) -> Any:
        choices = f" ({' | '.join(form_field.options)})" if form_field.options else ""
        return typer.prompt(f"{form_field.name}{choices}", default="", show_default=False, err=True)

    def confirm(ready: list[Any]) -> bool:
        _show_batch(ready, session.ctx.token.user)
        count = len(ready)
        return typer.confirm(f"Send {count} request{'s' if count != 1 else ''}?", default=False, err=True)

    results, _verdicts = request_all(
        session,
        refs,
        field_values=answers,
        accept_terms=accept_terms,
        dry_run=dry_run,
        ask_value=ask_value if interactive else None,
        confirm=confirm if interactive and not yes else None,
    )

    recorded = 0
    info = session.ctx.token
    pending = pending_verdicts(results, _verdicts)
    if pending and info.valid and info.user:
        try:
            store = StateStore(state or default_state_path())
            store.record(info.user, session.ctx.endpoint, pending)
            store.close()
            recorded = len(pending)
        except StateError as exc:
            sys.stderr.write(f"hubgate: warning: pending requests not recorded: {exc}\n")

    if fmt == "json":
        doc = {
            "endpoint": session.ctx.endpoint,
            "dry_run": dry_run,
            "recorded_pending": recorded,
            "results": [r.to_dict() for r in results],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        _print_table(results, dry_run, recorded)
    if any(r.outcome == Outcome.ERROR for r in results):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_ACTION if any(r.outcome in FAILED for r in results) else EXIT_OK)


def _show_batch(ready: list[Any], user: str | None) -> None:
    """On stderr, before the one question: what is sent, as whom, and each distinct gate's terms once."""
    count = len(ready)
    lines = [
        f"\nReady to send {count} access request{'s' if count != 1 else ''}"
        + (f" as {user}:" if user else ":")
    ]
    groups: dict[str, list[Any]] = {}
    for result in ready:
        groups.setdefault(
            repr((result.prompt, [f["name"] for f in result.fields if f["type"] == "checkbox"])), []
        ).append(result)
    terms = False
    for group in groups.values():
        first = group[0]
        names = ", ".join(r.repo_id for r in group[:3]) + (
            f" and {len(group) - 3} more" if len(group) > 3 else ""
        )
        boxes = [f["name"] for f in first.fields if f["type"] == "checkbox"]
        lines.append(f"  {names}")
        if first.prompt and first.prompt.strip():
            lines.append(f"    {_printable(first.prompt)}")
        lines.extend(f"    [x] {_printable(name)}" for name in boxes)
        terms = terms or bool(boxes) or bool(first.prompt and first.prompt.strip())
    lines.append(
        "Each request shares your Hub name and email with the repo's authors"
        + ("; sending accepts the terms shown above." if terms else ".")
    )
    typer.echo("\n".join(lines), err=True)


def _printable(text: str) -> str:
    """The authors' words on one line, without control characters (a card could move the cursor)."""
    return "".join(ch for ch in " ".join(text.split()) if ch.isprintable())


def _is_terms(result: Any, name: str) -> bool:
    from hubgate.access.form import PROMPT_TERMS

    return name == PROMPT_TERMS or any(f["name"] == name and f["type"] == "checkbox" for f in result.fields)


def _short(result: Any) -> str:
    """The table's one line for a repo (the JSON keeps the full message)."""
    if result.outcome.value != "form-incomplete":
        return result.message
    answers = [name for name in result.missing if not _is_terms(result, name)]
    parts = [f"{len(answers)} answer{'s' if len(answers) != 1 else ''} missing"] if answers else []
    if any(_is_terms(result, name) for name in result.missing):
        parts.append("terms not accepted")
    return "; ".join(parts) or result.message


def _print_table(results: list[Any], dry_run: bool, recorded: int) -> None:
    from rich.table import Table

    from hubgate.cli.common import table_console

    console = table_console()
    table = Table(title="hubgate request" + (" (dry run: nothing sent)" if dry_run else ""))
    for column in ("repo", "gate", "outcome", "details"):
        table.add_column(column)
    for r in results:
        table.add_row(r.repo_id or r.input, r.gate_mode or "-", r.outcome.value, _short(r))
    console.print(table)
    # Each distinct gate form once: its prompt, fields and what is missing.
    forms: dict[str, list[Any]] = {}
    for r in results:
        if (r.fields or r.prompt) and r.outcome.value in ("would-send", "form-incomplete"):
            forms.setdefault(repr((r.prompt, r.button, r.fields)), []).append(r)
    missing: list[str] = []
    terms = False
    for group in forms.values():
        first = group[0]
        names = ", ".join(r.repo_id for r in group[:2]) + (
            f" and {len(group) - 2} more" if len(group) > 2 else ""
        )
        lines = [f"Form of {names}" + (f' (button "{first.button}")' if first.button else "") + ":"]
        if first.prompt:
            lines.append(f"  {' '.join(first.prompt.split())}")
        for f in first.fields:
            options = f" ({' | '.join(f['options'])})" if f["options"] else ""
            lines.append(f"  - {f['name']} [{f['type']}]{options}{' optional' if f['optional'] else ''}")
        console.print("\n".join(lines), markup=False, highlight=False)
        for r in group:
            for name in r.missing:
                is_terms = _is_terms(r, name)
                terms = terms or is_terms
                if not is_terms and name not in missing:
                    missing.append(name)
    if recorded:
        console.print(
            f"{recorded} pending request{'s' if recorded != 1 else ''} recorded in the watch state: "
            "`hubgate watch` on the same repos reports when access lands.",
            markup=False,
            highlight=False,
        )
    if missing:
        console.print(
            f"Missing answers: {', '.join(missing)}: pass --answers FILE or --field 'Name=value'.",
            markup=False,
            highlight=False,
        )
    if terms:
        console.print(
            "Terms not accepted: read them, then pass --accept-terms (or run on a terminal and answer yes).",
            markup=False,
            highlight=False,
        )
