"""`hubgate check`: access verdicts for many repos."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hubgate.cli import app
from hubgate.cli.common import (
    AnonymousOption,
    FilesOption,
    IdsArgument,
    JobsOption,
    RepoTypeChoice,
    RepoTypeOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
    fail_usage,
    load_refs,
    resolve_token_options,
    stderr_is_interactive,
)
from hubgate.outcome import FAIL_ON_HELP

if TYPE_CHECKING:
    from hubgate.report import Report


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    quiet = "quiet"
    github = "github"
    junit = "junit"
    markdown = "markdown"


@app.command()
def check(
    ids: list[str] | None = IdsArgument,
    files: list[str] | None = FilesOption,
    repo_type: RepoTypeChoice = RepoTypeOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    output_format: OutputFormat = typer.Option(
        OutputFormat.table,
        "--format",
        help="Report format (github: workflow commands; junit: XML; markdown: a table).",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the --format report to this file; the terminal still gets the human report.",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Same as --format quiet: only repos that are not usable."
    ),
    jobs: int = JobsOption,
    timeout: float = TimeoutOption,
    retries: int = RetriesOption,
    fail_on: str = typer.Option("action", "--fail-on", help=FAIL_ON_HELP),
    token_file: str | None = typer.Option(
        None,
        "--token-file",
        help="Check under each token of this file (one per line, or name=token): a matrix.",
    ),
    all_stored_tokens: bool = typer.Option(
        False,
        "--all-stored-tokens",
        help="Check under each token saved by `hf auth login` (`hf auth list`): a matrix.",
    ),
    authors: list[str] | None = typer.Option(
        None,
        "--author",
        help="Check every public repo of this organisation or user (listed with their gate modes). Repeatable.",
        show_default=False,
    ),
) -> None:
    """Check which repos this token can download now, and the next step for every other one."""
    from hubgate.checker import author_problem, check_all, list_author, open_session
    from hubgate.hub import RetryPolicy
    from hubgate.outcome import FailOnError, exit_code, parse_fail_on
    from hubgate.refs import RepoRef
    from hubgate.render import render_report

    if as_json:
        output_format = OutputFormat.json
    if quiet:
        output_format = OutputFormat.quiet
    try:
        failing = parse_fail_on(fail_on)
    except FailOnError as exc:
        fail_usage(str(exc))

    if output is not None and not output.parent.is_dir():
        fail_usage(f"--output {output}: directory {output.parent} does not exist")
    endpoint, refs = load_refs(ids, files, repo_type, other_input=bool(authors))
    quiet_library_logs()
    if token_file or all_stored_tokens:
        if token or anonymous or authors:
            fail_usage("--token-file / --all-stored-tokens go without --token, --anonymous and --author")
        _check_matrix(
            refs,
            endpoint,
            token_file,
            RetryPolicy(retries=retries, timeout=timeout),
            jobs,
            output_format,
            failing,
        )
    resolved = resolve_token_options(token, anonymous)
    session = open_session(resolved, endpoint=endpoint, policy=RetryPolicy(retries=retries, timeout=timeout))
    known: dict = {}
    listing_problems = []
    for author in authors or []:
        listed, metadata, error = list_author(session, author, repo_type.value)
        seen = {ref.key for ref in refs if isinstance(ref, RepoRef)}
        refs += [ref for ref in listed if ref.key not in seen]
        known |= metadata
        if error is not None or not listed:
            listing_problems.append(author_problem(session, author, repo_type.value, error))
    show_progress = stderr_is_interactive() and output_format != OutputFormat.quiet and len(refs) > 1
    with _progress(len(refs), show_progress) as advance:
        report = check_all(session, refs, jobs=jobs, known=known, on_result=lambda _: advance())
    report.verdicts.extend(listing_problems)

    if output is not None:
        write_output(output, render_report(report, output_format.value, failing=failing))
        print_table(report)
    elif output_format == OutputFormat.table:
        print_table(report)
    else:
        sys.stdout.write(render_report(report, output_format.value, failing=failing))
    raise typer.Exit(exit_code(report.verdicts, failing))


def _check_matrix(refs, endpoint, token_file, policy, jobs, output_format, failing) -> None:  # type: ignore[no-untyped-def]
    import json

    from hubgate.checker import check_all, open_session
    from hubgate.multitoken import check_matrix, matrix_json, render_matrix, stored_tokens, tokens_from_file
    from hubgate.outcome import exit_code
    from hubgate.sources import InputError
    from hubgate.token import scrub

    try:
        tokens = tokens_from_file(token_file) if token_file else stored_tokens()
    except InputError as exc:
        fail_usage(str(exc))
    if output_format not in (OutputFormat.table, OutputFormat.json):
        fail_usage("a token matrix is printed as table or json")

    def run(token, refs):  # type: ignore[no-untyped-def]
        return check_all(open_session(token, endpoint=endpoint, policy=policy), refs, jobs=jobs)

    matrix = check_matrix(tokens, refs, run)
    values = [t.value for t in tokens]
    text = (
        json.dumps(matrix_json(matrix), indent=2) + "\n"
        if output_format == OutputFormat.json
        else render_matrix(matrix)
    )
    sys.stdout.write(scrub(text, *values))
    raise typer.Exit(exit_code([best for best, _ in matrix.rows()], failing))


def print_table(report: Report) -> None:
    from rich.console import Console

    from hubgate.render import table

    table.render_to(Console(soft_wrap=True, highlight=False), report)


def write_output(path: Path, text: str) -> None:
    """Write atomically: a reader (or a killed run) never sees half a report."""
    import os
    import tempfile

    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except OSError as exc:
        fail_usage(f"--output {path}: cannot write ({exc.strerror or exc})")


def quiet_library_logs() -> None:
    """huggingface_hub logs retries and warnings on its own; hubgate reports them itself."""
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


class _progress:
    """A transient Rich progress bar on stderr for interactive runs; a no-op otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        task = self._bar.add_task("check", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._bar.stop()
