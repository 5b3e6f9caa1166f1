"""`hubgate fit`: will these models run on these GPUs, at which precision, with how much context."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hubgate.cli.common import (
    AnonymousOption,
    RegistryDirsOption,
    TokenOption,
    check_format,
    check_registry,
    dtype_option,
    fail_usage,
    gpu_catalog,
    gpus_option,
    resolve_token_options,
    table_console,
)
from hubgate.cli.root import app
from hubgate.units import gib, human_count

if TYPE_CHECKING:
    from hubgate.fit import FitResult, GpuSpec
    from hubgate.fit.catalog import Catalog
    from hubgate.fit.judge import FitOptions

# The pairings of the seed document (T4, L4, A100 40GB, H100): the default when no --gpu is given.
DEFAULT_GPUS = ("nvidia-t4", "nvidia-l4", "nvidia-a100-40gb", "nvidia-h100-80gb")
GPU_HELP = (
    "A GPU by id, alias or name (t4, l4, a100-80gb, h100, rtx4090, mi300x, apple-64gb). Repeatable. "
    f"Default: {', '.join(DEFAULT_GPUS)}. --list-gpus shows the catalogue."
)
EXIT_OK, EXIT_UNKNOWN, EXIT_HUB_ERROR = 0, 1, 3


@app.command("fit")
def fit(
    ids: list[str] | None = typer.Argument(
        None,
        help="Model ids (org/name, legacy names, Hub URLs). Without ids: the registry's models that fit --gpu.",
        show_default=False,
    ),
    gpu: list[str] | None = typer.Option(
        None,
        "--gpu",
        "-g",
        help=GPU_HELP,
        show_default=False,
    ),
    dtype: str | None = typer.Option(
        None,
        "--dtype",
        help="float32, bfloat16, float16, int8 or int4. Default: the precision the model is published in.",
        show_default=False,
    ),
    context: int | None = typer.Option(
        None,
        "--context",
        min=1,
        help="Tokens of KV cache per sequence. Default: the model's window, at most 4096.",
    ),
    batch: int = typer.Option(1, "--batch", min=1, help="Sequences served at once (scales the KV cache)."),
    kv_dtype: str = typer.Option(
        "auto",
        "--kv-dtype",
        help="KV-cache precision: auto (the model's 16/32-bit precision), bfloat16 or fp8.",
    ),
    tp: int = typer.Option(
        1,
        "--tp",
        "--gpus",
        min=1,
        help="Tensor-parallel GPUs per model: weights and KV cache divided over N, each with its own overhead.",
    ),
    engine: str | None = typer.Option(
        None,
        "--engine",
        help="vllm: the budget is the GPU's memory x gpu_memory_utilization (vLLM's default 0.9).",
        show_default=False,
    ),
    utilization: float = typer.Option(
        0.9, "--gpu-memory-utilization", min=0.05, max=1.0, help="With --engine vllm: the share vLLM may use."
    ),
    max_context: bool = typer.Option(
        False, "--max-context", help="Show, per GPU, the longest context that fits at --batch (and --tp)."
    ),
    quant: str | None = typer.Option(
        None,
        "--quant",
        help="For GGUF repos: the quant file to size (Q4_K_M, Q8_0, ...). Default: every quant file.",
        show_default=False,
    ),
    output_format: str = typer.Option("table", "--format", help="table or json."),
    token: str | None = TokenOption,
    anonymous: bool = AnonymousOption,
    registry: list[Path] | None = RegistryDirsOption,
    show_all: bool = typer.Option(
        False, "--all", help="Without ids: list the registry models that do not fit as well."
    ),
    list_gpus: bool = typer.Option(False, "--list-gpus", help="List the GPU catalogue and exit."),
) -> None:
    """Memory a model needs (weights + KV cache + overhead) and whether it fits each GPU. Estimates."""
    output_format = check_format(output_format, ("table", "json"))
    catalog = gpu_catalog(registry)
    if list_gpus:
        _print_catalog(catalog, output_format)
        return
    dtype = dtype_option(dtype)
    if not ids and not gpu:
        fail_usage("name models, or a GPU with --gpu to see which registry models fit it")
    specs = gpus_option(gpu or DEFAULT_GPUS, catalog)
    options = _options(dtype, context, batch, kv_dtype, tp, engine, utilization)
    picked = [line for name in gpu or () if (line := _picked(catalog, name))]

    # Entries with problems are left out with a warning, as in `check`; a folder of only gpus/ adds no models.
    model_registry = check_registry(registry, False)
    if ids:
        results, code = _fit_ids(ids, specs, options, quant, model_registry, token, anonymous)
        shown = results
        hidden = 0
    else:
        results = _fit_registry(model_registry, specs, options)
        code = EXIT_OK
        fitting = [r for r in results if any(g.verdict in ("fits", "tight") for g in r.gpus)]
        shown = results if show_all else fitting
        hidden = len(results) - len(shown)
    if output_format == "json":
        _print_json(results, specs, picked)
    else:
        _print_table(shown, specs, hidden=hidden, options=options, max_context=max_context, picked=picked)
    raise typer.Exit(code)


def _options(
    dtype: str | None,
    context: int | None,
    batch: int,
    kv_dtype: str,
    tp: int,
    engine: str | None,
    utilization: float,
) -> FitOptions:
    from hubgate.fit.estimate import UnknownDtypeError, normalise_kv_dtype
    from hubgate.fit.judge import ENGINES, FitOptions

    try:
        kv = normalise_kv_dtype(kv_dtype)
    except UnknownDtypeError as exc:
        fail_usage(f"--kv-dtype: {exc}")
    if engine is not None and engine.lower() not in ENGINES:
        fail_usage(f"--engine: unknown engine {engine!r}; use {', '.join(ENGINES)}")
    return FitOptions(
        dtype=dtype,
        context=context,
        batch=batch,
        kv_dtype=kv,
        tp=tp,
        engine=engine.lower() if engine else None,
        gpu_memory_utilization=utilization,
    )


def _picked(catalog: Catalog, name: str) -> str | None:
    """`--gpu a100: picked NVIDIA A100 40GB (nvidia-a100-40gb); also nvidia-a100-80gb` when a short name
    could mean several catalogue entries."""
    entry = catalog.get(name)
    others = catalog.also_named(name)
    if entry is None or not others:
        return None
    return f"--gpu {name}: picked {entry.name} ({entry.id}); also in the catalogue: {', '.join(others)}"


# Models --------------------------------------------------------------------------------------------------


def _fit_ids(
    ids: list[str],
    specs: list[GpuSpec],
    options: FitOptions,
    quant: str | None,
    model_registry: Any,
    token: str | None,
    anonymous: bool,
) -> tuple[list[FitResult], int]:
    from dataclasses import replace

    from hubgate.fit import ModelFacts, fit_facts
    from hubgate.fit.facts import merge, model_facts_from_metadata, model_facts_from_registry

    results: list[FitResult] = []
    code = EXIT_OK
    service = None
    endpoint = None
    for raw in ids:
        api_hint = _api_model(raw, model_registry)
        if api_hint is not None:
            facts = ModelFacts(model_id=raw, notes=(f"parameter count unknown: {api_hint}",))
            results.append(fit_facts(facts, specs, options=options))
            code = max(code, EXIT_UNKNOWN)
            continue
        known, canonical = (
            model_facts_from_registry(raw, model_registry) if model_registry is not None else (None, None)
        )
        facts = known
        gguf_facts: list[ModelFacts] = []
        if known is None or known.params is None:
            # Not in the registry, or the registry does not know its size: ask the Hub.
            if service is None:
                from hubgate.check.runner import default_endpoint
                from hubgate.hub.service import HubService

                endpoint = default_endpoint()
                service = HubService(endpoint, resolve_token_options(token, anonymous).value)
            body, problem, hub_error = _metadata(service, canonical or raw, endpoint)
            from_hub = model_facts_from_metadata(canonical or raw, body) if body is not None else None
            if body is not None and not body.get("safetensors"):
                # GGUF repos (llama.cpp) are sized per quant file, even when they carry a config.json.
                from hubgate.fit.gguf_files import gguf_facts_for

                gguf_facts, gguf_problem = gguf_facts_for(service, body, quant)
                problem = gguf_problem or problem
                if gguf_problem and from_hub is not None:
                    from_hub = replace(from_hub, params=None, stored_bytes=None)  # not the quant asked for
            facts = merge(known, from_hub)
            if not gguf_facts and (facts is None or facts.params is None):
                reason = problem or "the Hub's metadata has no safetensors total and no usable config"
                base = facts or ModelFacts(model_id=canonical or raw)
                facts = replace(base, notes=(*base.notes, f"parameter count unknown: {reason}"))
                code = max(code, EXIT_HUB_ERROR if hub_error else EXIT_UNKNOWN)
        if gguf_facts:
            results += [fit_facts(merge(one, facts) or one, specs, options=options) for one in gguf_facts]
            continue
        assert facts is not None
        if quant:
            facts = replace(facts, notes=(*facts.notes, "--quant applies to GGUF repos; this one has none"))
        results.append(fit_facts(facts, specs, options=options))
    return results, code


def _api_model(raw: str, model_registry: Any) -> str | None:
    """`gpt-4 is an openai API model ..., not a Hugging Face repo.` for an id the registry knows as an API model."""
    if model_registry is None:
        return None
    from hubgate.registry.joins import api_model_hint

    entry = model_registry.get(raw)
    return api_model_hint(entry) if entry is not None else None


def _metadata(service: Any, raw: str, endpoint: str | None) -> tuple[Any, str | None, bool]:
    """(body, why there is none, whether that is a Hub error rather than an answer)."""
    from hubgate.inputs.refs import InvalidRef, parse_ref

    ref = parse_ref(raw, endpoint=endpoint)
    if isinstance(ref, InvalidRef):
        return None, f"not a model id: {ref.reason}", False
    if ref.repo_type != "model":
        return None, "datasets have no GPU fit", False
    answer = service.metadata(ref)
    if answer.ok and isinstance(answer.body, dict):
        return answer.body, None, False
    hub_error = answer.status is None or answer.status >= 500 or answer.status == 429
    if answer.status in (401, 404):
        return None, f"the Hub does not show this repo ({answer.describe()})", False
    return None, f"the Hub's metadata could not be read: {answer.describe()}", hub_error


def _fit_registry(model_registry: Any, specs: list[GpuSpec], options: FitOptions) -> list[FitResult]:
    from hubgate.fit import fit_facts
    from hubgate.fit.facts import model_facts_from_specs

    results = []
    for model_id, entry in model_registry.models.items():
        specs_ = getattr(entry, "specs", None)
        if specs_ is None or not getattr(specs_, "parameters", None) or "/" not in model_id:
            continue  # API models and models of unknown size
        kind = getattr(entry.type, "value", entry.type)
        results.append(fit_facts(model_facts_from_specs(model_id, specs_, kind), specs, options=options))
    results.sort(key=lambda r: (r.estimate.total_bytes or 0, r.id.lower()))
    return results


# Output --------------------------------------------------------------------------------------------------


def _print_json(results: list[FitResult], specs: list[GpuSpec], picked: list[str]) -> None:
    from hubgate.fit import ASSUMPTIONS

    data = {
        "assumptions": ASSUMPTIONS,
        "gpus": [{"name": s.name, "label": s.label, "memory_bytes": s.memory_bytes} for s in specs],
        "models": [r.to_dict() for r in results],
        "notes": picked,
    }
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _dtype_cell(r: FitResult) -> str:
    if r.reason:
        return "?"
    if r.quantization == "gguf" and r.quant_file:
        from hubgate.fit.gguf_files import quant_label

        return quant_label(r.quant_file) or "gguf"
    if r.quantization:
        return f"{r.quantization} {r.estimate.dtype}"
    return "unknown" if r.alternatives else r.estimate.dtype


def _needs_cell(r: FitResult) -> str:
    need = r.estimate.per_gpu_bytes if r.estimate.tp > 1 else r.estimate.total_bytes
    cell = gib(need) + (f" x{r.estimate.tp}" if r.estimate.tp > 1 and need is not None else "")
    for alt in r.alternatives:
        other = alt["per_gpu_bytes"] if r.estimate.tp > 1 else alt["total_bytes"]
        cell = f"{gib(need)} bf16 / {gib(other)} fp32"
    return cell


def terms_line(r: FitResult) -> str:
    """`weights 14.96 GiB + KV cache 0.50 GiB (128 KiB/token, auto) + activations 1.55 GiB + CUDA context
    0.50 GiB per GPU`."""
    t = r.estimate.terms
    kv = "KV cache n/a" if r.estimate.kv_cache_bytes == 0 else f"KV cache {gib(t.get('kv_cache_bytes'))}"
    if r.estimate.kv_bytes_per_token:
        kv += f" ({r.estimate.kv_bytes_per_token / 1024:,.4g} KiB/token, {r.estimate.kv_dtype})"
    line = (
        f"weights {gib(t.get('weights_bytes'))} + {kv} + activations {gib(t.get('activations_bytes'))} "
        f"+ CUDA context {gib(t.get('cuda_context_bytes'))} per GPU"
    )
    if r.estimate.tp > 1:
        line += f"; split over {r.estimate.tp} GPUs: {gib(r.estimate.per_gpu_bytes)} each"
    return line


def _gpu_cell(r: FitResult, g: Any, max_context: bool) -> str:
    if not max_context or g.verdict == "unknown":
        return g.summary()
    if g.max_context is None:
        return "weights do not fit"
    whole = " (its window)" if g.max_context == r.context_window else ""
    return f"{g.max_context:,} tokens{whole}"


def _print_table(
    results: list[FitResult],
    specs: list[GpuSpec],
    *,
    hidden: int,
    options: FitOptions,
    max_context: bool = False,
    picked: list[str] | tuple[str, ...] = (),
) -> None:
    from rich.table import Table

    needs = "needs" if options.tp == 1 else "needs/GPU"
    table = Table(show_lines=False, header_style="bold")
    for column in ("model", "params", "dtype", "context", needs):
        table.add_column(column, justify="right" if column in ("params", "context", needs) else "left")
    for spec in specs:
        budget = options.budget(spec.memory_bytes)
        shown = (
            gib(spec.memory_bytes)
            if budget == spec.memory_bytes
            else f"{gib(budget)} of {gib(spec.memory_bytes)}"
        )
        table.add_column(f"{spec.label} ({shown})" + (" max context" if max_context else ""))
    for r in results:
        source = f" ({r.params_source})" if r.params_source and r.params_source != "registry" else ""
        table.add_row(
            r.id,
            human_count(r.params) + source,
            _dtype_cell(r),
            "n/a"
            if r.estimate.kv_cache_bytes == 0
            else f"{r.estimate.context:,}" + (f" x{r.estimate.batch}" if r.estimate.batch > 1 else ""),
            _needs_cell(r),
            *(_gpu_cell(r, g, max_context) for g in r.gpus),
        )
    console = table_console()
    console.print(table)
    for line in picked:
        console.print(line)
    said: set[tuple[str, str]] = set()
    for r in results:
        name = r.id + (f" [{_dtype_cell(r)}]" if r.quantization == "gguf" else "")
        if r.reason:
            console.print(f"{name}: unknown: {r.reason}")
            continue
        console.print(f"{name}: {terms_line(r)}")
        for note in r.notes:
            if not note.startswith("parameter count unknown") and (r.id, note) not in said:
                said.add((r.id, note))
                console.print(f"{r.id}: {note}")
        for g in r.gpus:
            if g.note and g.verdict != "unknown" and not g.note.startswith("no bfloat16"):
                console.print(f"{name} on {g.label}: {g.note}")
    no_bf16 = [g.label for g in specs if g.bf16 is False]
    if no_bf16 and any(r.estimate.dtype == "bfloat16" for r in results):
        console.print(
            f"{', '.join(no_bf16)}: no bfloat16 support; bfloat16 models run as float16 (same size)."
        )
    if hidden:
        console.print(f"{hidden} more registry model(s) do not fit; --all lists them.")
    budget = (
        f"budget = GPU memory x {options.gpu_memory_utilization:g} (vLLM gpu_memory_utilization)"
        if options.engine == "vllm"
        else "budget = GPU memory"
    )
    console.print(
        "Estimates: needs = weights + KV cache + 10% activations + 512 MiB CUDA context per GPU; "
        f"{budget}; 'tight' = under 10% free; 'N GPUs' = a tensor-parallel split. GiB = 2^30 bytes."
    )


def _print_catalog(catalog: Catalog, output_format: str) -> None:
    entries = sorted(catalog.gpus.values(), key=lambda g: (g.vendor, g.usable_bytes))
    if output_format == "json":
        data = [
            {**g.model_dump(mode="json"), "nominal_bytes": g.nominal_bytes, "usable_bytes": g.usable_bytes}
            for g in entries
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("id", "name", "aliases", "vendor states", "usable", "bf16"):
        table.add_column(column)
    for g in entries:
        states = f"{g.memory:g} {g.memory_unit}"
        usable = gib(g.usable_bytes)
        if g.unified and g.gpu_fraction:
            usable += f" ({g.gpu_fraction:.0%} of unified)"
        elif g.reported_mib:
            usable += " (driver total)"
        bf16 = "?" if g.bf16 is None else ("yes" if g.bf16 else "no")
        table.add_row(g.id, g.name, ", ".join(g.aliases), states, usable, bf16)
    table_console().print(table)
