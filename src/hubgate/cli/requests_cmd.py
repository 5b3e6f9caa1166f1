"""`hubgate requests`: review and answer access requests on your own gated repos."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from hubgate.cli.common import (
    AnonymousOption,
    RepoTypeChoice,
    RepoTypeOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
    announce_wait,
    fail_unreadable,
    fail_usage,
    resolve_token_options,
    retry_policy,
)
from hubgate.verdicts.outcome import EXIT_ACTION, EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from hubgate.owner.service import ActionResult, OwnerService, Problem, Target

requests_app = typer.Typer(
    name="requests",
    help="Owner side: list, accept, reject, cancel and grant access requests on your own gated repos "
    "(needs a write token of an account with write role on the repo).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class StatusChoice(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    reset = "reset"


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class AnswerFormat(StrEnum):
    table = "table"
    json = "json"


RepoArgument = typer.Argument(
    ...,
    help="The gated repo: org/name, datasets/org/name, or its Hub URL.",
    show_default=False,
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
# A bulk file names users, one per line: even a large organisation's list is far below this.
MAX_USERS_BYTES = 16 * 2**20


class _Out:
    """Results on stdout, problems on stderr, each flushed at once (both are scrubbed of tokens on the
    way out: `cli.root.run`)."""

    def out(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def err(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def fail(self, problem: Problem) -> NoReturn:
        self.err(f"hubgate: {problem.message}\n")
        raise typer.Exit(EXIT_ERROR if problem.transient else EXIT_ACTION)


def _repo(text: str, repo_type: RepoTypeChoice) -> tuple[str, str, str]:
    """(endpoint, repo type, repo id) from the REPO argument; a bad id is a usage error."""
    from hubgate.check.runner import default_endpoint
    from hubgate.inputs.refs import InvalidRef, parse_ref

    endpoint = default_endpoint()
    ref = parse_ref(text, default_type=repo_type.value, endpoint=endpoint)
    if isinstance(ref, InvalidRef):
        fail_usage(f"{ref.input}: {ref.reason}")
    return endpoint, ref.repo_type, ref.repo_id


def _service(
    repo: str, repo_type: RepoTypeChoice, token: str | None, anonymous: bool, retries: int, timeout: float
) -> tuple[OwnerService, _Out]:
    from hubgate.owner.service import OwnerService, use_timeout

    resolved = resolve_token_options(token, anonymous)
    endpoint, kind, repo_id = _repo(repo, repo_type)
    policy = retry_policy(retries, timeout, None, None)  # also refuses --timeout inf
    use_timeout(timeout)
    service = OwnerService(
        repo_id,
        repo_type=kind,
        token=resolved.value,
        endpoint=endpoint,
        retries=retries,
        max_server_wait=policy.max_server_wait,
        on_wait=lambda seconds, why: announce_wait("api", seconds, why),
    )
    return service, _Out()


@requests_app.command("list")
def list_requests(
    repo: str = RepoArgument,
    status: StatusChoice = typer.Option(StatusChoice.pending, "--status", help="Which requests to list."),
    output_format: ListFormat = typer.Option(ListFormat.table, "--format", help="table, json or csv."),
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    timeout: float = TimeoutOption,
) -> None:
    """List access requests with each requester's name, email (when the Hub gives it), time and form answers."""
    from hubgate.owner import render
    from hubgate.owner.service import OwnerError

    service, io = _service(repo, repo_type, token, anonymous, 0, timeout)
    try:
        found = service.list_requests(status.value)
    except OwnerError as exc:
        io.fail(exc.problem)
    if output_format is ListFormat.json:
        io.out(
            render.list_json(found, status=status.value, repo_id=service.repo_id, repo_type=service.repo_type)
        )
    elif output_format is ListFormat.csv:
        io.out(render.list_csv(found))
    else:
        io.out(render.list_table(found, status=status.value, repo_label=service.repo_label))
    raise typer.Exit(EXIT_OK)


