"""`hubgate registry validate`: every file a command loads from the registry folders, models and GPUs,
read with the loaders those commands use, so a file validate passes is one they accept."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hubgate.cli.catalogs import registry_or_exit
from hubgate.cli.errors import fail_usage
from hubgate.cli.formats import format_or_json, print_json
from hubgate.cli.options import JsonOpt, RegistryDirsOpt, TableOrJsonOpt

EXIT_PROBLEMS = 1

validate_app = typer.Typer()


@validate_app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="A registry folder to check (models/ and gpus/), merged over the bundled one (conflicts with "
            "it are problems). Default: the bundled registry, HUBGATE_REGISTRY and --registry.",
            show_default=False,
        ),
    ] = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """Check every model and GPU file against its schema; one line per problem (file:line: field:
    message), exit 1 if any."""
    from hubgate.fit.catalog import load_catalog
    from hubgate.render.registry import validate_json, validate_summary

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    dirs = [*(registry or ())]
    if folder is not None:
        if not folder.is_dir():
            fail_usage(f"{folder}: no such folder")
        dirs.append(folder)
    reg = registry_or_exit(dirs, strict=False)
    gpus = load_catalog(dirs, strict=False)  # as `fit` and `check --gpu` load it
    if output_format == "json":
        print_json(validate_json(reg, gpus))
    else:
        sys.stdout.write("".join(f"{problem}\n" for problem in [*reg.problems, *gpus.problems]))
        for override in [*reg.overrides, *gpus.overrides]:
            sys.stderr.write(f"note: {override}\n")
        sys.stderr.write(validate_summary(reg, gpus, folder))
    if reg.problems or gpus.problems:
        raise typer.Exit(EXIT_PROBLEMS)
