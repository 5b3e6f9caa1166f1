"""`hubgate fit`: will these models run on these GPUs, at which precision, with how much context."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hubgate.cli.common import (
    AnonymousOption,
    RegistryDirsOption,
    TokenOption,
    announcing_pacer,
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

if TYPE_CHECKING:
    from hubgate.fit.judge import FitOptions
    from hubgate.hub.service import HubService

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
    from hubgate.fit.lookup import fit_models
    from hubgate.render.fit import catalog_json, catalog_table_to, fit_json, fit_table_to, picked_notes

    output_format = check_format(output_format, ("table", "json"))
    catalog = gpu_catalog(registry)
    if list_gpus:
        if output_format == "json":
            sys.stdout.write(catalog_json(catalog))
        else:
            catalog_table_to(table_console(), catalog)
        return
    dtype = dtype_option(dtype)
    if not ids and not gpu:
        fail_usage("name models, or a GPU with --gpu to see which registry models fit it")
    specs = gpus_option(gpu or DEFAULT_GPUS, catalog)
    options = _options(dtype, context, batch, kv_dtype, tp, engine, utilization)
    # Entries with problems are left out with a warning, as in `check`; a folder of only gpus/ adds no models.
    model_registry = check_registry(registry, False)
    run = fit_models(
        ids or [],
        specs,
        options,
        registry=model_registry,
        hub=_hub_opener(token, anonymous),
        quant=quant,
        show_all=show_all,
    )
    notes = picked_notes(catalog, gpu or ())
    if output_format == "json":
        sys.stdout.write(fit_json(run, notes))
    else:
        fit_table_to(table_console(), run, notes, max_context=max_context)
    raise typer.Exit(EXIT_HUB_ERROR if run.hub_error else EXIT_UNKNOWN if run.unknown else EXIT_OK)


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


def _hub_opener(token: str | None, anonymous: bool) -> Callable[[], HubService]:
    """The Hub client for models the registry cannot size, opened on their first need with the retry policy
    and the announcing pacer `check` uses; no whoami, since fit reads only public metadata. Until then no
    token is resolved, so a registry-only fit never depends on one."""

    def open_hub() -> HubService:
        from hubgate.check.session import default_endpoint
        from hubgate.hub.service import HubService
        from hubgate.hub.settings import RetryPolicy

        policy = RetryPolicy()
        resolved = resolve_token_options(token, anonymous)
        return HubService(default_endpoint(), resolved.value, policy=policy, pacer=announcing_pacer(policy))

    return open_hub
