"""`hubgate requests auto`: accept the pending requests an allow-list matches (the other `requests`
commands are in owner_requests.py)."""

from __future__ import annotations

import typer

from hubgate.cli.errors import fail_unreadable
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
from hubgate.cli.owner_client import owner_client
from hubgate.cli.owner_options import AnswerFormat, AnswerFormatOpt, ApplyOpt, RepoArg, RulesOpt

auto_app = typer.Typer()


@auto_app.command()
def auto(
    ctx: typer.Context,
    repo: RepoArg,
    rules: RulesOpt,
    apply: ApplyOpt = False,
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
    """Accept pending requests whose email domain or organisation is on the rules' allow-list.
    A dry run unless --apply; requests that match no rule stay pending (never rejected)."""
    from hubgate.inputs.bounded import UnreadableFile
    from hubgate.owner import run
    from hubgate.owner.client import OwnerError, exit_code_for_actions
    from hubgate.owner.plan import AcceptRulesError
    from hubgate.render import owner as render

    as_json = format_or_json(ctx, output_format, as_json, ("table", "json")) == "json"
    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget)
    try:
        allow = run.read_rules(rules)
    except (UnreadableFile, AcceptRulesError) as exc:
        fail_unreadable(exc)
    client, io = owner_client(repo, repo_type, hub)
    try:
        done = run.auto_accept(client, allow, apply=apply)
    except OwnerError as exc:
        io.fail(exc.problem)
    code = exit_code_for_actions(done.results)
    io.out(
        render.auto_report(
            done, as_json=as_json, **client.where, rules=str(rules), apply=apply, exit_code=code
        )
    )
    raise typer.Exit(code)