def _targets(users: list[str] | None, files: list[str] | None) -> list[Target]:
    from hubgate.inputs.bounded import UnreadableFile, decode_text, read_capped, read_stdin_capped
    from hubgate.owner.plan import PlanError, parse_target, parse_targets_text, unique

    targets = []
    what = "list of users"
    try:
        targets += [parse_target(user) for user in users or []]
        for name in files or []:
            if name == "-":
                data = read_stdin_capped(MAX_USERS_BYTES, what=what, name="-f -")
                text = decode_text(data, "-f -", what=what)
            else:
                text = decode_text(read_capped(name, MAX_USERS_BYTES, what=what), f"-f {name}", what=what)
            targets += parse_targets_text(text, "<stdin>" if name == "-" else name)
    except UnreadableFile as exc:
        fail_unreadable(exc, "" if exc.where.startswith("-f ") else "-f ")
    except PlanError as exc:
        fail_usage(str(exc))
    return unique(targets)


def _answer(
    action: str,
    repo: str,
    users: list[str] | None,
    files: list[str] | None,
    *,
    reason: str | None,
    yes: bool,
    dry_run: bool,
    output_format: AnswerFormat,
    repo_type: RepoTypeChoice,
    token: str | None,
    anonymous: bool,
    retries: int,
    timeout: float,
) -> NoReturn:
    from hubgate.owner import render
    from hubgate.owner.plan import PlanError, check_reason, describe_plan
    from hubgate.owner.service import exit_code

    # Everything a user can get wrong is checked before anything is sent.
    try:
        reason = check_reason(reason)
    except PlanError as exc:
        fail_usage(str(exc))
    targets = _targets(users, files)
    if not targets:
        fail_usage(f"name the users to {action} (USER... or -f FILE)")
    if action == "grant":
        ids = [t.label for t in targets if t.user is None]
        if ids:
            fail_usage(f"grant needs user names; {ids[0]} is a request id (use accept for requests)")
    bulk = bool(files)
    if bulk and not yes and not dry_run:
        if "-" in files:  # type: ignore[operator]
            fail_usage("-f - reads users from stdin, which leaves no way to confirm: add --yes")
        if not sys.stdin.isatty():
            fail_usage(
                "a -f bulk run asks for confirmation, but stdin is not a terminal: add --yes (or --dry-run)"
            )

    service, io = _service(repo, repo_type, token, anonymous, retries, timeout)
    plan = describe_plan(action, targets, service.repo_label, reason)
    if dry_run:
        if output_format is AnswerFormat.json:
            io.out(
                render.results_json(
                    [],
                    action=action,
                    repo_id=service.repo_id,
                    repo_type=service.repo_type,
                    dry_run=True,
                    plan=[t.label for t in targets],
                    exit_code=EXIT_OK,
                )
            )
        else:
            io.out("\n".join(plan) + "\nDry run: nothing was sent to the Hub.\n")
        raise typer.Exit(EXIT_OK)
    if bulk and not yes:
        io.err("\n".join(plan) + "\n")
        if not typer.confirm("Proceed?", default=False, err=True):
            io.err("Nothing was sent.\n")
            raise typer.Exit(EXIT_ACTION)

    def show(result: ActionResult) -> None:
        if output_format is AnswerFormat.table:
            io.out(render.result_line(result) + "\n")

    results = service.act_all(action, targets, reason=reason, on_result=show)  # type: ignore[arg-type]
    code = exit_code(results)
    if output_format is AnswerFormat.json:
        io.out(
            render.results_json(
                results, action=action, repo_id=service.repo_id, repo_type=service.repo_type, exit_code=code
            )
        )
    else:
        io.out(render.summary(results, action=action, repo_label=service.repo_label))
    raise typer.Exit(code)


@requests_app.command()
def accept(
    repo: str = RepoArgument,
    users: list[str] | None = UsersArgument,
    files: list[str] | None = UsersFileOption,
    yes: bool = YesOption,
    dry_run: bool = DryRunOption,
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    retries: int = RetriesOption,
    timeout: float = TimeoutOption,
) -> None:
    """Accept requests: the users may then download the repo's files."""
    _answer(
        "accept", repo, users, files, reason=None, yes=yes, dry_run=dry_run, output_format=output_format,
        repo_type=repo_type, token=token, anonymous=anonymous, retries=retries, timeout=timeout,
    )  # fmt: skip


