"""`hubgate registry`: list, show, search, export, validate and verify the model registry."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hubgate.cli.common import (
    AnonymousOption,
    JobsOption,
    RegistryDirsOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
    check_format,
    fail_usage,
    require_folders,
    resolve_token_options,
    table_console,
)
from hubgate.units import human_count
from hubgate.verdicts.outcome import EXIT_ERROR

if TYPE_CHECKING:
    from hubgate.registry.loader import Registry
    from hubgate.registry.schema import ModelEntry

EXIT_NOT_FOUND = 1
EXIT_PROBLEMS = 1
EXIT_DRIFT = 1

registry_app = typer.Typer(
    name="registry",
    help="Facts about models (size, licence, context, cost, API) from the bundled registry and your own folders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FormatOption = typer.Option("table", "--format", help="table or json.")


def _load(dirs: list[Path] | None, *, strict: bool = True) -> Registry:
    from hubgate.registry.loader import RegistryError, load_registry

    require_folders(dirs)
    try:
        return load_registry([*(dirs or ())], strict=strict)
    except RegistryError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{problem}\n")
        fail_usage(
            f"the registry has {len(exc.problems)} problem(s) (listed above)",
            hint="fix them; `hubgate registry validate` lists every problem with its file and line",
        )


def _note_overrides(registry: Registry) -> None:
    for override in registry.overrides:
        sys.stderr.write(f"note: {override}\n")


def _gated_text(entry: ModelEntry) -> str:
    if entry.gated is None:
        return "?"
    return "no" if entry.gated is False else str(entry.gated)


def _rows_table(entries: list[ModelEntry], title: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in ("model", "type", "params", "context", "licence", "gated", "access"):
        table.add_column(column, justify="right" if column in ("params", "context") else "left")
    for entry in entries:
        params = human_count(entry.specs.parameters) if entry.specs.parameters else ""
        if entry.specs.active_parameters:
            params += f" ({human_count(entry.specs.active_parameters)} active)"
        table.add_row(
            entry.model_id,
            entry.type.value,
            params,
            f"{entry.specs.context_window:,}" if entry.specs.context_window else "",
            (entry.license.id or entry.license.name or "") if entry.license else "",
            _gated_text(entry),
            entry.access_method.value,
        )
    table_console().print(table)


def _dump(entry: ModelEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude_none=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _parse_size_option(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    from hubgate.registry.queries import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        fail_usage(f"{name} {exc}")


_GATED_CHOICES: dict[str, set[object]] = {
    "no": {False},
    "false": {False},
    "open": {False},
    "auto": {"auto"},
    "manual": {"manual"},
    "yes": {"auto", "manual"},
    "true": {"auto", "manual"},
    "any": {"auto", "manual"},
    "unknown": {None},
}


@registry_app.command("list")
def list_cmd(
    provider: str | None = typer.Option(
        None, "--provider", help="huggingface or openai.", show_default=False
    ),
    model_type: str | None = typer.Option(
        None,
        "--type",
        help="chat, instruct, completion, text2text, fill-mask, multimodal, vision-encoder, embedding.",
        show_default=False,
    ),
    family: str | None = typer.Option(None, "--family", help="e.g. llama-2, qwen3.", show_default=False),
    license_: str | None = typer.Option(
        None, "--license", help="Hub licence tag (apache-2.0, llama2, mit, other, ...).", show_default=False
    ),
    gated: str | None = typer.Option(
        None,
        "--gated",
        help="no, auto, manual, yes (auto or manual) or unknown: as last seen.",
        show_default=False,
    ),
    max_params: str | None = typer.Option(
        None, "--max-params", help="At most this many parameters: 7B, 500M, 1.5e9.", show_default=False
    ),
    min_params: str | None = typer.Option(
        None, "--min-params", help="At least this many parameters.", show_default=False
    ),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
) -> None:
    """List models, filtered. Models whose size is unknown are left out by --max-params/--min-params."""
    from hubgate.registry.schema import ModelType, Provider

    output_format = check_format(output_format, ("table", "json"))
    if provider is not None and provider.lower() not in {p.value for p in Provider}:
        fail_usage(f"--provider {provider!r}: use one of {', '.join(p.value for p in Provider)}")
    if model_type is not None and model_type.lower() not in {t.value for t in ModelType}:
        fail_usage(f"--type {model_type!r}: use one of {', '.join(t.value for t in ModelType)}")
    if gated is not None and gated.lower() not in _GATED_CHOICES:
        fail_usage(f"--gated {gated!r}: use one of no, auto, manual, yes, unknown")
    most = _parse_size_option("--max-params", max_params)
    least = _parse_size_option("--min-params", min_params)
    reg = _load(registry)
    _note_overrides(reg)

    entries = []
    for entry in reg.models.values():
        if provider and entry.provider.value != provider.lower():
            continue
        if model_type and entry.type.value != model_type.lower():
            continue
        if family and (entry.family or "").lower() != family.lower():
            continue
        if license_ and (not entry.license or (entry.license.id or "").lower() != license_.lower()):
            continue
        if gated and entry.gated not in _GATED_CHOICES[gated.lower()]:
            continue
        params = entry.specs.parameters
        if (most is not None or least is not None) and params is None:
            continue
        if most is not None and params is not None and params > most:
            continue
        if least is not None and params is not None and params < least:
            continue
        entries.append(entry)
    if output_format == "json":
        _print_json([_dump(entry) for entry in entries])
    else:
        _rows_table(entries)


def _show_table(entry: ModelEntry, source: Path | None) -> None:
    from rich.table import Table

    data = _dump(entry)
    sources = data.pop("sources", {})
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, list):
            if value:
                table.add_row(prefix, ", ".join(str(item) for item in value))
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if prefix in ("specs.parameters", "specs.active_parameters") and isinstance(value, int):
                text = f"{value:,} ({human_count(value)})"
            table.add_row(prefix, text)

    add("", data)
    for key, text in sources.items():
        table.add_row(f"source of {key}", text)
    if source is not None:
        table.add_row("file", str(source))
    table_console().print(table)


@registry_app.command("show")
def show_cmd(
    model: str = typer.Argument(..., help="A model id, legacy id (gpt2) or alias (mistral_7b)."),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
) -> None:
    """Everything the registry knows about one model, with the source of each number."""
    from hubgate.registry.queries import suggest

    output_format = check_format(output_format, ("table", "json"))
    reg = _load(registry)
    entry = reg.get(model)
    if entry is None:
        meant = reg.misspelling_of(model)
        if meant:
            sys.stderr.write(
                f"hubgate: {model!r} is not a Hub id (a known misspelling); the model meant is {meant}\n"
            )
        else:
            hints = suggest(model, reg)
            hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
            sys.stderr.write(f"hubgate: {model!r} is not in the registry{hint}\n")
        raise typer.Exit(EXIT_NOT_FOUND)
    for override in reg.overrides:
        if override.model_id == entry.model_id:
            sys.stderr.write(f"note: {override}\n")
    if output_format == "json":
        _print_json(_dump(entry))
    else:
        _show_table(entry, reg.files.get(entry.model_id))


@registry_app.command("search")
def search_cmd(
    text: str = typer.Argument(
        ..., help="Words to find in ids, names, family, description, use cases, licence."
    ),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
) -> None:
    """Find models by words; matches in ids and names come first. Exit 1 when nothing matches."""
    from hubgate.registry.queries import search_models

    output_format = check_format(output_format, ("table", "json"))
    if not text.strip():
        fail_usage("search needs some text")
    reg = _load(registry)
    found = search_models(text, reg)
    if output_format == "json":
        _print_json([_dump(entry) for entry in found])
    elif found:
        _rows_table(found)
    else:
        sys.stderr.write(f"hubgate: no model matches {text!r}\n")
    if not found:
        raise typer.Exit(EXIT_NOT_FOUND)


@registry_app.command("export")
def export_cmd(
    output_format: str = typer.Option("json", "--format", help="json or yaml."),
    include_empty: bool = typer.Option(False, "--include-empty", help="Also write unknown facts as null."),
    registry: list[Path] | None = RegistryDirsOption,
) -> None:
    """The whole merged registry as one JSON or YAML document: model_id -> entry."""
    from hubgate.registry.queries import export_to_dict

    output_format = check_format(output_format, ("json", "yaml"))
    reg = _load(registry)
    _note_overrides(reg)
    data = export_to_dict(reg, include_empty=include_empty)
    if output_format == "json":
        _print_json(data)
    else:
        import yaml

        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))


@registry_app.command("validate")
def validate_cmd(
    folder: Path | None = typer.Argument(
        None,
        help="A registry folder to check, merged over the bundled one (conflicts with it are problems). "
        "Default: the bundled registry, HUBGATE_REGISTRY and --registry.",
        show_default=False,
    ),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
) -> None:
    """Check every file against the schema; one line per problem (file:line: field: message), exit 1 if any."""
    output_format = check_format(output_format, ("table", "json"))
    dirs = [*(registry or ())]
    if folder is not None:
        if not folder.is_dir():
            fail_usage(f"{folder}: no such folder")
        dirs.append(folder)
    reg = _load(dirs, strict=False)
    if output_format == "json":
        _print_json(
            {
                "ok": not reg.problems,
                "models": len(reg.models),
                "folders": [str(layer) for layer in reg.layers],
                "overrides": [
                    {"model_id": o.model_id, "replaced": str(o.replaced), "by": str(o.by)}
                    for o in reg.overrides
                ],
                "problems": [
                    {"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                    for p in reg.problems
                ],
            }
        )
    else:
        for problem in reg.problems:
            sys.stdout.write(f"{problem}\n")
        _note_overrides(reg)
        state = f"{len(reg.problems)} problem(s)" if reg.problems else "ok"
        sys.stderr.write(f"{state}: {len(reg.models)} models valid in {len(reg.layers)} folder(s)\n")
    if reg.problems:
        raise typer.Exit(EXIT_PROBLEMS)


@registry_app.command("verify")
def verify_cmd(
    models: list[str] | None = typer.Argument(
        None,
        help="Ids or aliases to verify. Default: every Hugging Face model of the registry.",
        show_default=False,
    ),
    output_format: str = FormatOption,
    registry: list[Path] | None = RegistryDirsOption,
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    jobs: int = JobsOption,
    timeout: float = TimeoutOption,
    retries: int = RetriesOption,
) -> None:
    """Compare the registry with the Hub now (gate mode, licence tag, safetensors parameter count) and list
    every drift. One metadata request per model. Exit 1 on any drift, missing or renamed repo; 3 when the
    Hub left some unverified; 0 when all agree (gaps, facts the registry leaves empty, are listed only)."""
    from concurrent.futures import ThreadPoolExecutor

    from hubgate.check.runner import default_endpoint
    from hubgate.cli.check import quiet_library_logs
    from hubgate.cli.common import check_endpoint_variable, retry_policy
    from hubgate.hub.service import HubService
    from hubgate.inputs.refs import RepoRef
    from hubgate.registry.schema import Provider
    from hubgate.registry.verify import Finding, Kind, compare

    check_endpoint_variable()
    output_format = check_format(output_format, ("table", "json"))
    reg = _load(registry)
    if models:
        entries, unknown = [], []
        for name in models:
            entry = reg.get(name)
            if entry is None:
                unknown.append(name)
            elif entry not in entries:
                entries.append(entry)
        if unknown:
            fail_usage(f"not in the registry: {', '.join(unknown)} (`hubgate registry search` finds ids)")
    else:
        entries = list(reg.models.values())
    skipped = [e.model_id for e in entries if e.provider is not Provider.huggingface]
    entries = [e for e in entries if e.provider is Provider.huggingface]

    resolved = resolve_token_options(token, anonymous)
    quiet_library_logs()
    service = HubService(
        default_endpoint(), resolved.value, policy=retry_policy(retries, timeout, None, None)
    )

    def verify(entry: ModelEntry) -> list[Finding]:
        try:
            return compare(entry, service.metadata(RepoRef(entry.model_id, "model", entry.model_id)))
        except Exception as exc:  # one model's failure never stops the others
            return [Finding(entry.model_id, "(repo)", Kind.ERROR, None, None, f"{type(exc).__name__}: {exc}")]

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="hubgate-verify") as pool:
        findings = [finding for found in pool.map(verify, entries) for finding in found]
    counts = {kind.value: sum(f.kind is kind for f in findings) for kind in Kind}
    if output_format == "json":
        _print_json(
            {
                "endpoint": service.endpoint,
                "verified": len(entries),
                "skipped": [{"model_id": m, "reason": "API model: not a Hub repo"} for m in skipped],
                "counts": counts,
                "findings": [f.to_dict() for f in findings],
                "requests": dict(service.stats.sent),
            }
        )
    else:
        _findings_table(findings)
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no drift"
        sys.stderr.write(
            f"{len(entries)} model(s) verified against {service.endpoint}: {summary}"
            + (f"; {len(skipped)} API model(s) skipped" if skipped else "")
            + "\n"
        )
    if any(f.kind in (Kind.DRIFT, Kind.MISSING, Kind.RENAMED) for f in findings):
        raise typer.Exit(EXIT_DRIFT)
    if counts[Kind.ERROR.value]:
        raise typer.Exit(EXIT_ERROR)


def _findings_table(findings: list[Any]) -> None:
    if not findings:
        return
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("model", "field", "kind", "registry", "hub", "detail"):
        table.add_column(column)
    for f in findings:
        table.add_row(
            f.model_id,
            f.field,
            f.kind.value,
            "" if f.registry is None else str(f.registry),
            "" if f.hub is None else str(f.hub),
            f.message,
        )
    table_console().print(table)
