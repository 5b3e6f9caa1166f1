"""`hubgate fit` as a table or JSON, and the GPU catalogue (`--list-gpus`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hubgate.fit.gguf_files import quant_label
from hubgate.fit.result import ASSUMPTIONS
from hubgate.units import gib, human_count

if TYPE_CHECKING:
    from rich.console import Console

    from hubgate.fit.catalog import Catalog, GpuEntry
    from hubgate.fit.judge import GpuFit
    from hubgate.fit.lookup import FitRun
    from hubgate.fit.result import FitResult


def picked_notes(catalog: Catalog, names: Sequence[str]) -> list[str]:
    """`--gpu a100: picked NVIDIA A100 40GB (nvidia-a100-40gb); also in the catalogue: nvidia-a100-80gb`
    for each short name that could mean several catalogue entries."""
    notes = []
    for name in names:
        entry = catalog.get(name)
        others = catalog.also_named(name)
        if entry is not None and others:
            notes.append(
                f"--gpu {name}: picked {entry.name} ({entry.id}); also in the catalogue: {', '.join(others)}"
            )
    return notes


def fit_json(run: FitRun, notes: Sequence[str] = ()) -> str:
    """Every model looked up, with the assumptions and the GPUs; `notes` as the table prints them."""
    data = {
        "assumptions": ASSUMPTIONS,
        "gpus": [{"name": s.name, "label": s.label, "memory_bytes": s.memory_bytes} for s in run.gpus],
        "models": [r.to_dict() for r in run.results],
        "notes": list(notes),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _dtype_cell(r: FitResult) -> str:
    if r.reason:
        return "?"
    if r.quantization == "gguf" and r.quant_file:
        return quant_label(r.quant_file) or "gguf"
    if r.quantization:
        return f"{r.quantization} {r.estimate.dtype}"
    return "unknown" if r.alternatives else r.estimate.dtype


def _needs_cell(r: FitResult) -> str:
    est = r.estimate
    need = est.per_gpu_bytes if est.tp > 1 else est.total_bytes
    cell = gib(need) + (f" x{est.tp}" if est.tp > 1 and need is not None else "")
    for alt in r.alternatives:
        other = alt["per_gpu_bytes"] if est.tp > 1 else alt["total_bytes"]
        cell = f"{gib(need)} bf16 / {gib(other)} fp32"
    return cell


def terms_line(r: FitResult) -> str:
    """`weights 14.96 GiB + KV cache 0.50 GiB (128 KiB/token, auto) + activations 1.55 GiB + CUDA context
    0.50 GiB per GPU`."""
    est = r.estimate
    kv = "KV cache n/a" if est.kv_cache_bytes == 0 else f"KV cache {gib(est.kv_cache_bytes)}"
    if est.kv_bytes_per_token:
        kv += f" ({est.kv_bytes_per_token / 1024:,.4g} KiB/token, {est.kv_dtype})"
    line = (
        f"weights {gib(est.weights_bytes)} + {kv} + activations {gib(est.activations_bytes)} "
        f"+ CUDA context {gib(est.cuda_context_bytes)} per GPU"
    )
    if est.tp > 1:
        line += f"; split over {est.tp} GPUs: {gib(est.per_gpu_bytes)} each"
    return line


def _gpu_cell(r: FitResult, g: GpuFit, max_context: bool) -> str:
    if not max_context or g.verdict == "unknown":
        return g.summary()
    if g.max_context is None:
        return "weights do not fit"
    whole = " (its window)" if g.max_context == r.context_window else ""
    return f"{g.max_context:,} tokens{whole}"


def _context_cell(r: FitResult) -> str:
    est = r.estimate
    if est.kv_cache_bytes == 0:
        return "n/a"
    return f"{est.context:,}" + (f" x{est.batch}" if est.batch > 1 else "")


def fit_table_to(
    console: Console, run: FitRun, notes: Sequence[str] = (), *, max_context: bool = False
) -> None:
    """The table of `run.shown` (per GPU the verdict, or with `max_context` the longest context that fits),
    then a line of terms per model, their notes, and what the estimate assumes."""
    from hubgate.render.layout import IdTable

    options = run.options
    needs = "needs" if options.tp == 1 else "needs/GPU"
    gpus = []
    for spec in run.gpus:
        budget = options.budget(spec.memory_bytes)
        shown = (
            gib(spec.memory_bytes)
            if budget == spec.memory_bytes
            else f"{gib(budget)} of {gib(spec.memory_bytes)}"
        )
        gpus.append(f"{spec.label} ({shown})" + (" max context" if max_context else ""))
    table = IdTable("model", "params", "dtype", "context", needs, *gpus, right=("params", "context", needs))
    for r in run.shown:
        source = f" ({r.params_source})" if r.params_source and r.params_source != "registry" else ""
        table.add_row(
            r.id,
            human_count(r.params) + source,
            _dtype_cell(r),
            _context_cell(r),
            _needs_cell(r),
            *(_gpu_cell(r, g, max_context) for g in r.gpus),
        )
    console.print(table)
    for line in notes:
        console.print(line)
    said: set[tuple[str, str]] = set()
    for r in run.shown:
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
    no_bf16 = [g.label for g in run.gpus if g.bf16 is False]
    if no_bf16 and any(r.estimate.dtype == "bfloat16" for r in run.shown):
        console.print(
            f"{', '.join(no_bf16)}: no bfloat16 support; bfloat16 models run as float16 (same size)."
        )
    if run.hidden:
        console.print(f"{run.hidden} more registry model(s) do not fit; --all lists them.")
    budget_line = (
        f"budget = GPU memory x {options.gpu_memory_utilization:g} (vLLM gpu_memory_utilization)"
        if options.engine == "vllm"
        else "budget = GPU memory"
    )
    console.print(
        "Estimates: needs = weights + KV cache + 10% activations + 512 MiB CUDA context per GPU; "
        f"{budget_line}; 'tight' = under 10% free; 'N GPUs' = a tensor-parallel split. GiB = 2^30 bytes."
    )


def _sorted_gpus(catalog: Catalog) -> list[GpuEntry]:
    return sorted(catalog.gpus.values(), key=lambda g: (g.vendor, g.usable_bytes))


def catalog_json(catalog: Catalog) -> str:
    data = [
        {**g.model_dump(mode="json"), "nominal_bytes": g.nominal_bytes, "usable_bytes": g.usable_bytes}
        for g in _sorted_gpus(catalog)
    ]
    return json.dumps(data, indent=2) + "\n"


def catalog_table_to(console: Console, catalog: Catalog) -> None:
    from hubgate.render.layout import IdTable

    table = IdTable("id", "name", "aliases", "vendor states", "usable", "bf16")
    for g in _sorted_gpus(catalog):
        states = f"{g.memory:g} {g.memory_unit}"
        usable = gib(g.usable_bytes)
        if g.unified and g.gpu_fraction:
            usable += f" ({g.gpu_fraction:.0%} of unified)"
        elif g.reported_mib:
            usable += " (driver total)"
        bf16 = "?" if g.bf16 is None else ("yes" if g.bf16 else "no")
        table.add_row(g.id, g.name, ", ".join(g.aliases), states, usable, bf16)
    console.print(table)
