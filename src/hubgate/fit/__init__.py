"""GPU fit: will this model run on that GPU, at which precision, with how much context.

    from hubgate.fit import fit_for_metadata
    result = fit_for_metadata("meta-llama/Llama-2-7b-hf", hub_body, ["l4", "a100-80gb"])
    result.gpus[0].verdict        # "fits" | "tight" | "does-not-fit" | "unknown"

The memory arithmetic is in `hubgate.fit.estimate`, the verdicts on GPUs in `hubgate.fit.judge`, the result
and its assumptions in `hubgate.fit.result`, the GPU catalogue in `hubgate.fit.catalog`, where the
parameter count comes from in `hubgate.fit.facts`, and `hubgate fit`'s lookup of many models (registry, Hub,
GGUF files) in `hubgate.fit.lookup`.
Importing this package is light: pydantic and YAML load with the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hubgate.fit.facts import ModelFacts, merge, model_facts_from_metadata, model_facts_from_registry
from hubgate.fit.judge import FitOptions, GpuFit, GpuSpec
from hubgate.fit.result import ASSUMPTIONS, FitResult, fit_facts

if TYPE_CHECKING:
    from hubgate.fit.catalog import Catalog

__all__ = [
    "ASSUMPTIONS",
    "FitOptions",
    "FitResult",
    "GpuFit",
    "GpuSpec",
    "ModelFacts",
    "fit_for_metadata",
    "gpu_specs",
    "model_facts",
]


def gpu_specs(names: Sequence[str], catalog: Catalog | None = None) -> list[GpuSpec]:
    """Catalogue entries for `names` (ids, aliases such as `t4`, or names); raises
    hubgate.fit.catalog.UnknownGpuError (a ValueError whose message has a did-you-mean) for an unknown one."""
    from hubgate.fit.catalog import default_catalog

    cat = catalog if catalog is not None else default_catalog()
    specs: list[GpuSpec] = []
    for name in names:
        entry = cat.resolve(name)
        if all(spec.name != entry.id for spec in specs):
            specs.append(GpuSpec(entry.id, entry.name, entry.usable_bytes, entry.unified, entry.bf16))
    return specs


def model_facts(
    model_id: str, metadata_body: dict[str, Any] | None, *, registry: Any = None, use_registry: bool = True
) -> ModelFacts:
    """The registry's facts on the model, gaps filled from the Hub's metadata body (safetensors, config)."""
    from_registry, canonical = model_facts_from_registry(model_id, registry) if use_registry else (None, None)
    if _gguf_only(metadata_body) and (from_registry is None or from_registry.params is None):
        why = "a GGUF repo: `hubgate fit` sizes each quant file (it reads the file list and one header)"
        return ModelFacts(model_id=model_id, notes=(f"parameter count unknown: {why}",))
    from_hub = model_facts_from_metadata(canonical or model_id, metadata_body) if metadata_body else None
    merged = merge(from_registry, from_hub)
    if merged is None:
        reason = (
            "no metadata from the Hub and not in the registry"
            if metadata_body is None
            else "the Hub's metadata has neither safetensors nor config"
        )
        return ModelFacts(model_id=model_id, notes=(f"parameter count unknown: {reason}",))
    return merged


def _gguf_only(body: dict[str, Any] | None) -> bool:
    """GGUF files and no safetensors: llama.cpp weights, whose sizes are not in the metadata body."""
    if not isinstance(body, dict) or body.get("safetensors"):
        return False
    names = [s.get("rfilename", "") for s in body.get("siblings") or () if isinstance(s, dict)]
    return any(str(n).lower().endswith(".gguf") for n in names)


def fit_for_metadata(
    model_id: str,
    metadata_body: dict[str, Any] | None,
    gpus: list[str],
    dtype: str | None = None,
    context: int | None = None,
    batch: int = 1,
    *,
    registry: Any = None,
    catalog: Catalog | None = None,
    use_registry: bool = True,
    kv_dtype: str = "auto",
    tp: int = 1,
    engine: str | None = None,
) -> FitResult:
    """Will `model_id` fit each of `gpus`? No network: `metadata_body` is the JSON the caller already has
    from `GET /api/models/{id}` (with `safetensors` and `config` expanded), or None.

    The parameter count comes from the registry (default registry, or `registry`), else the body's
    safetensors, else its config; `FitResult.params_source` says which. `dtype` defaults to the model's
    published precision, `context` to its window capped at 4096. Raises UnknownGpuError (ValueError) for a
    GPU name the catalogue does not know and UnknownDtypeError (ValueError) for an unknown precision.
    `kv_dtype` (auto, bfloat16, float16, fp8), `tp` (GPUs per model) and `engine` ("vllm": a 0.9 budget) as
    for `hubgate fit`.
    """
    from hubgate.fit.estimate import normalise_dtype, normalise_kv_dtype

    specs = gpu_specs(gpus, catalog)
    if dtype is not None:
        dtype = normalise_dtype(dtype)
    facts = model_facts(model_id, metadata_body, registry=registry, use_registry=use_registry)
    options = FitOptions(dtype, context, batch, normalise_kv_dtype(kv_dtype), tp, engine)
    return fit_facts(facts, specs, options=options)
