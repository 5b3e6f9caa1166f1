"""`hubgate requests`: review and answer access requests on your own gated repos (the owner side;
`hubgate request`, in access_request.py, asks for access as a user)."""

from __future__ import annotations

import inspect
import sys

import typer

from hubgate.cli.errors import fail_unreadable, fail_usage
from hubgate.cli.formats import format_or_json
from hubgate.cli.hub_options import HubOptions
from hubgate.cli.options import (
    AnonymousOpt,
    BudgetOpt,
    DeadlineOpt,
    JsonOpt,
    MaxWaitOpt,
    RepoTypeChoice,
    RepoTypeOpt,
    RetriesOpt,
    TimeoutOpt,
    TokenOpt,
)
from hubgate.cli.owner_auto import auto_app
from hubgate.cli.owner_client import owner_client
from hubgate.cli.owner_options import (
    AnswerFormat,
    AnswerFormatOpt,
    DryRunOpt,
    ListFormat,
    ListFormatOpt,
    ReasonOpt,
    RepoArg,
    StatusChoice,
    StatusOpt,
    UsersArg,
    UsersFileOpt,
    YesOpt,
)
from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_OK

requests_app = typer.Typer(
    name="requests",
    help="Owner side: list, accept, reject, cancel and grant access requests on your own gated repos "
    "(needs a write token of an account with write role on the repo).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@requests_app.command("list")
def list_requests(
    ctx: typer.Context,
    repo: RepoArg,
    status: StatusOpt = StatusChoice.pending,
    output_format: ListFormatOpt = ListFormat.table,
    as_json: JsonOpt = False,
    repo_type: RepoTypeOpt = RepoTypeChoice.model,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    retries: RetriesOpt = 4,
    timeout: TimeoutOpt = 15.0,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
) -> None:
    """List access requests with each requester's name, email (when the Hub gives it), time and form answers."""
    from hubgate.owner.client import OwnerError
    from hubgate.render import owner as render

    fmt = format_or_json(ctx, output_format, as_json, ("table", "json", "csv"))
    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget)
    client, io = owner_client(repo, repo_type, hub)
    try:
        found = client.list_requests(status.value)
    except OwnerError as exc:
        io.fail(exc.problem)
    io.out(render.listing(found, fmt, status=status.value, width=io.width, **client.where))


def act(
    action: str,
    ctx: typer.Context,
    repo: RepoArg,
    users: UsersArg = None,
    files: UsersFileOpt = None,
    reason: ReasonOpt = None,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    output_format: AnswerFormatOpt = AnswerFormat.table,
    as_json: JsonOpt = False,
    repo_type: RepoTypeOpt = RepoTypeChoice.model,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    retries: RetriesOpt = 4,
    timeout: TimeoutOpt = 15.0,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
) -> None:
    """`requests ACTION`: the same options for each action (--reason with reject only)."""
    from hubgate.inputs.bounded import UnreadableFile
    from hubgate.owner import run
    from hubgate.owner.client import ActionResult, exit_code_for_actions
    from hubgate.owner.plan import PlanError, describe_plan
    from hubgate.render import owner as render

    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget)
    try:  # everything a user can get wrong is checked before anything is sent
        targets, reason = run.prepare_action(
            action, users, files, reason, confirm=bool(files) and not yes and not dry_run, stdin=sys.stdin
        )
    except PlanError as exc:
        fail_usage(str(exc))
    except UnreadableFile as exc:
        fail_unreadable(exc)
    client, io = owner_client(repo, repo_type, hub)
    plan = "\n".join(describe_plan(action, targets, client.repo_label, reason)) + "\n"
    as_json = format_or_json(ctx, output_format, as_json, ("table", "json")) == "json"
    if dry_run:
        io.out(render.dry_run(targets, plan, {"action": action, **client.where}, as_json=as_json))
        raise typer.Exit(EXIT_OK)
    if files and not yes:
        io.out(plan, err=True)
        if not typer.confirm("Proceed?", default=False, err=True):
            io.out("Nothing was sent.\n", err=True)
            raise typer.Exit(EXIT_ACTION)

    def show(result: ActionResult) -> None:
        if not as_json:
            io.out(render.result_line(result) + "\n")

    results = client.act_all(action, targets, reason=reason, on_result=show)  # type: ignore[arg-type]
    code = exit_code_for_actions(results)
    io.out(render.action_report(results, as_json=as_json, action=action, **client.where, exit_code=code))
    raise typer.Exit(code)


def _action_command(action: str, doc: str) -> None:
    """`requests ACTION` as a command of `act`'s options (--reason only where `action` is reject)."""
    whole = inspect.signature(act, eval_str=True)
    dropped = ("action",) if action == "reject" else ("action", "reason")

    def command(**values: object) -> None:
        act(action, **values)  # type: ignore[arg-type]

    command.__doc__ = doc
    command.__signature__ = whole.replace(  # type: ignore[attr-defined]
        parameters=[p for p in whole.parameters.values() if p.name not in dropped]
    )
    requests_app.command(action)(command)


_action_command("accept", "Accept requests: the users may then download the repo's files.")
_action_command(
    "reject", "Reject requests (they move to the rejected list; the users cannot download the files)."
)
_action_command("cancel", "Cancel answers: the requests go back to pending (an accepted user loses access).")
_action_command("grant", "Grant access to users who never asked (user names only).")


requests_app.add_typer(auto_app)
