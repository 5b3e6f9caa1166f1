"""`hubgate check`: access verdicts for many repos."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from hubgate.cli.catalogs import fit_request, joined_registry
from hubgate.cli.check_options import (
    AllowRemoteCodeOpt,
    AllStoredTokensOpt,
    AuthorOpt,
    ContextOpt,
    DiskOpt,
    DtypeOpt,
    FailOnOpt,
    GpuOpt,
    MaxSizeOpt,
    NoAlternativesOpt,
    NoBasesOpt,
    OutputFormat,
    OutputFormatOpt,
    OutputOpt,
    QuietOpt,
    RevisionOpt,
    ScanOpt,
    TokenFileOpt,
)
from hubgate.cli.errors import fail_unreadable, fail_usage, interruptible
from hubgate.cli.formats import given, pick_format, table_console
from hubgate.cli.hub_options import HubOptions, metadata_cache, quiet_library_logs
from hubgate.cli.inputs import (
    checked_authors,
    checked_revision,
    disk_free,
    effective_policy,
    failing_statuses,
    load_refs,
    scanned_repos,
)
from hubgate.cli.options import (
    AnonymousOpt,
    BudgetOpt,
    DeadlineOpt,
    ExcludeOpt,
    FilesOpt,
    IdsArg,
    IncludeOpt,
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
from hubgate.cli.report_out import VerboseOpt, load_renderers, planned_outputs, print_report

if TYPE_CHECKING:
    from hubgate.check.extras import Extras
    from hubgate.hub.cache import MetadataCache
    from hubgate.inputs.refs import AnyRef

check_app = typer.Typer()


@check_app.command()
def check(
    ctx: typer.Context,
    ids: IdsArg = None,
    files: FilesOpt = None,
    repo_type: RepoTypeOpt = RepoTypeChoice.model,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    output_format: OutputFormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    jobs: JobsOpt = 8,
    timeout: TimeoutOpt = 15.0,
    retries: RetriesOpt = 4,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
    no_cache: NoCacheOpt = False,
    fail_on: FailOnOpt = None,
    max_size: MaxSizeOpt = None,
    allow_remote_code: AllowRemoteCodeOpt = None,
    disk: DiskOpt = None,
    revision: RevisionOpt = None,
    token_file: TokenFileOpt = None,
    all_stored_tokens: AllStoredTokensOpt = False,
    authors: AuthorOpt = None,
    registry_dirs: RegistryDirsOpt = None,
    no_registry: NoRegistryOpt = False,
    gpus: GpuOpt = None,
    dtype: DtypeOpt = None,
    context: ContextOpt = None,
    no_bases: NoBasesOpt = False,
    no_alternatives: NoAlternativesOpt = False,
    scan: ScanOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
) -> None:
    """Check which repos this token can download now, and the next step for every other one."""
    from hubgate.check.batch import check_batch
    from hubgate.check.extras import Extras
    from hubgate.verdicts.exit_codes import exit_code_for_verdicts

    output_format = OutputFormat(
        pick_format(output_format, as_json, quiet, given=given(ctx, "output_format"))
    )
    preflight = effective_policy(fail_on=fail_on, max_size=max_size, allow_remote_code=allow_remote_code)
    failing = failing_statuses(preflight)
    rules = preflight.rules(*disk_free(disk))
    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget).checked()
    cache = metadata_cache(no_cache)
    outputs = planned_outputs(output, output_format.value, tuple(OutputFormat))
    fit = fit_request(gpus, dtype, context, registry_dirs)
    registry = joined_registry(registry_dirs, no_registry)
    # a BOM, on stdout or in a file, lists the weights' hashes (blobs=true, same request count)
    bom = "cyclonedx" in {output_format.value, *(fmt for fmt, _ in outputs)}
    extras = Extras(registry, not no_bases, True, not no_alternatives, fit, rules, hashes=bom)
    scanned = scanned_repos(scan, ids, include, exclude)
    authors = checked_authors(authors)
    endpoint, refs = load_refs(
        [] if scan else ids,
        files,
        repo_type,
        other_input=bool(authors),
        registry=registry,
        revision=checked_revision(revision),
        scanned=[*scanned.refs(), *scanned.collection_refs()] if scanned is not None else None,
    )
    quiet_library_logs()
    if token_file or all_stored_tokens:
        if token or anonymous or authors or outputs:
            fail_usage("--token-file / --all-stored-tokens go without --token, --anonymous, --author and -o")
        _check_matrix(refs, endpoint, token_file, hub, jobs, output_format, failing, extras, cache)
    resolved = hub.resolve_token()
    with Progress(len(refs), bar=output_format != "quiet") as progress, interruptible(progress.told):
        session = hub.session(endpoint, resolved, identify=bool(refs or authors))
        report = check_batch(
            session,
            refs,
            authors=authors,
            repo_type=repo_type.value,
            jobs=jobs,
            extras=extras,
            cache=cache,
            scan=scanned,
            on_start=progress.start,
            on_result=progress.advance,
            meanwhile=lambda: load_renderers(output_format.value, outputs),
        )

    print_report(report, output_format.value, failing, outputs, verbose=verbose, policy=preflight)
    raise typer.Exit(exit_code_for_verdicts(report.verdicts, failing))


def _check_matrix(
    refs: list[AnyRef],
    endpoint: str,
    token_file: str | None,
    hub: HubOptions,
    jobs: int,
    output_format: OutputFormat,
    failing: frozenset[str],
    extras: Extras,
    cache: MetadataCache | None,
) -> None:
    """`--token-file` / `--all-stored-tokens`: the repos under each token, as a table or JSON."""
    from hubgate.check.matrix import check_matrix, stored_tokens, tokens_from_file
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
    with interruptible(lambda: "part of the token matrix"):
        matrix = check_matrix(
            tokens, refs, lambda token: hub.session(endpoint, token), jobs=jobs, extras=extras, cache=cache
        )
    sys.stdout.write(render_matrix(matrix, output_format.value, width=table_console().width))  # scrubbed
    raise typer.Exit(exit_code_for_verdicts([best for best, _ in matrix.rows()], failing))
