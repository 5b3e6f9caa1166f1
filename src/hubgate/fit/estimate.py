"""Memory a model needs for inference, and whether it fits a GPU. Pure arithmetic on plain facts.

    per GPU = (weights + KV cache) / N + activations / N + CUDA context         (an estimate, in bytes)

N is the tensor-parallel degree (`--tp`/`--gpus`, default 1): weights and KV cache are divided evenly.

weights     = parameters x bytes per parameter of the precision:
              float32 4, bfloat16 / float16 2, int8 / fp8 1,
              int4 0.5 plus one 16-bit scale and one 16-bit zero point per group of 128 weights
              (GPTQ/AWQ-style group quantization): ceil(N / 2) + ceil(N / 128) x 4  (4.25 bits per weight).
              When no precision is asked: the exact published bytes where known (a GGUF file's size; the
              Hub's safetensors counts by dtype, which for AWQ/GPTQ/bitsandbytes/fp8 checkpoints are the
              packed tensors as stored), else the published precision (`quantization_config` bits for a
              pre-quantized repo whose tensors are not listed).
              Every expert of a mixture-of-experts model counts: all experts must be in memory.
KV cache    = context x batch x bytes per token, where bytes per token sums over the layers:
                attention layer:       2 (K and V) x KV heads x head_dim x bytes per element
                multi-latent (MLA):    (kv_lora_rank + qk_rope_head_dim) x bytes (DeepSeek-V2/V3 cache the
                                       compressed latent and the RoPE key, not per-head K and V)
              and a sliding-window layer (Mistral-7B-v0.1, Gemma-2's even layers, Gemma-3's 5 of 6) holds
              only min(context, window) tokens. KV heads = num_key_value_heads (grouped-query attention),
              else the attention heads; head_dim = hidden_size / attention heads unless the config gives it.
              Bytes per element (`--kv-dtype`): auto = the model's 16/32-bit activation precision (4 at
              float32, else 2; weight-only int8/int4 keep a 16-bit cache); bfloat16/float16 2; fp8 1.
              Encoder-only models (vision encoders, BERT) keep none.
activations = 10 % of (weights + KV cache): activations, allocator fragmentation and framework buffers.
CUDA context = 512 MiB per GPU (CUDA context and library workspaces).

Budget per GPU: the usable memory U from the GPU catalogue; with `--engine vllm`, U x
gpu_memory_utilization (vLLM's default 0.9: vLLM never allocates past that share).

What is left out: training (gradients, optimizer state), paged-KV block rounding, CPU offload, and the
exact activation peak of a given framework; those are what the 10 % stands for.

Verdict per GPU:
    fits          headroom = budget - per GPU >= 10 % of the budget
    tight         0 <= headroom < 10 % of the budget: loads, but little room for longer prompts or batches
    does-not-fit  headroom < 0
    unknown       the parameter count is not known (never guessed)
min_count:   the fewest GPUs of that kind for a tensor-parallel split, each carrying its own CUDA context:
             ceil((weights + KV) x 1.10 / (budget - 512 MiB)), raised to a count that divides the attention
             heads (vLLM and TGI shard heads evenly).
max_context: the longest context per sequence that fits the budget at the batch and the split, at most the
             model's window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from hubgate.fit.facts import ModelFacts

MIB = 2**20
GIB = 2**30
OVERHEAD_FIXED = 512 * MIB
OVERHEAD_FRACTION = 0.10
TIGHT_HEADROOM = 0.10
DEFAULT_CONTEXT_CAP = 4096
INT4_GROUP_SIZE = 128
INT4_GROUP_BYTES = 4  # one float16 scale + one float16 zero point per group

DTYPES = ("float32", "bfloat16", "float16", "int8", "fp8", "int4")
BYTES_PER_PARAM = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0, "int8": 1.0, "fp8": 1.0, "int4": 0.5}
KV_DTYPES = ("auto", "float32", "bfloat16", "float16", "fp8")
ENGINES = ("vllm",)
VLLM_GPU_MEMORY_UTILIZATION = 0.9
MAX_CONTEXT_SEARCH = 10_000_000
# From the most to the least precise; float16 and bfloat16 share a rung.
LADDER = ("float32", "bfloat16", "int8", "int4")
_ALIASES = {
    "fp32": "float32",
    "f32": "float32",
    "full": "float32",
    "bf16": "bfloat16",
    "fp16": "float16",
    "f16": "float16",
    "half": "float16",
    "8bit": "int8",
    "8-bit": "int8",
    "q8": "int8",
    "float8": "fp8",
    "fp8_e4m3": "fp8",
    "fp8_e5m2": "fp8",
    "f8": "fp8",
    "4bit": "int4",
    "4-bit": "int4",
    "q4": "int4",
    "nf4": "int4",
}
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


class UnknownDtypeError(ValueError):
    pass


def normalise_dtype(name: str) -> str:
    key = name.strip().lower().replace("torch.", "")
    key = _ALIASES.get(key, key)
    if key not in BYTES_PER_PARAM:
        raise UnknownDtypeError(f"unknown precision {name!r}: use one of {', '.join(DTYPES)}")
    return key


def normalise_kv_dtype(name: str) -> str:
    key = name.strip().lower()
    if key == "auto":
        return key
    try:
        key = normalise_dtype(key)
    except UnknownDtypeError:
        key = ""
    if key not in KV_DTYPES:
        raise UnknownDtypeError(f"unknown KV-cache precision {name!r}: use one of {', '.join(KV_DTYPES)}")
    return key


def weight_bytes(params: int, dtype: str) -> int:
    """Bytes of `params` weights at `dtype` (see the module docstring for int4's group overhead)."""
    dtype = normalise_dtype(dtype)
    if dtype == "int4":
        return math.ceil(params / 2) + math.ceil(params / INT4_GROUP_SIZE) * INT4_GROUP_BYTES
    return int(params * BYTES_PER_PARAM[dtype])


def kv_bytes_per_element(dtype: str, kv_dtype: str = "auto") -> int:
    """auto: 4 when the model runs at float32, else 2 (weight-only quantization keeps a 16-bit cache)."""
    kv = normalise_kv_dtype(kv_dtype)
    if kv == "auto":
        return 4 if normalise_dtype(dtype) == "float32" else 2
    return int(BYTES_PER_PARAM[kv])


def kv_layer_elements(facts: ModelFacts) -> int | None:
    """Cache elements one layer keeps per token: 2 x KV heads x head_dim, or the MLA latent + RoPE key."""
    if facts.kv_lora_rank:
        return facts.kv_lora_rank + (facts.qk_rope_head_dim or 0)
    kv_heads, head_dim = facts.kv_heads, facts.head_size
    return 2 * kv_heads * head_dim if kv_heads and head_dim else None


def kv_bytes_per_token(facts: ModelFacts, dtype: str, kv_dtype: str = "auto") -> int | None:
    """KV-cache bytes one token adds (all layers, sliding ones included while within the window)."""
    if facts.encoder_only:
        return 0
    per_layer = kv_layer_elements(facts)
    if not (facts.num_layers and per_layer):
        return None
    return facts.num_layers * per_layer * kv_bytes_per_element(dtype, kv_dtype)


def kv_cache_bytes(
    facts: ModelFacts, context: int, batch: int, dtype: str, kv_dtype: str = "auto"
) -> int | None:
    """Bytes of KV cache at `context` tokens x `batch` sequences; 0 for encoders; None if unknown."""
    per_token = kv_bytes_per_token(facts, dtype, kv_dtype)
    if per_token is None or per_token == 0:
        return per_token
    layers = facts.num_layers or 0
    windowed = min(facts.sliding_layers or 0, layers) if facts.sliding_window else 0
    per_layer_token = per_token // layers
    full = (layers - windowed) * context
    slid = windowed * min(context, facts.sliding_window or context)
    return per_layer_token * (full + slid) * batch


def activations_bytes(weights: int, kv: int) -> int:
    return math.ceil(OVERHEAD_FRACTION * (weights + kv))


def overhead_bytes(weights: int, kv: int) -> int:
    return OVERHEAD_FIXED + activations_bytes(weights, kv)


def per_gpu_bytes(weights: int, kv: int, tp: int = 1) -> int:
    """One GPU's share of a `tp`-way split: (weights + KV + activations) / tp, plus its own CUDA context."""
    return math.ceil((weights + kv + activations_bytes(weights, kv)) / tp) + OVERHEAD_FIXED


@dataclass(frozen=True)
class GpuSpec:
    """What a verdict needs of a GPU: its catalogue id, name and usable bytes."""

    name: str
    label: str
    memory_bytes: int
    unified: bool = False
    bf16: bool | None = None


@dataclass(frozen=True)
class FitOptions:
    """How the model is served: precision, context, batch, KV-cache precision, split and engine."""

    dtype: str | None = None
    context: int | None = None
    batch: int = 1
    kv_dtype: str = "auto"
    tp: int = 1
    engine: str | None = None
    gpu_memory_utilization: float = VLLM_GPU_MEMORY_UTILIZATION

    def budget(self, usable: int) -> int:
        return int(usable * self.gpu_memory_utilization) if self.engine == "vllm" else usable


@dataclass
class GpuFit:
    name: str
    label: str
    memory_bytes: int
    verdict: str  # fits | tight | does-not-fit | unknown
    headroom_bytes: int | None
    min_count: int | None
    lowest_fitting_dtype: str | None
    note: str | None = None
    budget_bytes: int | None = None  # what the model may use: usable memory, x 0.9 under vLLM
    per_gpu_bytes: int | None = None  # this GPU's share at the chosen split
    max_context: int | None = None  # longest context per sequence that fits (None: not even the weights)
    tp: int = 1  # the split the verdict is for

    def summary(self) -> str:
        """`fits, 6.9 GiB free`, `no (2 GPUs or int8 on 1)`, `unknown`."""
        from hubgate.units import gib

        if self.verdict in ("fits", "tight"):
            return f"{self.verdict}, {gib(self.headroom_bytes)} free"
        if self.verdict == "does-not-fit":
            ways = []
            if self.min_count:
                ways.append(f"{self.min_count} GPUs")
            if self.lowest_fitting_dtype:
                ways.append(f"{self.lowest_fitting_dtype} on {self.tp}")
            return "no" + (f" ({' or '.join(ways)})" if ways else "")
        return "unknown"


@dataclass
class Estimate:
    dtype: str
    context: int
    batch: int
    weights_bytes: int | None
    kv_cache_bytes: int | None
    overhead_bytes: int | None
    total_bytes: int | None
    kv_dtype: str = "auto"
    kv_bytes_per_token: int | None = None
    activations_bytes: int | None = None
    cuda_context_bytes: int = OVERHEAD_FIXED
    tp: int = 1
    per_gpu_bytes: int | None = None


@dataclass
class FitResult:
    id: str
    params: int | None
    params_source: str | None
    dtype: str
    context: int
    batch: int
    weights_bytes: int | None
    kv_cache_bytes: int | None
    overhead_bytes: int | None
    total_bytes: int | None
    gpus: list[GpuFit] = field(default_factory=list)
    estimate: bool = True
    reason: str | None = None  # why the verdicts are unknown
    notes: list[str] = field(default_factory=list)
    dtype_source: str | None = None  # config | safetensors | registry | asked | None (not published)
    quantization: str | None = None  # awq | gptq | bitsandbytes | fp8 | compressed-tensors | gguf
    quant_file: str | None = None
    kv_dtype: str = "auto"
    kv_bytes_per_token: int | None = None
    tp: int = 1
    engine: str | None = None
    per_gpu_bytes: int | None = None
    context_window: int | None = None
    terms: dict[str, int | None] = field(default_factory=dict)
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # other precisions when not published

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def gpu(self, name: str) -> GpuFit | None:
        return next((g for g in self.gpus if g.name == name), None)


def default_context(facts: ModelFacts) -> int:
    window = facts.context_window
    return min(window, DEFAULT_CONTEXT_CAP) if window else DEFAULT_CONTEXT_CAP


def quant_dtype(facts: ModelFacts) -> str | None:
    """The ladder rung of a pre-quantized checkpoint: int4 under 6 bits per weight (GPTQ/AWQ 4-bit, GGUF
    Q4/Q5 k-quants), int8 (fp8 for fp8 checkpoints) from 6 to 8.5 (Q6_K, Q8_0, 8-bit)."""
    bits = facts.quant_bits
    if not facts.quant_method or bits is None or bits >= 16:
        return None
    if bits < 6:
        return "int4"
    return "fp8" if facts.quant_method in ("fp8", "fbgemm_fp8") else "int8"


def default_dtype(facts: ModelFacts) -> str:
    return quant_dtype(facts) or facts.stored_dtype or "bfloat16"


def _activation_dtype(facts: ModelFacts, dtype: str) -> str:
    """The precision activations and an `auto` KV cache run at: the weights' own for 16/32-bit weights,
    the published 16-bit dtype (else bfloat16) under weight-only quantization."""
    if dtype in ("float32", "bfloat16", "float16"):
        return dtype
    stored = facts.stored_dtype
    return stored if stored in ("bfloat16", "float16") else "bfloat16"


def estimate(
    facts: ModelFacts,
    dtype: str | None = None,
    context: int | None = None,
    batch: int = 1,
    *,
    kv_dtype: str = "auto",
    tp: int = 1,
) -> Estimate:
    """The memory `facts` needs at `dtype` (default: as published), `context` tokens and `batch` sequences,
    split over `tp` GPUs."""
    chosen = normalise_dtype(dtype) if dtype else default_dtype(facts)
    ctx = context if context else default_context(facts)
    kv_dtype = normalise_kv_dtype(kv_dtype)
    if facts.params is None and facts.stored_bytes is None:
        return Estimate(chosen, ctx, batch, None, None, None, None, kv_dtype, tp=tp)
    if facts.stored_bytes is not None and dtype is None:
        weights = facts.stored_bytes  # exactly as published
    else:
        assert facts.params is not None
        weights = weight_bytes(facts.params, chosen)
    act = _activation_dtype(facts, chosen)
    kv = kv_cache_bytes(facts, ctx, batch, act, kv_dtype)
    kv_known = kv if kv is not None else 0
    activations = activations_bytes(weights, kv_known)
    over = OVERHEAD_FIXED + activations
    return Estimate(
        dtype=chosen,
        context=ctx,
        batch=batch,
        weights_bytes=weights,
        kv_cache_bytes=kv,
        overhead_bytes=over,
        total_bytes=weights + kv_known + over,
        kv_dtype=kv_dtype,
        kv_bytes_per_token=kv_bytes_per_token(facts, act, kv_dtype),
        activations_bytes=activations,
        tp=tp,
        per_gpu_bytes=per_gpu_bytes(weights, kv_known, tp),
    )


def min_count(weights: int, kv: int, usable: int) -> int | None:
    """Fewest GPUs of `usable` bytes each for a tensor-parallel split, each with its own fixed overhead."""
    per_gpu = usable - OVERHEAD_FIXED
    if per_gpu <= 0:
        return None
    return max(1, math.ceil((weights + kv) * (1 + OVERHEAD_FRACTION) / per_gpu))


def shardable_count(count: int, heads: int | None) -> int:
    """`count` raised to the next number of GPUs the attention heads divide evenly over (when it exists)."""
    if not heads or count > heads:
        return count
    return next(n for n in range(count, heads + 1) if heads % n == 0)


def verdict_for(total: int, usable: int) -> tuple[str, int]:
    headroom = usable - total
    if headroom < 0:
        return "does-not-fit", headroom
    return ("tight" if headroom < TIGHT_HEADROOM * usable else "fits"), headroom


def max_context(facts: ModelFacts, est: Estimate, budget: int) -> int | None:
    """The longest context per sequence whose per-GPU share fits `budget` (binary search: with sliding
    windows the cache is piecewise linear in the context), at most the model's window; None when the
    weights alone do not fit, or the cache size is not known."""
    if est.weights_bytes is None or est.kv_cache_bytes is None:
        return None
    act = _activation_dtype(facts, est.dtype)

    def need(ctx: int) -> int:
        kv = kv_cache_bytes(facts, ctx, est.batch, act, est.kv_dtype) or 0
        return per_gpu_bytes(est.weights_bytes or 0, kv, est.tp)

    if need(1) > budget:
        return None
    high = facts.context_window or MAX_CONTEXT_SEARCH
    if need(high) <= budget:
        return high
    low = 1
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if need(mid) <= budget else (low, mid)
    return low


def judge(facts: ModelFacts, est: Estimate, gpu: GpuSpec, options: FitOptions | None = None) -> GpuFit:
    """The verdict of one estimate on one GPU, the count needed, the least quantization that fits and the
    longest context that fits."""
    options = options or FitOptions()
    budget = options.budget(gpu.memory_bytes)
    if est.total_bytes is None or est.weights_bytes is None or est.per_gpu_bytes is None:
        return GpuFit(gpu.name, gpu.label, gpu.memory_bytes, "unknown", None, None, None, budget_bytes=budget)
    verdict, headroom = verdict_for(est.per_gpu_bytes, budget)
    count = min_count(est.weights_bytes, est.kv_cache_bytes or 0, budget)
    if count is not None:
        count = shardable_count(count, facts.num_attention_heads)
    note = None
    if verdict == "does-not-fit" and gpu.unified:
        count, note = None, "unified memory: one machine, no split"
    if est.dtype == "bfloat16" and gpu.bf16 is False:
        note = "no bfloat16 support: runs as float16 (same size)"
    return GpuFit(
        name=gpu.name,
        label=gpu.label,
        memory_bytes=gpu.memory_bytes,
        verdict=verdict,
        headroom_bytes=headroom,
        min_count=count,
        lowest_fitting_dtype=lowest_fitting_dtype(facts, est, gpu, options),
        note=note,
        budget_bytes=budget,
        per_gpu_bytes=est.per_gpu_bytes,
        max_context=max_context(facts, est, budget),
        tp=est.tp,
    )


def lowest_fitting_dtype(
    facts: ModelFacts, est: Estimate, gpu: GpuSpec, options: FitOptions | None = None
) -> str | None:
    """Going down from the chosen precision (float32 -> 16-bit -> int8 -> int4), the first at which the model
    fits one GPU share (fits or tight): how far it must be quantized. None when even int4 does not fit."""
    options = options or FitOptions()
    budget = options.budget(gpu.memory_bytes)
    rung = {"float16": "bfloat16", "fp8": "int8"}.get(est.dtype, est.dtype)
    for candidate in LADDER[LADDER.index(rung) :]:
        name = est.dtype if candidate == rung else candidate
        if candidate == rung:
            trial = est
        elif facts.params is None:
            continue
        else:
            trial = estimate(facts, name, est.context, est.batch, kv_dtype=est.kv_dtype, tp=est.tp)
        if trial.per_gpu_bytes is not None and trial.per_gpu_bytes <= budget:
            return "float16" if name == "bfloat16" and gpu.bf16 is False else name
    return None


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
                f"at bfloat16; at float32 it needs {_gib(other.total_bytes)} (--dtype sets it)"
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
        dtype=est.dtype,
        context=est.context,
        batch=est.batch,
        weights_bytes=est.weights_bytes,
        kv_cache_bytes=est.kv_cache_bytes,
        overhead_bytes=est.overhead_bytes,
        total_bytes=est.total_bytes,
        gpus=[judge(facts, est, gpu, options) for gpu in gpus],
        reason=reason,
        notes=notes,
        dtype_source="asked" if dtype else (facts.dtype_source if facts.stored_dtype else None),
        quantization=facts.quant_method,
        quant_file=facts.quant_file,
        kv_dtype=est.kv_dtype,
        kv_bytes_per_token=est.kv_bytes_per_token,
        tp=options.tp,
        engine=options.engine,
        per_gpu_bytes=est.per_gpu_bytes,
        context_window=facts.context_window,
        terms={
            "weights_bytes": est.weights_bytes,
            "kv_cache_bytes": est.kv_cache_bytes,
            "activations_bytes": est.activations_bytes,
            "cuda_context_bytes": est.cuda_context_bytes if est.total_bytes is not None else None,
        },
        alternatives=alternatives,
    )


def _gib(value: int | None) -> str:
    from hubgate.units import gib

    return gib(value)
