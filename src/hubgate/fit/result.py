"""The fit of one model: its estimate, the verdict on each GPU, and what the figures rest on (notes,
the other precision when the published one is unknown). `FitResult.to_dict()` is one model of
`hubgate fit --format json` and the `fit` of a `hubgate check --gpu` verdict.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from hubgate.fit.estimate import DEFAULT_CONTEXT_CAP, Estimate, estimate, quant_dtype
from hubgate.fit.facts import ModelFacts
from hubgate.fit.judge import VLLM_GPU_MEMORY_UTILIZATION, FitOptions, GpuFit, GpuSpec, judge
from hubgate.units import gib

ASSUMPTIONS = {
    "bytes_per_param": {
        "float32": 4,
        "bfloat16": 2,
        "float16": 2,
        "int8": 1,
        "fp8": 1,
        "int4": "0.5 + 4 bytes (fp16 scale + fp16 zero) per group of 128 weights",
    },
    "weights": "exact published bytes when no precision is asked and they are known (safetensors dtype "
    "counts, GGUF file size); else parameters x bytes per parameter; all experts of a MoE resident",
    "kv_cache": "context x batch x sum over layers of (2 x kv_heads x head_dim, or kv_lora_rank + "
    "qk_rope_head_dim for multi-latent attention) x bytes per element; sliding-window layers hold "
    "min(context, window) tokens",
    "kv_bytes_per_element": "auto: 4 at float32, else 2; fp8: 1",
    "default_context": f"the model's window, at most {DEFAULT_CONTEXT_CAP}",
    "overhead": "512 MiB CUDA context per GPU + 10% of (weights + KV cache) for activations",
    "tensor_parallel": "weights, KV cache and activations divided evenly over --tp GPUs; each GPU has its "
    "own CUDA context",
    "budget": f"the GPU's usable memory; x {VLLM_GPU_MEMORY_UTILIZATION} with --engine vllm "
    "(gpu_memory_utilization)",
    "tight": "headroom under 10% of the budget",
    "min_count": "ceil((weights + KV cache) x 1.10 / (budget - 512 MiB)), raised to divide the attention heads",
    "max_context": "the longest context per sequence that fits the budget, at most the model's window",
    "estimate": "inference only; leaves out training state, CPU offload and framework-specific peaks",
}


@dataclass
class FitResult:
    """One model's fit: who it is, its `estimate`, and the verdict on each GPU."""

    id: str
    params: int | None
    params_source: str | None
    estimate: Estimate
    gpus: list[GpuFit] = field(default_factory=list)
    reason: str | None = None  # why the verdicts are unknown
    notes: list[str] = field(default_factory=list)
    dtype_source: str | None = None  # config | safetensors | registry | asked | None (not published)
    quantization: str | None = None  # awq | gptq | bitsandbytes | fp8 | compressed-tensors | gguf
    quant_file: str | None = None
    engine: str | None = None
    context_window: int | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # other precisions when not published

    @property
    def total_bytes(self) -> int | None:
        """The headline figure (`estimate.total_bytes`), as the README's Python example reads it."""
        return self.estimate.total_bytes

    def to_dict(self) -> dict[str, Any]:
        """The JSON of one model; the estimate's figures sit beside the model's own, in this order."""
        est = self.estimate
        return {
            "id": self.id,
            "params": self.params,
            "params_source": self.params_source,
            "dtype": est.dtype,
            "context": est.context,
            "batch": est.batch,
            "weights_bytes": est.weights_bytes,
            "kv_cache_bytes": est.kv_cache_bytes,
            "overhead_bytes": est.overhead_bytes,
            "total_bytes": est.total_bytes,
            "gpus": [asdict(g) for g in self.gpus],
            "estimate": True,  # every figure is an estimate
            "reason": self.reason,
            "notes": list(self.notes),
            "dtype_source": self.dtype_source,
            "quantization": self.quantization,
            "quant_file": self.quant_file,
            "kv_dtype": est.kv_dtype,
            "kv_bytes_per_token": est.kv_bytes_per_token,
            "tp": est.tp,
            "engine": self.engine,
            "per_gpu_bytes": est.per_gpu_bytes,
            "context_window": self.context_window,
            "terms": est.terms,
            "alternatives": copy.deepcopy(self.alternatives),
        }

    def gpu(self, name: str) -> GpuFit | None:
        return next((g for g in self.gpus if g.name == name), None)