@requests_app.command()
def reject(
    repo: str = RepoArgument,
    users: list[str] | None = UsersArgument,
    files: list[str] | None = UsersFileOption,
    reason: str | None = typer.Option(
        None, "--reason", help="Shown to the users (at most 200 characters).", show_default=False
    ),
    yes: bool = YesOption,
    dry_run: bool = DryRunOption,
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    retries: int = RetriesOption,
    timeout: float = TimeoutOption,
) -> None:
    """Reject requests (they move to the rejected list; the users cannot download the files)."""
    _answer(
        "reject", repo, users, files, reason=reason, yes=yes, dry_run=dry_run, output_format=output_format,
        repo_type=repo_type, token=token, anonymous=anonymous, retries=retries, timeout=timeout,
    )  # fmt: skip


@requests_app.command()
def cancel(
    repo: str = RepoArgument,
    users: list[str] | None = UsersArgument,
    files: list[str] | None = UsersFileOption,
    yes: bool = YesOption,
    dry_run: bool = DryRunOption,
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    retries: int = RetriesOption,
    timeout: float = TimeoutOption,
) -> None:
    """Cancel answers: the requests go back to pending (an accepted user loses access)."""
    _answer(
        "cancel", repo, users, files, reason=None, yes=yes, dry_run=dry_run, output_format=output_format,
        repo_type=repo_type, token=token, anonymous=anonymous, retries=retries, timeout=timeout,
    )  # fmt: skip


@requests_app.command()
def grant(
    repo: str = RepoArgument,
    users: list[str] | None = UsersArgument,
    files: list[str] | None = UsersFileOption,
    yes: bool = YesOption,
    dry_run: bool = DryRunOption,
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    retries: int = RetriesOption,
    timeout: float = TimeoutOption,
) -> None:
    """Grant access to users who never asked (user names only)."""
    _answer(
        "grant", repo, users, files, reason=None, yes=yes, dry_run=dry_run, output_format=output_format,
        repo_type=repo_type, token=token, anonymous=anonymous, retries=retries, timeout=timeout,
    )  # fmt: skip


@requests_app.command()
def auto(
    repo: str = RepoArgument,
    rules: Path = typer.Option(
        ..., "--rules", help="YAML allow-list: email_domains and/or organisations.", show_default=False
    ),
    apply: bool = typer.Option(
        False, "--apply", help="Accept the matching requests (default: only show them)."
    ),
    output_format: AnswerFormat = AnswerFormatOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    retries: int = RetriesOption,
    timeout: float = TimeoutOption,
) -> None:
    """Accept pending requests whose email domain or organisation is on the rules' allow-list.
    A dry run unless --apply; requests that match no rule stay pending (never rejected)."""
    import json

    from hubgate.inputs.bounded import MAX_CONFIG_BYTES, UnreadableFile, decode_text, read_capped
    from hubgate.owner import render
    from hubgate.owner.plan import RulesError, decide, parse_rules
    from hubgate.owner.service import OwnerError, exit_code

    try:
        text = decode_text(read_capped(rules, MAX_CONFIG_BYTES, what="rules file"), str(rules))
        allow = parse_rules(text, str(rules))
    except UnreadableFile as exc:
        fail_unreadable(exc, "--rules ")
    except RulesError as exc:
        fail_unreadable(exc)

    service, io = _service(repo, repo_type, token, anonymous, retries, timeout)
    try:
        pending = service.list_requests("pending")
    except OwnerError as exc:
        io.fail(exc.problem)
    decisions = decide(allow, pending)
    chosen = [d for d in decisions if d.accept]
    results = service.act_all("accept", [d.request.target for d in chosen]) if apply and chosen else []
    code = exit_code(results)
    if output_format is AnswerFormat.json:
        payload = {
            "repo": service.repo_id,
            "repo_type": service.repo_type,
            "rules": str(rules),
            "apply": apply,
            "pending": len(decisions),
            "matched": len(chosen),
            "decisions": render.decisions_json(decisions),
            "results": [render.result_json(r) for r in results],
            "exit_code": code,
        }
        io.out(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(code)
    io.out(render.decisions_table(decisions, repo_label=service.repo_label, apply=apply))
    if not apply:
        io.out(
            f"Dry run: {len(chosen)} of {len(decisions)} pending requests match the rules; "
            "nothing was sent. Add --apply to accept them.\n"
        )
        raise typer.Exit(EXIT_OK)
    if results:
        io.out("\n".join(render.result_line(r) for r in results) + "\n")
    io.out(render.summary(results, action="accept", repo_label=service.repo_label))
    raise typer.Exit(code)
