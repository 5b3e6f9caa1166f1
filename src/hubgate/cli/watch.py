"""`hubgate watch`: re-check from cron, remember every verdict, report and notify what changed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from hubgate.cli.common import (
    AnonymousOption,
    BudgetOption,
    DeadlineOption,
    FilesOption,
    IdsArgument,
    JobsOption,
    MaxWaitOption,
    NoCacheOption,
    NoRegistryOption,
    RegistryDirsOption,
    RepoTypeChoice,
    RepoTypeOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
    announcing_pacer,
    budget_option,
    check_format,
    check_registry,
    fail_unreadable,
    fail_usage,
    interruptible,
    load_refs,
    metadata_cache,
    pick_format,
    resolve_token_options,
    retry_policy,
)
from hubgate.cli.root import app

SKIPPABLE = ("granted", "open", "rejected")


def default_state_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("hubgate") / "watch.sqlite3"


@app.command()
def watch(
    ids: list[str] | None = IdsArgument,
    files: list[str] | None = FilesOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    state: Path | None = typer.Option(
        None,
        "--state",
        help="The state database. Default: the user state dir (platformdirs).",
        show_default=False,
    ),
    recheck_all: bool = typer.Option(
        False, "--all", help="Also re-check repos already granted, open or rejected (skipped by default)."
    ),
    history: bool = typer.Option(
        False, "--history", help="Print the recorded transitions (of IDS if given) and exit."
    ),
    notify_url: str | None = typer.Option(
        None,
        "--notify-url",
        help="POST the changes as JSON (Slack-compatible `text`) to this URL, with a stable delivery id "
        "(X-Hubgate-Delivery) to drop repeats by.",
        show_default=False,
    ),
    on_change: str | None = typer.Option(
        None,
        "--on-change",
        help="Run this shell command with the changes as JSON on stdin (delivery id in HUBGATE_DELIVERY).",
        show_default=False,
    ),
    exit_code_on_change: bool = typer.Option(
        False,
        "--exit-code-on-change",
        help="Exit 0 when something changed, 1 when nothing did (3: Hub errors).",
    ),
    output_format: str = typer.Option(
        "table",
        "--format",
        help="table, or json (the check contract plus `changes`, `first_seen`, `skipped`, `state`).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    jobs: int = JobsOption,
    timeout: float = TimeoutOption,
    retries: int = RetriesOption,
    max_wait: float | None = MaxWaitOption,
    deadline: float | None = DeadlineOption,
    budget: str | None = BudgetOption,
    no_cache: bool = NoCacheOption,
    registry_dirs: list[Path] | None = RegistryDirsOption,
    no_registry: bool = NoRegistryOption,
) -> None:
    """Check like `check`, remember each verdict per account, and report what changed since the last run."""
    from hubgate.check.extras import Extras
    from hubgate.check.run import run_check
    from hubgate.check.session import open_session
    from hubgate.inputs.refs import RepoRef
    from hubgate.verdicts.exit_codes import (
        EXIT_ACTION,
        EXIT_ERROR,
        EXIT_NOT_DELIVERED,
        EXIT_OK,
        exit_code_for_verdicts,
        parse_fail_on,
    )
    from hubgate.verdicts.verdict import Status
    from hubgate.watch.notify import DeliveryReport, deliver, post_json, run_command
    from hubgate.watch.state import UNRECORDED, StateError, StateStore

    as_json = check_format(pick_format(output_format, as_json), ("table", "json")) == "json"
    policy = retry_policy(retries, timeout, max_wait, deadline)
    caps = budget_option(budget)
    cache = metadata_cache(no_cache)
    if notify_url is not None:
        check_webhook_url(notify_url)
    if on_change is not None and not on_change.strip():
        fail_usage(
            "--on-change is empty",
            hint="give the shell command to run, e.g. --on-change 'mail -s hubgate me'",
        )
    path = state or default_state_path()
    try:
        store = StateStore(path)
    except StateError as exc:
        fail_unreadable(exc)

    with _state_errors():
        if history:
            _print_history(store.history(ids[0] if ids else None), as_json)
            raise typer.Exit(EXIT_OK)

        from hubgate.cli.check import quiet_library_logs

        registry = check_registry(registry_dirs, no_registry)
        endpoint, refs = load_refs(ids, files, repo_type, registry=registry)
        quiet_library_logs()
        resolved = resolve_token_options(token, anonymous)
        done: list[object] = []
        skipped: list[str] = []
        with interruptible(lambda: f"{len(done)} of {len(refs)} repos checked; the state is unchanged"):
            session = open_session(
                resolved, endpoint=endpoint, policy=policy, pacer=announcing_pacer(policy), budget=caps
            )
            info = session.ctx.token
            account = info.user if info.valid else ("anonymous" if not info.present else None)
            if account is not None and not recheck_all:
                known = store.known(account, session.ctx.endpoint)
                kept = []
                for ref in refs:
                    if isinstance(ref, RepoRef) and known.get(ref.key) in SKIPPABLE:
                        skipped.append(ref.repo_id)
                    else:
                        kept.append(ref)
                refs = kept
            # Alternatives would spend requests on every cron run; registry facts and aliases cost none.
            report = run_check(
                session,
                refs,
                jobs=jobs,
                extras=Extras(registry=registry, alternatives=False),
                on_result=done.append,
                cache=cache,
            )

        targets = [t for t in (notify_url, on_change) if t]

        def payload(changes: list[Any]) -> dict[str, Any]:
            lines = "; ".join(change.describe() for change in changes)
            return {
                "text": f"hubgate: {len(changes)} change(s) for {account} on {session.ctx.endpoint}: {lines}",
                "account": account,
                "endpoint": session.ctx.endpoint,
                "changes": [change.as_json() for change in changes],
            }

        changes = []
        if account is not None:
            changes = store.record(
                account, session.ctx.endpoint, report.verdicts, targets=targets, payload_for=payload
            )
        real_changes = [change for change in changes if not change.first_seen]

        deliveries: list[DeliveryReport] = []
        if notify_url:
            # One --timeout for every request of the run: a webhook that answers later may have the
            # notification already, and is sent it again (same delivery id) on the next run only.
            deliveries.append(
                deliver(
                    store,
                    notify_url,
                    "--notify-url",
                    lambda body, delivery: post_json(notify_url, body, delivery=delivery, timeout=timeout),
                )
            )
        if on_change:
            deliveries.append(
                deliver(
                    store,
                    on_change,
                    "--on-change",
                    lambda body, delivery: run_command(on_change, body, delivery=delivery),
                )
            )
        store.close()

        if as_json:
            from hubgate.check.report import report_json

            data = report_json(report)
            data["changes"] = [change.as_json() for change in real_changes]
            data["first_seen"] = [change.repo_id for change in changes if change.first_seen]
            data["skipped"] = skipped
            data["state"] = {"path": str(path), "recorded": account is not None, "account": account}
            data["notifications"] = [vars(d) for d in deliveries]
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
        else:
            first_seen = [change for change in changes if change.first_seen]
            recorded = [v for v in report.verdicts if v.status not in UNRECORDED and v.model_id is not None]
            _print_watch(report, real_changes, first_seen, len(recorded), skipped, deliveries, account, path)

        if exit_code_on_change:
            code = (
                EXIT_OK
                if real_changes
                else (EXIT_ERROR if any(v.status == Status.ERROR for v in report.verdicts) else EXIT_ACTION)
            )
        else:
            code = exit_code_for_verdicts(report.verdicts, parse_fail_on("action"))
        if code != EXIT_ERROR and any(delivery.failed for delivery in deliveries):
            code = EXIT_NOT_DELIVERED  # cron must notice: the change waits in the outbox for the next run
        raise typer.Exit(code)


@contextmanager
def _state_errors() -> Iterator[None]:
    """A state database that fails mid-run (a damaged page) is one line, exit 2."""
    from hubgate.watch.state import StateError

    try:
        yield
    except StateError as exc:
        fail_unreadable(exc)


def check_webhook_url(url: str) -> None:
    """--notify-url must be an http(s) URL with a host. The URL is a secret (it carries the webhook's
    key): the error never repeats it."""
    from hubgate.hub.settings import http_url_problem

    problem = http_url_problem(url)
    if problem is not None:
        fail_usage(f"--notify-url {problem}", hint="give the webhook's full URL, starting with https://")


def _print_watch(report, changes, first_seen, recorded, skipped, deliveries, account, path) -> None:
    from rich.console import Console
    from rich.markup import escape

    from hubgate.render import table
    from hubgate.units import plural

    console = Console(soft_wrap=True, highlight=False)
    if account is None:
        console.print(
            f"[yellow]State not updated:[/] the token could not be identified ({escape(str(path))} unchanged)."
        )
    if changes:
        console.print(f"[bold]Changes since the last run ({len(changes)}):[/]")
        for change in changes:
            console.print(f"   • {escape(change.describe())}")
            if change.next_step and change.new_status not in ("open", "granted"):
                console.print(f"      → {escape(change.next_step)}")
        if first_seen:
            console.print(f"{plural(len(first_seen), 'repo')} checked for the first time (recorded).")
    elif first_seen and len(first_seen) == recorded and not skipped:
        console.print(
            f"First check: {plural(len(first_seen), 'repo')} recorded in {escape(str(path))}; "
            "later runs report what changed."
        )
    elif first_seen:
        console.print(
            f"No changes since the last run; {plural(len(first_seen), 'repo')} checked for the first time."
        )
    elif account is not None:
        console.print("No changes since the last run.")
    if skipped:
        console.print(
            f"Skipped {plural(len(skipped), 'repo')} already granted, open or rejected (use --all to re-check them): "
            + escape(", ".join(skipped))
        )
    for delivery in deliveries:
        if delivery.failed:
            console.print(
                f"[red]Notification via {delivery.target} failed[/] ({escape(delivery.error or '')}); "
                f"{delivery.failed} pending, sent again on the next run."
            )
        elif delivery.delivered:
            console.print(f"Notification via {delivery.target}: {delivery.delivered} delivered.")
    console.print()
    if report.verdicts:
        table.render_to(console, report)


def _print_history(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if not rows:
        sys.stdout.write("No transitions recorded.\n")
        return
    # Plain lines, not a Rich table: ids are long and a table would cut them in pipes and logs.
    for row in rows:
        change = f"{row['from']} -> {row['to']}" if row["from"] else f"{row['to']} (first check)"
        gate = row["gated_to"] or ""
        if row["from"] and row["gated_from"] != row["gated_to"]:
            gate = f"gate {row['gated_from'] or 'none'} -> {row['gated_to'] or 'none'}"
        sys.stdout.write(
            f"{row['at']}  {row['account']}  {row['repo_type']}  {row['id']}  {change}  {gate}".rstrip()
            + "\n"
        )
