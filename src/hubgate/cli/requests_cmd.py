"""`hubgate requests`: review and answer access requests on your own gated repos."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hubgate.cli.common import RepoTypeChoice, RepoTypeOption, fail_unreadable, fail_usage
from hubgate.cli.hub_options import HubOptions, ScrubbedOutput, hub_command
from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_OK

if TYPE_CHECKING:
    from hubgate.owner.client import ActionResult, OwnerClient

requests_app = typer.Typer(
    name="requests",
    help="Owner side: list, accept, reject, cancel and grant access requests on your own gated repos "
    "(needs a write token of an account with write role on the repo).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# Members named as their values (StrEnum's own values): the choices --help shows.
StatusChoice = StrEnum("StatusChoice", "pending accepted rejected reset")
ListFormat = StrEnum("ListFormat", "table json csv")
AnswerFormat = StrEnum("AnswerFormat", "table json")


RepoArgument = typer.Argument(
    ..., help="The gated repo: org/name, datasets/org/name, or its Hub URL.", show_default=False
)
UsersArgument = typer.Argument(
    None,
    help="User names; id:REQUEST_ID names a request on repos that hide requesters' names.",
    show_default=False,
)
UsersFileOption = typer.Option(
    None,
    "--file",
    "-f",
    help="A file of users, one per line (id:REQUEST_ID allowed, # comments). Shows the plan and asks "
    "before sending (or --yes). '-' reads stdin (needs --yes). Repeatable.",
    show_default=False,
)
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation of a -f bulk run.")
DryRunOption = typer.Option(False, "--dry-run", help="Show what would be done; send nothing.")
AnswerFormatOption = typer.Option(AnswerFormat.table, "--format", help="table or json (results on stdout).")
ReasonOption = typer.Option(
    None, "--reason", help="Shown to the users (at most 200 characters).", show_default=False
)
RulesOption = typer.Option(
    ..., "--rules", help="YAML allow-list: email_domains and/or organisations.", show_default=False
)
ApplyOption = typer.Option(False, "--apply", help="Accept the matching requests (default: only show them).")


def _client(repo: str, repo_type: RepoTypeChoice, hub: HubOptions) -> tuple[OwnerClient, ScrubbedOutput]:
    """The repo's client on the run's one Hub client; a bad option or repo id is a usage error."""
    from hubgate.inputs.refs import InvalidRef, parse_ref
    from hubgate.owner.client import OwnerClient

    endpoint, token = hub.endpoint(), hub.resolve_token()
    ref = parse_ref(repo, default_type=repo_type.value, endpoint=endpoint)
    if isinstance(ref, InvalidRef):
        fail_usage(f"{ref.input}: {ref.reason}")
    client = OwnerClient(hub.service(endpoint, token), ref.repo_id, repo_type=ref.repo_type)
    return client, ScrubbedOutput(token.value)


@requests_app.command("list")
@hub_command
def list_requests(
    repo: str = RepoArgument,
    status: StatusChoice = typer.Option(StatusChoice.pending, "--status", help="Which requests to list."),
    output_format: ListFormat = typer.Option(ListFormat.table, "--format", help="table, json or csv."),
    repo_type: RepoTypeChoice = RepoTypeOption,
    *,
    hub: HubOptions,
) -> None:
    """List access requests with each requester's name, email (when the Hub gives it), time and form answers."""
    from hubgate.owner.client import OwnerError
    from hubgate.render import owner as render

    client, io = _client(repo, repo_type, hub)
    try:
        found = client.list_requests(status.value)
    except OwnerError as exc:
        io.fail(exc.problem)
    io.out(render.listing(found, output_format.value, status=status.value, **client.where))
    raise typer.Exit(EXIT_OK)


def _action_command(action: str, doc: str) -> None:
    """`requests ACTION`: the same options for each answer (--reason with reject only)."""

    def command(
        repo: str = RepoArgument,
        users: list[str] | None = UsersArgument,
        files: list[str] | None = UsersFileOption,
        reason: str | None = ReasonOption,
        yes: bool = YesOption,
        dry_run: bool = DryRunOption,
        output_format: AnswerFormat = AnswerFormatOption,
        repo_type: RepoTypeChoice = RepoTypeOption,
        *,
        hub: HubOptions,
    ) -> None:
        from hubgate.inputs.bounded import UnreadableFile
        from hubgate.owner import run
        from hubgate.owner.client import exit_code_for_actions
        from hubgate.owner.plan import PlanError, describe_plan
        from hubgate.render import owner as render

        try:  # everything a user can get wrong is checked before anything is sent
            targets, reason = run.prepare_action(
                action, users, files, reason, confirm=bool(files) and not yes and not dry_run, stdin=sys.stdin
            )
        except PlanError as exc:
            fail_usage(str(exc))
        except UnreadableFile as exc:
            fail_unreadable(exc)
        client, io = _client(repo, repo_type, hub)
        plan = "\n".join(describe_plan(action, targets, client.repo_label, reason)) + "\n"
        as_json = output_format is AnswerFormat.json
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

    command.__doc__ = doc
    requests_app.command(action)(hub_command(command, without=() if action == "reject" else ("reason",)))


_action_command("accept", "Accept requests: the users may then download the repo's files.")
_action_command(
    "reject", "Reject requests (they move to the rejected list; the users cannot download the files)."
)
_action_command("cancel", "Cancel answers: the requests go back to pending (an accepted user loses access).")
_action_command("grant", "Grant access to users who never asked (user names only).")


@requests_app.command()
@hub_command
def auto(
    repo: str = RepoArgument,
    rules: Path = RulesOption,
    apply: bool = ApplyOption,
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    *,
    hub: HubOptions,
) -> None:
    """Accept pending requests whose email domain or organisation is on the rules' allow-list.
    A dry run unless --apply; requests that match no rule stay pending (never rejected)."""
    from hubgate.inputs.bounded import UnreadableFile
    from hubgate.owner import run
    from hubgate.owner.client import OwnerError, exit_code_for_actions
    from hubgate.owner.plan import AcceptRulesError
    from hubgate.render import owner as render

    try:
        allow = run.read_rules(rules)
    except (UnreadableFile, AcceptRulesError) as exc:
        fail_unreadable(exc)
    client, io = _client(repo, repo_type, hub)
    try:
        done = run.auto_accept(client, allow, apply=apply)
    except OwnerError as exc:
        io.fail(exc.problem)
    code = exit_code_for_actions(done.results)
    as_json = output_format is AnswerFormat.json
    io.out(
        render.auto_report(
            done, as_json=as_json, **client.where, rules=str(rules), apply=apply, exit_code=code
        )
    )
    raise typer.Exit(code)
