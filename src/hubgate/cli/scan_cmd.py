"""`hubgate scan`: the Hub models and datasets a codebase references, with the place of each use."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hubgate.cli.errors import fail_usage
from hubgate.cli.inputs import run_scan
from hubgate.cli.options import ExcludeOpt, IncludeOpt
from hubgate.cli.report_out import write_output


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
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.", show_default=False
    ),
]

scan_app = typer.Typer()


@scan_app.command()
def scan(
    paths: PathsArg = None,
    output_format: ScanFormatOpt = ScanFormat.table,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    output: OutputOpt = None,
) -> None:
    """List the Hub repos the code uses (Python, notebooks, configs, shell, Dockerfiles, CI), with every
    place; reads files only, never asks the Hub. `hubgate check --scan` checks them."""
    from hubgate.render import cyclonedx
    from hubgate.render import scan as scan_render

    if output is not None and not output.parent.is_dir():
        fail_usage(f"--output {output}: directory {output.parent} does not exist")
    # the table lists what was skipped itself; other formats (and a table in a file) say it on stderr
    result = run_scan(
        paths, include, exclude, skipped_on_stderr=output is not None or output_format != "table"
    )
    try:
        text = scan_render.render_scan(result, output_format.value)
    except cyclonedx.MissingLibrary as exc:
        fail_usage(f"{exc}\n  hint: {cyclonedx.HINT}")
    if output is not None:
        write_output(output, text)
        sys.stderr.write(scan_render.summary(result) + "\n")
    else:
        sys.stdout.write(text)  # a full disk or a closed pipe is main()'s to report (cli/output.py)
