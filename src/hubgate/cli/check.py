"""`hubgate check`: access verdicts for many repos."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    check_registry,
    dtype_option,
    fail_unreadable,
    fail_usage,
    gpu_catalog,
    gpus_option,
    interruptible,
    load_refs,
    metadata_cache,
    pick_format,
    resolve_token_options,
    retry_policy,
    stderr_is_interactive,
)
from hubgate.cli.root import app
from hubgate.cli.scan_cmd import ExcludeOption, IncludeOption
from hubgate.verdicts.exit_codes import FAIL_ON_HELP

if TYPE_CHECKING:
    from hubgate.check.report import Report


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    quiet = "quiet"
    github = "github"
    junit = "junit"
    markdown = "markdown"
    sarif = "sarif"
    cyclonedx = "cyclonedx"


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
        help="Report format (github: workflow commands; junit: XML; markdown: a table; sarif: code "
        "scanning; cyclonedx: an ML-BOM).",
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
    max_wait: float | None = MaxWaitOption,
    deadline: float | None = DeadlineOption,
    budget: str | None = BudgetOption,
    no_cache: bool = NoCacheOption,
    fail_on: str | None = typer.Option(
        None, "--fail-on", help=FAIL_ON_HELP + " Default: the policy file's fail-on, else 'action'."
    ),
    max_size: str | None = typer.Option(
        None,
        "--max-size",
        help="Pre-flight: a download over this size is a finding (20GB, 500MB).",
        show_default=False,
    ),
    allow_remote_code: list[str] | None = typer.Option(
        None,
        "--allow-remote-code",
        help="Pre-flight: repos or organisations whose code may run (trust_remote_code); '*' for all. Repeatable.",
        show_default=False,
    ),
    disk: Path | None = typer.Option(
        None,
        "--disk",
        help="Pre-flight: a download larger than the free space here is a finding.",
        show_default=False,
    ),
    revision: str | None = typer.Option(
        None,
        "--revision",
        help="Check every input at this branch, tag or commit (inputs may pin their own: org/name@rev).",
        show_default=False,
    ),
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
    registry_dirs: list[Path] | None = RegistryDirsOption,
    no_registry: bool = NoRegistryOption,
    gpus: list[str] | None = typer.Option(
        None,
        "--gpu",
        "-g",
        help="Add a GPU fit to each model (t4, l4, a100-80gb, h100, ...; `hubgate fit --list-gpus`). Repeatable.",
        show_default=False,
    ),
    dtype: str | None = typer.Option(
        None,
        "--dtype",
        help="Precision for --gpu: float32, bfloat16, float16, int8, int4.",
        show_default=False,
    ),
    context: int | None = typer.Option(
        None, "--context", min=1, help="Context tokens for --gpu. Default: the model's window, at most 4096."
    ),
    no_bases: bool = typer.Option(False, "--no-bases", help="Do not follow base models (adapters' bases)."),
    no_alternatives: bool = typer.Option(
        False, "--no-alternatives", help="Do not suggest open registry models for blocked ones."
    ),
    scan: bool = typer.Option(
        False,
        "--scan",
        help="The arguments are files or folders (default .): check every repo their code uses "
        "(`hubgate scan`); each verdict lists its places.",
    ),
    include: list[str] | None = IncludeOption,
    exclude: list[str] | None = ExcludeOption,
) -> None:
    """Check which repos this token can download now, and the next step for every other one."""
    from hubgate.check.author_repos import author_problem, list_author
    from hubgate.check.extras import Extras
    from hubgate.check.run import run_check
    from hubgate.check.session import open_session
    from hubgate.inputs.refs import RepoRef
    from hubgate.verdicts.exit_codes import FailOnError, exit_code_for_verdicts, parse_fail_on

    output_format = OutputFormat(pick_format(output_format, as_json, quiet))
    from hubgate.cli.policy_cmd import effective_policy

    preflight = effective_policy(fail_on=fail_on, max_size=max_size, allow_remote_code=allow_remote_code)
    try:
        failing = parse_fail_on(preflight.fail_on)
    except FailOnError as exc:
        fail_usage(str(exc))
    rules = preflight.rules(*_disk_free(disk))

    policy = retry_policy(retries, timeout, max_wait, deadline)
    caps = budget_option(budget)
    cache = metadata_cache(no_cache)
    if output is not None:
        check_output_path(output)
    fit_request = _fit_request(gpus, dtype, context, registry_dirs)
    registry = check_registry(registry_dirs, no_registry)
    extras = Extras(
        registry=registry,
        follow_bases=not no_bases,
        alternatives=not no_alternatives,
        fit=fit_request,
        rules=rules,
    )
    places: dict = {}
    scanned: list = []
    skipped: list = []
    if scan:
        scanned, places = _scan_refs(ids, include, exclude, skipped)
        ids = []
    elif include or exclude:
        fail_usage("--include and --exclude go with --scan")
    authors = _authors(authors)
    endpoint, refs = load_refs(
        ids,
        files,
        repo_type,
        other_input=bool(authors) or scan,
        registry=registry,
        revision=_revision(revision),
    )
    if scan:
        given = {ref.key for ref in refs if isinstance(ref, RepoRef)}
        refs = [ref for ref in scanned if ref.key not in given] + refs
    quiet_library_logs()
    if token_file or all_stored_tokens:
        if token or anonymous or authors:
            fail_usage("--token-file / --all-stored-tokens go without --token, --anonymous and --author")
        _check_matrix(
            refs,
            endpoint,
            token_file,
            policy,
            jobs,
            output_format,
            failing,
            extras,
            caps,
            cache,
        )
    resolved = resolve_token_options(token, anonymous)
    done: list[object] = []
    with interruptible(lambda: f"{len(done)} of {len(refs)} repos checked"):
        session = open_session(
            resolved, endpoint=endpoint, policy=policy, pacer=announcing_pacer(policy), budget=caps
        )
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

            def one_done(verdict: object) -> None:
                done.append(verdict)
                advance()

            report = run_check(
                session, refs, jobs=jobs, known=known, extras=extras, on_result=one_done, cache=cache
            )
    report.verdicts.extend(listing_problems)
    report.scan_skipped = [(item.path, item.reason) for item in skipped]
    if places:
        from hubgate.verdicts.attach import with_places

        report.verdicts = with_places(report.verdicts, places)

    if output_format == OutputFormat.table and output is None:
        print_table(report)
        raise typer.Exit(exit_code_for_verdicts(report.verdicts, failing))
    text = _rendered(report, output_format, failing)
    if output is not None:
        write_output(output, text)
        print_table(report)
    else:
        sys.stdout.write(text)
    raise typer.Exit(exit_code_for_verdicts(report.verdicts, failing))


def _rendered(report: Report, output_format: OutputFormat, failing) -> str:
    from hubgate.render import render_report

    if output_format == OutputFormat.cyclonedx:
        from hubgate.render import cyclonedx

        try:
            return render_report(report, output_format.value, failing=failing)
        except cyclonedx.MissingLibrary as exc:
            fail_usage(f"{exc}\n  hint: {cyclonedx.HINT}")
    return render_report(report, output_format.value, failing=failing)


def _scan_refs(
    paths: list[str] | None,
    include: list[str] | None,
    exclude: list[str] | None,
    skipped: list[Any] | None = None,
):
    """`--scan`: the repos the code under `paths` uses, and their places; what the scan left out is added
    to `skipped`. Values the scan cannot know are listed on stderr (`dynamic: not checked`), never guessed."""
    from hubgate.cli.scan_cmd import run_scan

    result = run_scan(paths, include, exclude)
    for item in sorted(result.dynamic, key=lambda d: d.place):
        sys.stderr.write(f"hubgate: dynamic: not checked: {item.place} {item.place.via}: {item.expression}\n")
    if not result.found:
        sys.stderr.write(f"hubgate: the scan found no Hub repos in {result.files} files\n")
    if skipped is not None:
        skipped += result.skipped
    return result.refs(), result.places()


def _disk_free(disk: Path | None) -> tuple[int | None, str | None]:
    """--disk: free bytes where the download will land (the folder, or its nearest existing parent)."""
    if disk is None:
        return None, None
    import shutil

    target = disk.expanduser()
    while not target.exists() and target != target.parent:
        target = target.parent
    try:
        return shutil.disk_usage(target).free, str(disk)
    except OSError as exc:
        fail_usage(f"--disk {disk}: cannot read free space ({exc.strerror or exc})")


def _revision(revision: str | None) -> str | None:
    if revision is None:
        return None
    from hubgate.inputs.refs import REVISION_RE
    from hubgate.inputs.secrets import looks_like_token

    if looks_like_token(revision):
        fail_usage("--revision: this looks like an access token, not a branch, tag or commit name")
    if not REVISION_RE.fullmatch(revision):
        fail_usage(f"--revision {revision!r}: not a branch, tag or commit name")
    return revision


def _authors(authors: list[str] | None) -> list[str] | None:
    """--author names, checked before any request: an empty one would list every repo of the Hub, and a
    token typed there would be sent in the listing's URL."""
    from hubgate.inputs.secrets import looks_like_token

    for author in authors or []:
        if not author.strip():
            fail_usage("--author is empty", hint="name an organisation or user, e.g. --author meta-llama")
        if looks_like_token(author):
            fail_usage("--author: this looks like an access token, not an organisation or user name")
    return authors


