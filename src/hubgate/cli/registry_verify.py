"""`hubgate registry verify`: the registry against the Hub now, through the run's one Hub client."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hubgate.cli.catalogs import registry_or_exit
from hubgate.cli.errors import fail_usage, interruptible
from hubgate.cli.formats import format_or_json, print_json, table_console
from hubgate.cli.hub_options import HubOptions, quiet_library_logs
from hubgate.cli.options import (
    AnonymousOpt,
    BudgetOpt,
    DeadlineOpt,
    JobsOpt,
    JsonOpt,
    MaxWaitOpt,
    RegistryDirsOpt,
    RetriesOpt,
    TableOrJsonOpt,
    TimeoutOpt,
    TokenOpt,
)
from hubgate.verdicts.exit_codes import EXIT_ERROR

EXIT_DRIFT = 1
ModelsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Ids or aliases to verify. Default: every Hugging Face model of the registry.",
        show_default=False,
    ),
]

verify_app = typer.Typer()


@verify_app.command("verify")
def verify(
    ctx: typer.Context,
    models: ModelsArg = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
    jobs: JobsOpt = 8,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    retries: RetriesOpt = 4,
    timeout: TimeoutOpt = 15.0,
    max_wait: MaxWaitOpt = None,
    deadline: DeadlineOpt = None,
    budget: BudgetOpt = None,
) -> None:
    """Compare the registry with the Hub now (gate mode, licence tag, safetensors parameter count) and list
    every drift. One metadata request per model. Exit 1 on any drift, missing or renamed repo; 3 when the
    Hub left some unverified; 0 when all agree (gaps, facts the registry leaves empty, are listed only)."""
    from hubgate.registry.verify import DriftKind, drifted, select, verify_models
    from hubgate.render.registry import findings_table, verify_json, verify_summary

    hub = HubOptions(token, anonymous, retries, timeout, max_wait, deadline, budget)
    endpoint = hub.endpoint()
    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    chosen = select(registry_or_exit(registry), models)
    if chosen.unknown:
        fail_usage(f"not in the registry: {', '.join(chosen.unknown)} (`hubgate registry search` finds ids)")
    token_ = hub.resolve_token()
    quiet_library_logs()
    service = hub.service(endpoint, token_)
    with interruptible(lambda: f"{sum(service.stats.sent.values())} request(s)"):
        findings = verify_models(service, chosen.entries, jobs=jobs, secret=token_.value)
    if output_format == "json":
        print_json(
            verify_json(findings, chosen, endpoint=service.endpoint, requests=dict(service.stats.sent))
        )
    else:
        if findings:
            table_console().print(findings_table(findings))
        sys.stderr.write(verify_summary(findings, chosen, endpoint=service.endpoint))
    if drifted(findings):
        raise typer.Exit(EXIT_DRIFT)
    if any(f.kind is DriftKind.ERROR for f in findings):
        raise typer.Exit(EXIT_ERROR)
