"""`hubgate request`: ask for access to every repo that needs it, filling each gate form once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hubgate.cli.errors import fail_unreadable, fail_usage
from hubgate.cli.formats import format_or_json, table_console
from hubgate.cli.hub_options import HubOptions, quiet_library_logs
from hubgate.cli.inputs import load_refs, scanned_repos
from hubgate.cli.options import (
    AnonymousOpt,
    ExcludeOpt,
    FilesOpt,
    IdsArg,
    IncludeOpt,
    JsonOpt,
    RepoTypeChoice,
    RepoTypeOpt,
    RetriesOpt,
    TableOrJsonOpt,
    TimeoutOpt,
    TokenOpt,
)
from hubgate.cli.output import stdin_state

# `hubgate requests` answers the requests on your own repos; `hubgate request` asks for access. A word of
# one typed into the other points at the right one (here, and in cli/app.py's usage hint).
OWNER_ACTIONS = ("list", "accept", "reject", "cancel", "grant", "auto")

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send nothing.")]
FieldOpt = Annotated[
    list[str], typer.Option("--field", help="A form answer, 'Name=value' (repeatable); wins over --answers.")
]
AnswersOpt = Annotated[
    Path | None,
    typer.Option("--answers", help="Form answers: a YAML or TOML mapping of field name to value."),
]
AcceptTermsOpt = Annotated[
    bool,
    typer.Option(
        "--accept-terms",
        help="Accept the terms every gate shows (its prompt and checkboxes), for every repo of the run.",
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Send without asking (needed without a terminal): each request shares your name and email "
        "with the repo's authors.",
    ),
]
StateOpt = Annotated[
    Path | None,
    typer.Option("--state", help="The watch state, where pending requests are recorded.", show_default=False),
]
ScanOpt = Annotated[
    bool,
    typer.Option(
        "--scan",
        help="The arguments are files or folders (default .): request every repo their code uses (`hubgate scan`).",
    ),
]

request_app = typer.Typer()


@request_app.command()
def request(
    ctx: typer.Context,
    ids: IdsArg = None,
    files: FilesOpt = None,
    repo_type: RepoTypeOpt = RepoTypeChoice.model,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    dry_run: DryRunOpt = False,
    fields: FieldOpt = [],  # noqa: B006  (typer copies the default)
    answers_file: AnswersOpt = None,
    accept_terms: AcceptTermsOpt = False,
    yes: YesOpt = False,
    state: StateOpt = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    scan: ScanOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    timeout: TimeoutOpt = 15.0,
    retries: RetriesOpt = 4,
) -> None:
    """Request access to every gated repo you have not asked for yet (skips granted and pending ones).
    On a terminal, the requests and their terms are shown and confirmed once for the batch; without one,
    nothing is sent unless --yes (and --accept-terms for gates that show terms).
    `manual` repos are recorded as pending in the watch state, so `hubgate watch` reports when they land."""
    from hubgate.access.answers import AnswersError, read_answers
    from hubgate.access.pending import record_pending
    from hubgate.access.request_outcome import FAILED, Outcome
    from hubgate.access.run import request_all
    from hubgate.inputs.bounded import UnreadableFile
    from hubgate.render import access as render
    from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_ERROR, EXIT_OK
    from hubgate.watch.state import StateError, default_state_path

    fmt = format_or_json(ctx, output_format, as_json, ("table", "json"))
    if ids and ids[0] in OWNER_ACTIONS:
        rest = " ".join(ids[1:]) or "REPO"
        fail_usage(
            f"`{ids[0]}` is a command of `hubgate requests` (the requests on your own repos), not a repo id",
            hint=f"hubgate requests {ids[0]} {rest}",
        )
    try:
        answers = read_answers(answers_file, fields)
    except UnreadableFile as exc:
        fail_unreadable(exc, "--answers ")
    except AnswersError as exc:
        fail_usage(str(exc))
    scanned = scanned_repos(scan, ids, include, exclude)
    endpoint, refs = load_refs(
        [] if scan else ids,
        files,
        repo_type,
        scanned=[*scanned.refs(revisions=False), *scanned.collection_refs()] if scanned is not None else None,
    )
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
    hub = HubOptions(token, anonymous, retries, timeout).checked()
    quiet_library_logs()
    session = hub.session(endpoint, hub.resolve_token())

    def ask_value(form_field: Any) -> Any:
        choices = f" ({' | '.join(form_field.options)})" if form_field.options else ""
        return typer.prompt(f"{form_field.name}{choices}", default="", show_default=False, err=True)

    def confirm(ready: list[Any]) -> bool:
        typer.echo(render.batch_text(ready, session.ctx.token.user), err=True)
        count = len(ready)
        return typer.confirm(f"Send {count} request{'s' if count != 1 else ''}?", default=False, err=True)

    results, verdicts = request_all(
        session,
        refs,
        field_values=answers,
        accept_terms=accept_terms,
        dry_run=dry_run,
        ask_value=ask_value if interactive else None,
        confirm=confirm if interactive and not yes else None,
    )
    try:
        recorded = record_pending(session, results, verdicts, state or default_state_path())
    except StateError as exc:
        sys.stderr.write(f"hubgate: warning: pending requests not recorded: {exc}\n")
        recorded = 0

    if fmt == "json":
        sys.stdout.write(
            render.request_json(results, endpoint=session.ctx.endpoint, dry_run=dry_run, recorded=recorded)
        )
    else:
        from hubgate.render.layout import hanging

        hanging(
            table_console(), lambda out: render.render_to(out, results, dry_run=dry_run, recorded=recorded)
        )
    if any(r.outcome == Outcome.ERROR for r in results):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_ACTION if any(r.outcome in FAILED for r in results) else EXIT_OK)
