"""`hubgate fit`: will these models run on these GPUs, at which precision, with how much context."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from hubgate.cli.catalogs import dtype_option, gpu_catalog, gpus_option, lenient_registry
from hubgate.cli.errors import fail_usage
from hubgate.cli.formats import format_or_json, table_console
from hubgate.cli.hub_options import HubOptions, public_reader
from hubgate.cli.options import AnonymousOpt, JsonOpt, RegistryDirsOpt, TableOrJsonOpt, TokenOpt

if TYPE_CHECKING:
    from hubgate.fit.judge import FitOptions

# The pairings of the seed document (T4, L4, A100 40GB, H100): the default when no --gpu is given.
DEFAULT_GPUS = ("nvidia-t4", "nvidia-l4", "nvidia-a100-40gb", "nvidia-h100-80gb")
EXIT_OK, EXIT_UNKNOWN, EXIT_HUB_ERROR = 0, 1, 3

IdsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Model ids (org/name, legacy names, Hub URLs). Without ids: the registry's models that fit --gpu.",
        show_default=False,
    ),
]
GpuOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gpu",
        "-g",
        help="A GPU by id, alias or name (t4, l4, a100-80gb, h100, rtx4090, mi300x, apple-64gb). Repeatable. "
        f"Default: {', '.join(DEFAULT_GPUS)}. --list-gpus shows the catalogue.",
        show_default=False,
    ),
]
DtypeOpt = Annotated[
    str | None,
    typer.Option(
        "--dtype",
        help="float32, bfloat16, float16, int8 or int4. Default: the precision the model is published in.",
        show_default=False,
    ),
]
ContextOpt = Annotated[
    int | None,
    typer.Option(
        "--context", min=1, help="Tokens of KV cache per sequence. Default: the model's window, at most 4096."
    ),
]
BatchOpt = Annotated[
    int, typer.Option("--batch", min=1, help="Sequences served at once (scales the KV cache).")
]
KvDtypeOpt = Annotated[
    str,
    typer.Option(
        "--kv-dtype", help="KV-cache precision: auto (the model's 16/32-bit precision), bfloat16 or fp8."
    ),
]
TpOpt = Annotated[
    int,
    typer.Option(
        "--tp",
        "--gpus",
        min=1,
        help="Tensor-parallel GPUs per model: weights and KV cache divided over N, each with its own overhead.",
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="vllm: the budget is the GPU's memory x gpu_memory_utilization (vLLM's default 0.9).",
        show_default=False,
    ),
]
UtilizationOpt = Annotated[
    float,
    typer.Option(
        "--gpu-memory-utilization", min=0.05, max=1.0, help="With --engine vllm: the share vLLM may use."
    ),
]
MaxContextOpt = Annotated[
    bool,
    typer.Option("--max-context", help="Show, per GPU, the longest context that fits at --batch (and --tp)."),
]
QuantOpt = Annotated[
    str | None,
    typer.Option(
        "--quant",
        help="For GGUF repos: the quant file to size (Q4_K_M, Q8_0, ...). Default: every quant file.",
        show_default=False,
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", help="Without ids: list the registry models that do not fit as well.")
]
ListGpusOpt = Annotated[bool, typer.Option("--list-gpus", help="List the GPU catalogue and exit.")]

fit_app = typer.Typer()


@fit_app.command("fit")
def fit(
    ctx: typer.Context,
    ids: IdsArg = None,
    gpu: GpuOpt = None,
    dtype: DtypeOpt = None,
    context: ContextOpt = None,
    batch: BatchOpt = 1,
    kv_dtype: KvDtypeOpt = "auto",
    tp: TpOpt = 1,
    engine: EngineOpt = None,
    utilization: UtilizationOpt = 0.9,
    max_context: MaxContextOpt = False,
    quant: QuantOpt = None,
    output_format: TableOrJsonOpt = "table",
    as_json: JsonOpt = False,
    token: TokenOpt = None,
    anonymous: AnonymousOpt = False,
    registry: RegistryDirsOpt = None,
    show_all: AllOpt = False,
    list_gpus: ListGpusOpt = False,
) -> None:
    """Memory a model needs (weights + KV cache + overhead) and whether it fits each GPU. Estimates."""
    from hubgate.fit.lookup import fit_models
    from hubgate.render.fit import catalog_json, catalog_table_to, fit_json, fit_table_to, picked_notes

    output_format = format_or_json(ctx, output_format, as_json, ("table", "json"))
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
    model_registry = lenient_registry(registry)
    # Models the registry cannot size are read from the Hub, on their first need only.
    hub = public_reader(HubOptions(token, anonymous))
    run = fit_models(
        ids or [], specs, options, registry=model_registry, hub=hub, quant=quant, show_all=show_all
    )
    notes = picked_notes(catalog, gpu or ())
    if output_format == "json":
        sys.stdout.write(fit_json(run, notes))
    else:
        from hubgate.render.layout import hanging

        hanging(table_console(), lambda console: fit_table_to(console, run, notes, max_context=max_context))
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
