"""`hubgate scan`: the Hub models and datasets a codebase references, with the place of each use."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from hubgate.cli.errors import fail_usage
from hubgate.cli.formats import format_or_json
from hubgate.cli.inputs import run_scan
from hubgate.cli.options import ExcludeOpt, IncludeOpt, JsonOpt
from hubgate.cli.report_out import planned_outputs, write_output


class ScanFormat(StrEnum):
    table = "table"
    json = "json"
    cyclonedx = "cyclonedx"


PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Files or folders to scan (default: the working folder).", show_default=False),
]
ScanFormatOpt = Annotated[
    ScanFormat, typer.Option("--format", help="table, json (for other tools), cyclonedx (an ML-BOM).")
]
OutputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="[FORMAT:]FILE",
        help="Write a report to FILE, in FORMAT, else the format its extension names (.json, .cdx.json), "
        "else --format's. Repeatable. stdout gets --format unless that format went to a file.",
        show_default=False,
    ),
]

scan_app = typer.Typer()


@scan_app.command()
def scan(
    ctx: typer.Context,
    paths: PathsArg = None,
    output_format: ScanFormatOpt = ScanFormat.table,
    as_json: JsonOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the Hub repos the code uses (Python, notebooks, configs, shell, Dockerfiles, CI), with every
    place; reads files only, never asks the Hub. `hubgate check --scan` checks them."""
    from hubgate.render import cyclonedx
    from hubgate.render import scan as scan_render

    fmt = format_or_json(ctx, output_format, as_json, tuple(ScanFormat))
    outputs = planned_outputs(output, fmt, tuple(ScanFormat))
    to_stdout = fmt not in {chosen for chosen, _ in outputs}
    # the table lists what was skipped itself; other formats (and a table in a file) say it on stderr
    result = run_scan(paths, include, exclude, skipped_on_stderr=not (to_stdout and fmt == "table"))
    texts: dict[str, str] = {}
    try:
        for chosen in {chosen for chosen, _ in outputs} | {fmt}:
            texts[chosen] = scan_render.render_scan(result, chosen)
    except cyclonedx.MissingLibrary as exc:
        fail_usage(str(exc), hint=cyclonedx.HINT)
    for chosen, path in outputs:
        write_output(path, texts[chosen])
    if to_stdout:
        sys.stdout.write(texts[fmt])  # a full disk or a closed pipe is main()'s to report (cli/output.py)
    else:
        sys.stderr.write(scan_render.summary(result) + "\n")
