"""`hubgate scan`: the Hub models and datasets a codebase references, with the place of each use."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from hubgate.cli.common import fail_usage
from hubgate.cli.root import app


class ScanFormat(StrEnum):
    table = "table"
    json = "json"
    cyclonedx = "cyclonedx"


IncludeOption = typer.Option(
    None,
    "--include",
    help="Only files matching this glob (gitignore syntax: '*.py', 'src/**'). Repeatable.",
    show_default=False,
)
ExcludeOption = typer.Option(
    None,
    "--exclude",
    help="Leave out files and folders matching this glob (gitignore syntax: 'tests/', '*.ipynb'). Repeatable.",
    show_default=False,
)


@app.command()
def scan(
    paths: list[str] | None = typer.Argument(
        None, help="Files or folders to scan (default: the working folder).", show_default=False
    ),
    output_format: ScanFormat = typer.Option(
        ScanFormat.table, "--format", help="table, json (for other tools), cyclonedx (an ML-BOM)."
    ),
    include: list[str] | None = IncludeOption,
    exclude: list[str] | None = ExcludeOption,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of stdout.", show_default=False
    ),
) -> None:
    """List the Hub repos the code uses (Python, notebooks, configs, shell, Dockerfiles, CI), with every
    place; reads files only, never asks the Hub. `hubgate check --scan` checks them."""
    from hubgate.render import scan as scan_render

    if output is not None and not output.parent.is_dir():
        fail_usage(f"--output {output}: directory {output.parent} does not exist")
    result = run_scan(paths, include, exclude)
    if output_format == ScanFormat.json:
        text = scan_render.render_json(result)
    elif output_format == ScanFormat.cyclonedx:
        from hubgate.render import cyclonedx

        try:
            text = cyclonedx.render(cyclonedx.items_from_scan(result))
        except cyclonedx.MissingLibrary as exc:
            fail_usage(f"{exc}\n  hint: {cyclonedx.HINT}")
    else:
        text = scan_render.render_table(result)
    if output is not None:
        from hubgate.cli.check import write_output

        write_output(output, text)
        sys.stderr.write(scan_render.summary(result) + "\n")
    else:
        sys.stdout.write(text)


def run_scan(paths: list[str] | None, include: list[str] | None, exclude: list[str] | None):
    """Scan, with bad paths as one line (exit 2) and unreadable files as warnings on stderr."""
    from hubgate.inputs.scan import scan_paths

    try:
        result = scan_paths(paths or ["."], include, exclude)
    except FileNotFoundError as exc:
        fail_usage(f"{exc.args[0]}: no such file or folder to scan")
    for problem in result.problems:
        sys.stderr.write(f"hubgate: warning: {problem}\n")
    return result