def fit_facts(
    facts: ModelFacts,
    gpus: Sequence[GpuSpec],
    dtype: str | None = None,
    context: int | None = None,
    batch: int = 1,
    *,
    options: FitOptions | None = None,
) -> FitResult:
    """Estimate `facts` and judge it on each GPU. `options` (kv_dtype, tp, engine) override the
    positional dtype, context and batch when given."""
    options = options or FitOptions(dtype=dtype, context=context, batch=batch)
    dtype, context, batch = options.dtype, options.context, options.batch
    est = estimate(facts, dtype, context, batch, kv_dtype=options.kv_dtype, tp=options.tp)
    notes = list(facts.notes)
    reason = None
    alternatives: list[dict[str, Any]] = []
    known_size = facts.params is not None or facts.stored_bytes is not None
    if not known_size:
        reason = next(
            (n.removeprefix("parameter count unknown: ") for n in notes if n.startswith("parameter count")),
            "the parameter count is not known (not in the registry, no safetensors metadata, no usable config)",
        )
    else:
        if est.kv_cache_bytes is None:
            notes.append("KV cache not counted: the layer and head counts are not known")
        if facts.context_window and est.context > facts.context_window:
            notes.append(f"context {est.context:,} is beyond the model's window of {facts.context_window:,}")
        if facts.sliding_window and facts.sliding_layers:
            notes.append(
                f"sliding-window attention: {facts.sliding_layers} of {facts.num_layers} layers cache at most "
                f"{facts.sliding_window:,} tokens"
            )
        if facts.kv_lora_rank:
            notes.append(
                f"multi-latent attention: {facts.kv_lora_rank} + {facts.qk_rope_head_dim or 0} cached values "
                "per token per layer"
            )
        unpublished = facts.stored_dtype is None and dtype is None and quant_dtype(facts) is None
        if unpublished and facts.stored_bytes is None and facts.params is not None:
            other = estimate(
                facts, "float32", est.context, est.batch, kv_dtype=options.kv_dtype, tp=options.tp
            )
            other_fits = [judge(facts, other, gpu, options) for gpu in gpus]
            alternatives.append(
                {
                    "dtype": "float32",
                    "weights_bytes": other.weights_bytes,
                    "kv_cache_bytes": other.kv_cache_bytes,
                    "total_bytes": other.total_bytes,
                    "per_gpu_bytes": other.per_gpu_bytes,
                    "gpus": [asdict(g) for g in other_fits],
                }
            )
            notes.append(
                "published precision unknown (no torch_dtype in the config, no safetensors dtypes): figures "
                f"at bfloat16; at float32 it needs {gib(other.total_bytes)} (--dtype sets it)"
            )
        if facts.num_experts and facts.num_experts > 1:
            notes.append(
                f"mixture of experts: all {facts.num_experts} experts counted, as all must be in memory"
            )
    if options.tp > 1 and facts.num_attention_heads and facts.num_attention_heads % options.tp:
        notes.append(
            f"--tp {options.tp} does not divide the {facts.num_attention_heads} attention heads: vLLM and TGI "
            "refuse such a split"
        )
    return FitResult(
        id=facts.model_id,
        params=facts.params,
        params_source=facts.params_source,
        estimate=est,
        gpus=[judge(facts, est, gpu, options) for gpu in gpus],
        reason=reason,
        notes=notes,
        dtype_source="asked" if dtype else (facts.dtype_source if facts.stored_dtype else None),
        quantization=facts.quant_method,
        quant_file=facts.quant_file,
        engine=options.engine,
        context_window=facts.context_window,
        alternatives=alternatives,
    )