def _fit_request(gpus: list[str] | None, dtype: str | None, context: int | None, dirs: list[Path] | None):
    """--gpu, --dtype and --context checked before any request, in the catalogue `fit` uses (with the
    --registry folders' GPUs): unknown names end the run with one line."""
    if not gpus:
        if dtype is not None or context is not None:
            fail_usage("--dtype and --context go with --gpu (the GPU fit they shape)")
        return None
    from hubgate.check.extras import FitRequest

    specs = gpus_option(gpus, gpu_catalog(dirs))
    return FitRequest(gpus=tuple(specs), dtype=dtype_option(dtype), context=context)


def _check_matrix(
    refs, endpoint, token_file, policy, jobs, output_format, failing, extras, caps=None, cache=None
) -> None:
    import json
    from dataclasses import replace

    from hubgate.check.matrix import check_matrix, matrix_json, stored_tokens, tokens_from_file
    from hubgate.check.run import run_check
    from hubgate.check.session import open_session
    from hubgate.inputs.sources import InputError
    from hubgate.render.matrix import render_matrix
    from hubgate.verdicts.exit_codes import exit_code_for_verdicts

    try:
        tokens = tokens_from_file(token_file) if token_file else stored_tokens()
    except InputError as exc:
        fail_unreadable(exc)
    if output_format not in (OutputFormat.table, OutputFormat.json):
        fail_usage(
            f"--format {output_format.value}: a token matrix is printed as table or json",
            hint="the other formats describe one token's verdicts: run check once per token for them",
        )

    def run(token, refs):
        session = open_session(
            token, endpoint=endpoint, policy=policy, pacer=announcing_pacer(policy), budget=caps
        )
        return run_check(session, refs, jobs=jobs, extras=matrix_extras, cache=cache)

    # The matrix shows statuses only: alternatives and fit would spend requests for nothing.
    matrix_extras = replace(extras, alternatives=False, fit=None)

    with interruptible(lambda: "part of the token matrix"):
        matrix = check_matrix(tokens, refs, run)
    text = (
        json.dumps(matrix_json(matrix), indent=2) + "\n"
        if output_format == OutputFormat.json
        else render_matrix(matrix)
    )
    sys.stdout.write(text)  # scrubbed of every token of the matrix on the way out (cli.root.run)
    raise typer.Exit(exit_code_for_verdicts([best for best, _ in matrix.rows()], failing))


