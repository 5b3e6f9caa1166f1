"""`hubgate registry`: list, show, search, export, validate and verify the model registry (verify, the
one that asks the Hub, in registry_verify.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hubgate.cli.catalogs import registry_or_exit
from hubgate.cli.errors import fail_usage
from hubgate.cli.formats import format_or_json, print_json, table_console
from hubgate.cli.options import JsonOpt, RegistryDirsOpt, TableOrJsonOpt
from hubgate.cli.registry_options import (
    FamilyOpt,
    GatedOpt,
    LicenseOpt,
    MaxParamsOpt,
    MinParamsOpt,
    ProviderOpt,
    TypeOpt,
)
from hubgate.cli.registry_verify import verify_app

if TYPE_CHECKING:
    from hubgate.registry.index import Registry

EXIT_NOT_FOUND = 1
EXIT_PROBLEMS = 1

registry_app = typer.Typer(
    name="registry",
    help="Facts about models (size, licence, context, cost, API) from the bundled registry and your own folders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _note_overrides(registry: Registry) -> None:
    for override in registry.overrides:
        sys.stderr.write(f"note: {override}\n")


@registry_app.command("list")
def list_cmd(
    ctx: typer.Context,
    provider: ProviderOpt = None,
    model_type: TypeOpt = None,
    family: FamilyOpt = None,
    license_: LicenseOpt = None,
    gated: GatedOpt = None,
    max_params: MaxParamsOpt = None,
    min_params: MinParamsOpt = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """List models, filtered. Models whose size is unknown are left out by --max-params/--min-params."""
    from hubgate.registry.queries import filter_models, parse_filters
    from hubgate.render.registry import dump, models_table

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    words = {"provider": provider, "model_type": model_type, "family": family, "license_id": license_}
    try:
        filters = parse_filters(**words, gated=gated, max_params=max_params, min_params=min_params)
    except ValueError as exc:
        fail_usage(f"--{exc}")
    reg = registry_or_exit(registry)
    _note_overrides(reg)
    entries = filter_models(reg, **filters)
    if output_format == "json":
        print_json([dump(entry) for entry in entries])
    else:
        table_console().print(models_table(entries))


@registry_app.command("show")
def show_cmd(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="A model id, legacy id (gpt2) or alias (mistral_7b).")],
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """Everything the registry knows about one model, with the source of each number."""
    from hubgate.render.registry import dump, entry_table, not_found

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    reg = registry_or_exit(registry)
    entry = reg.get(model)
    if entry is None:
        sys.stderr.write(not_found(model, reg))
        raise typer.Exit(EXIT_NOT_FOUND)
    for override in reg.overrides:
        if override.model_id == entry.model_id:
            sys.stderr.write(f"note: {override}\n")
    if output_format == "json":
        print_json(dump(entry))
    else:
        table_console().print(entry_table(entry, reg.files.get(entry.model_id)))


@registry_app.command("search")
def search_cmd(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="Words to find in ids, names, family, description, use cases, licence.")
    ],
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """Find models by words; matches in ids and names come first. Exit 1 when nothing matches."""
    from hubgate.registry.queries import search_models
    from hubgate.render.registry import dump, models_table

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    if not text.strip():
        fail_usage("search needs some text")
    reg = registry_or_exit(registry)
    found = search_models(text, reg)
    if output_format == "json":
        print_json([dump(entry) for entry in found])
    elif found:
        table_console().print(models_table(found))
    else:
        sys.stderr.write(f"hubgate: no model matches {text!r}\n")
    if not found:
        raise typer.Exit(EXIT_NOT_FOUND)


@registry_app.command("export")
def export_cmd(
    ctx: typer.Context,
    output_format: Annotated[str, typer.Option("--format", help="json or yaml.")] = "json",
    as_json: JsonOpt = False,
    include_empty: Annotated[
        bool, typer.Option("--include-empty", help="Also write unknown facts as null.")
    ] = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """The whole merged registry as one JSON or YAML document: model_id -> entry."""
    from hubgate.registry.queries import export_to_dict
    from hubgate.render.registry import export_text

    output_format = format_or_json(ctx, output_format, as_json, ("json", "yaml"))
    reg = registry_or_exit(registry)
    _note_overrides(reg)
    data = export_to_dict(reg, include_empty=include_empty)
    sys.stdout.write(export_text(data, output_format))


@registry_app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="A registry folder to check, merged over the bundled one (conflicts with it are problems). "
            "Default: the bundled registry, HUBGATE_REGISTRY and --registry.",
            show_default=False,
        ),
    ] = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    registry: RegistryDirsOpt = None,
) -> None:
    """Check every file against the schema; one line per problem (file:line: field: message), exit 1 if any."""
    from hubgate.render.registry import validate_json, validate_summary

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
    dirs = [*(registry or ())]
    if folder is not None:
        if not folder.is_dir():
            fail_usage(f"{folder}: no such folder")
        dirs.append(folder)
    reg = registry_or_exit(dirs, strict=False)
    if output_format == "json":
        print_json(validate_json(reg))
    else:
        sys.stdout.write("".join(f"{problem}\n" for problem in reg.problems))
        _note_overrides(reg)
        sys.stderr.write(validate_summary(reg, folder))
    if reg.problems:
        raise typer.Exit(EXIT_PROBLEMS)


registry_app.add_typer(verify_app)
