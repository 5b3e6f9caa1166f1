"""`hubgate watch`: re-check from cron, remember every verdict, report and notify what changed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from hubgate.cli.catalogs import joined_registry
from hubgate.cli.errors import fail_unreadable, fail_usage, interruptible
from hubgate.cli.formats import check_format, given, pick_format
from hubgate.cli.hub_options import HubOptions, metadata_cache, quiet_library_logs
from hubgate.cli.inputs import load_refs
from hubgate.cli.options import (
    AnonymousOpt,
    BudgetOpt,
    DeadlineOpt,
    FilesOpt,
    IdsArg,
    JobsOpt,
    JsonOpt,
    MaxWaitOpt,
    NoCacheOpt,
    NoRegistryOpt,
    RegistryDirsOpt,
    RepoTypeChoice,
    RepoTypeOpt,
    RetriesOpt,
    TimeoutOpt,
    TokenOpt,
)
from hubgate.cli.progress import Progress
from hubgate.cli.report_out import VerboseOpt
from hubgate.verdicts.exit_codes import EXIT_OK

StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state", help="The state database. Default: the user state dir (platformdirs).", show_default=False
    ),
]
AllOpt = Annotated[
    bool,
    typer.Option("--all", help="Also re-check repos already granted, open or rejected (skipped by default)."),
]
HistoryOpt = Annotated[
    bool, typer.Option("--history", help="Print the recorded transitions (of IDS if given) and exit.")
]
NotifyUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--notify-url",
        help="POST the changes as JSON (Slack-compatible `text`) to this URL, with a stable delivery id "
        "(X-Hubgate-Delivery) to drop repeats by.",
        show_default=False,
    ),
]
OnChangeOpt = Annotated[
    str | None,
    typer.Option(
        "--on-change",
        help="Run this shell command with the changes as JSON on stdin (delivery id in HUBGATE_DELIVERY).",
        show_default=False,
    ),
]
ExitCodeOnChangeOpt = Annotated[
    bool,
    typer.Option(
        "--exit-code-on-change", help="Exit 0 when something changed, 1 when nothing did (3: Hub errors)."
    ),
]
WatchFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="table, or json (the check contract plus `changes`, `first_seen`, `skipped`, `state`).",
    ),
]

watch_app = typer.Typer()


@watch_app.command()
def watch(
    ctx: typer.Context,
    ids: IdsArg = None,
    files: FilesOpt = None,
    repo_type: RepoTypeOpt = RepoTypeChoice.model,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    state: StateOpt = None,
    recheck_all: AllOpt = False,
    history: HistoryOpt = False,
    notify_url: NotifyUrlOpt = None,
    on_change: OnChangeOpt = None,
    exit_code_on_change: ExitCodeOnChangeOpt = False,
    output_format: WatchFormatOpt = "table",
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    jobs: JobsOpt = 8,
    timeout: TimeoutOpt = 15.0,
    retries: RetriesOpt = 4,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
    no_cache: NoCacheOpt = False,
    registry_dirs: RegistryDirsOpt = None,
    no_registry: NoRegistryOpt = False,
) -> None:
    """Check like `check`, remember each verdict per account, and report what changed since the last run."""
    from hubgate.render import watch as render
    from hubgate.watch.run import check_unsettled, record_and_notify
    from hubgate.watch.state import StateError, StateStore, default_state_path

    as_json = (
        check_format(
            pick_format(output_format, as_json, given=given(ctx, "output_format")), ("table", "json")
        )
        == "json"
    )
    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget).checked()
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
            sys.stdout.write(render.history_text(store.history(ids[0] if ids else None), as_json))
            raise typer.Exit(EXIT_OK)
        registry = joined_registry(registry_dirs, no_registry)
        endpoint, refs = load_refs(ids, files, repo_type, registry=registry)
        quiet_library_logs()
        resolved = hub.resolve_token()
        progress = Progress(len(refs), bar=not as_json)  # on a terminal only, like check's
        with progress, interruptible(lambda: f"{progress.told()}; the state is unchanged"):
            checked = check_unsettled(
                hub.session(endpoint, resolved),
                store,
                refs,
                recheck_all=recheck_all,
                registry=registry,
                jobs=jobs,
                cache=cache,
                on_start=progress.start,
                on_result=progress.advance,
            )
        result = record_and_notify(
            store, checked, notify_url=notify_url, on_change=on_change, timeout=timeout
        )
        store.close()

    if as_json:
        sys.stdout.write(render.watch_json(result, path))
    else:
        from hubgate.cli.formats import table_console
        from hubgate.render.layout import hanging

        hanging(
            table_console(),
            lambda console: render.render_to(
                console, result, path, on_change=exit_code_on_change, verbose=verbose
            ),
        )
    raise typer.Exit(result.exit_code(on_change=exit_code_on_change))


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