def print_table(report: Report) -> None:
    from rich.console import Console

    from hubgate.render import table

    table.render_to(Console(soft_wrap=True, highlight=False), report)


def check_output_path(path: Path) -> None:
    """--output is checked before any request: a run must not spend its Hub quota, then fail to write."""
    import os

    if path.is_dir():
        fail_usage(f"--output {path}: is a directory; name a file in it (e.g. {path / 'report.txt'})")
    if _special(path):
        return  # /dev/stdout, a FIFO: written in place, whatever its folder allows
    parent = path.parent
    if not parent.is_dir():
        fail_usage(f"--output {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        fail_usage(f"--output {path}: directory {parent} is not writable")


def _special(path: Path) -> bool:
    """An existing target that is not a regular file (/dev/stdout, a FIFO, a terminal)."""
    import stat

    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def write_output(path: Path, text: str) -> None:
    """Write atomically: a reader (or a killed run) never sees half a report; scrubbed of tokens like
    everything printed. A device or a FIFO is written in place, as a shell redirect would: renaming over
    it would replace the device itself."""
    import os
    import tempfile

    from hubgate.inputs.secrets import scrub

    text = scrub(text)
    temp = None
    try:
        if _special(path):
            with path.open("w", encoding="utf-8") as file:
                file.write(text)
            return
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
        # mkstemp makes the file 0600; a report is no secret (tokens are scrubbed), so it gets the mode
        # any other tool's output would: 0666 less the user's umask.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None:  # a full disk must not leave half a report beside the target
            Path(temp).unlink(missing_ok=True)
        fail_usage(
            f"--output {path}: cannot write ({exc.strerror or exc}); the report is lost",
            hint="free some disk space, or give -o a path on another disk",
        )


def quiet_library_logs() -> None:
    """huggingface_hub logs retries and warnings on its own; hubgate reports them itself."""
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


class _progress:
    """A transient Rich progress bar on stderr for interactive runs; a no-op otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled

    def __enter__(self):
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
