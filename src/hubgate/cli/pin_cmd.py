"""`hubgate pin`: rewrite the code's unpinned loads to the commit each repo's default branch is at now."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hubgate.cli.errors import fail_usage, interruptible
from hubgate.cli.hub_options import HubOptions, quiet_library_logs
from hubgate.cli.inputs import run_scan
from hubgate.cli.options import (
    AnonymousOpt,
    BudgetOpt,
    DeadlineOpt,
    ExcludeOpt,
    IncludeOpt,
    JobsOpt,
    MaxWaitOpt,
    RetriesOpt,
    TimeoutOpt,
    TokenOpt,
)

PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Files or folders to pin (default: the working folder).", show_default=False),
]

pin_app = typer.Typer()

WriteOpt = Annotated[
    bool,
    typer.Option(
        "--write",
        help="Change the files in place (each replaced at once, its mode kept); without it, print the diff.",
    ),
]


@pin_app.command()
def pin(
    paths: PathsArg = None,
    write: WriteOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    jobs: JobsOpt = 8,
    timeout: TimeoutOpt = 15.0,
    retries: RetriesOpt = 4,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
) -> None:
    """Pin every load that names no revision to the commit the Hub serves now: `revision="<sha>"` in
    Python and notebooks, `--revision <sha>` on `hf download`, `model_revision` beside
    `model_name_or_path` in YAML and JSON configs. Prints a diff; --write changes the files. Exit 0: nothing
    left to pin; 1: changes shown but not written, or places left unpinned (each with the reason)."""
    from hubgate.check.session import default_endpoint
    from hubgate.inputs.scan.model import shown
    from hubgate.pin.plan import plan, resolve
    from hubgate.pin.plan import write as write_file
    from hubgate.pin.rewrite import HINT, MissingLibrary
    from hubgate.render import pin as render
    from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_ERROR, EXIT_OK

    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget).checked()
    roots = paths or ["."]
    result = run_scan(roots, include, exclude)
    if not result.unpinned():
        sys.stderr.write("hubgate: nothing to pin: every load the scan found names a revision\n")
        raise typer.Exit(EXIT_OK)
    quiet_library_logs()
    with interruptible(lambda: "the pin"):
        session = hub.session(default_endpoint(), hub.resolve_token())
        shas, why, report = resolve(session, result, jobs=jobs)
        try:
            planned = plan(result, shas, why, roots)
        except MissingLibrary as exc:
            fail_usage(str(exc), hint=HINT)
    planned.report = report
    failed: list[str] = []
    if write:
        for change in planned.changes:
            try:
                write_file(change)
            except OSError as exc:
                failed.append(f"hubgate: error: {shown(change.file)}: not written: {exc.strerror or exc}")
    sys.stdout.write(render.diff(planned))
    for line in render.refused(planned) + failed:
        sys.stderr.write(f"hubgate: {line}\n" if not line.startswith("hubgate:") else line + "\n")
    sys.stderr.write(f"hubgate: {render.summary(planned, written=write)}\n")
    if failed or any(v.status.value == "error" for v in report.verdicts):
        raise typer.Exit(EXIT_ERROR)
    if planned.refused or (planned.changes and not write):
        raise typer.Exit(EXIT_ACTION)
    raise typer.Exit(EXIT_OK)
