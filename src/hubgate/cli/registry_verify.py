"""`hubgate registry verify`: the registry against the Hub now, through the run's one Hub client."""

from __future__ import annotations

from pathlib import Path

import typer

from hubgate.cli.common import JobsOption, RegistryDirsOption, check_format, fail_usage, table_console
from hubgate.cli.hub_options import HubOptions, hub_command
from hubgate.verdicts.exit_codes import EXIT_ERROR

EXIT_DRIFT = 1
FormatOption = typer.Option("table", "--format", help="table or json.")


@hub_command
def verify_cmd(
    models: list[str] | None = typer.Argument(
        None,
        help="Ids or aliases to verify. Default: every Hugging Face model of the registry.",
        show_default=False,
    ),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
    jobs: int = JobsOption,
    *,
    hub: HubOptions,
) -> None:
    """Compare the registry with the Hub now (gate mode, licence tag, safetensors parameter count) and list
    every drift. One metadata request per model. Exit 1 on any drift, missing or renamed repo; 3 when the
    Hub left some unverified; 0 when all agree (gaps, facts the registry leaves empty, are listed only)."""
    import sys

    from hubgate.cli.check import quiet_library_logs
    from hubgate.cli.common import interruptible
    from hubgate.cli.registry_cmd import load_or_exit, print_json
    from hubgate.registry.verify import DriftKind, drifted, select, verify_models
    from hubgate.render.registry import findings_table, verify_json, verify_summary

    endpoint = hub.endpoint()
    output_format = check_format(output_format, ("table", "json"))
    chosen = select(load_or_exit(registry), models)
    if chosen.unknown:
        fail_usage(f"not in the registry: {', '.join(chosen.unknown)} (`hubgate registry search` finds ids)")
    token = hub.resolve_token()
    quiet_library_logs()
    service = hub.service(endpoint, token)
    with interruptible(lambda: f"{sum(service.stats.sent.values())} request(s)"):
        findings = verify_models(service, chosen.entries, jobs=jobs, secret=token.value)
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
