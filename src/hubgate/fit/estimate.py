"""Memory a model needs for inference, and whether it fits a GPU. Pure arithmetic on plain facts.

    total = weights + KV cache + overhead                                  (an estimate, in bytes)

weights   = parameters x bytes per parameter of the precision:
            float32 4, bfloat16 / float16 2, int8 1,
            int4 0.5 plus one 16-bit scale and one 16-bit zero point per group of 128 weights
            (GPTQ/AWQ-style group quantization): ceil(N / 2) + ceil(N / 128) x 4  (4.25 bits per weight).
            When no precision is asked and the Hub's safetensors breakdown by dtype is known, the exact
            published bytes (sum of count x dtype size).
            Every parameter is counted at the chosen precision (quantizers usually keep embeddings and
            norms at 16 bits, so int8/int4 figures are a little low) and every expert of a
            mixture-of-experts model counts: all experts must be in memory, though few run per token.
KV cache  = 2 (K and V) x layers x KV heads x head_dim x context x batch x bytes per element.
            KV heads = num_key_value_heads (grouped-query attention), else the attention heads;
            head_dim = hidden_size / attention heads unless the config gives it. Elements are 4 bytes
            at float32, else 2 (weight-only int8/int4 quantization keeps a 16-bit cache).
            Encoder-only models (vision encoders, BERT) keep none.
overhead  = 512 MiB fixed (CUDA context and library workspaces, per GPU)
            + 10 % of (weights + KV cache) for activations, allocator fragmentation and framework buffers.

What is left out: training (gradients, optimizer state), paged-KV block rounding, CPU offload, and the
exact activation peak of a given framework; those are what the 10 % stands for.

Verdict per GPU (usable memory U, from the GPU catalogue):
    fits          headroom = U - total >= 10 % of U
    tight         0 <= headroom < 10 % of U: loads, but little room for longer prompts or batches
    does-not-fit  headroom < 0
    unknown       the parameter count is not known (never guessed)
min_count: the fewest GPUs of that kind that hold the model with a plain tensor-parallel split, each
carrying its own fixed overhead: ceil((weights + KV) x 1.10 / (U - 512 MiB)).
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

DTYPES = ("float32", "bfloat16", "float16", "int8", "int4")
BYTES_PER_PARAM = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0, "int8": 1.0, "int4": 0.5}
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
        "int4": "0.5 + 4 bytes (fp16 scale + fp16 zero) per group of 128 weights",
    },
    "kv_cache": "2 x layers x kv_heads x head_dim x context x batch x (4 at float32, else 2) bytes",
    "default_context": f"the model's window, at most {DEFAULT_CONTEXT_CAP}",
    "overhead": "512 MiB per GPU + 10% of (weights + KV cache)",
    "tight": "headroom under 10% of the GPU's usable memory",
    "min_count": "ceil((weights + KV cache) x 1.10 / (usable - 512 MiB)): a plain tensor-parallel split",
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


def weight_bytes(params: int, dtype: str) -> int:
    """Bytes of `params` weights at `dtype` (see the module docstring for int4's group overhead)."""
    dtype = normalise_dtype(dtype)
    if dtype == "int4":
        return math.ceil(params / 2) + math.ceil(params / INT4_GROUP_SIZE) * INT4_GROUP_BYTES
    return int(params * BYTES_PER_PARAM[dtype])


def kv_bytes_per_element(dtype: str) -> int:
    return 4 if normalise_dtype(dtype) == "float32" else 2


def kv_cache_bytes(facts: ModelFacts, context: int, batch: int, dtype: str) -> int | None:
    """2 x layers x KV heads x head_dim x context x batch x bytes; 0 for encoders; None if unknown."""
    if facts.encoder_only:
        return 0
    layers, kv_heads, head_dim = facts.num_layers, facts.kv_heads, facts.head_size
    if not (layers and kv_heads and head_dim):
        return None
    return 2 * layers * kv_heads * head_dim * context * batch * kv_bytes_per_element(dtype)


def overhead_bytes(weights: int, kv: int) -> int:
    return OVERHEAD_FIXED + math.ceil(OVERHEAD_FRACTION * (weights + kv))


@dataclass(frozen=True)
class GpuSpec:
    """What a verdict needs of a GPU: its catalogue id, name and usable bytes."""

    name: str
    label: str
    memory_bytes: int
    unified: bool = False
    bf16: bool | None = None


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
                ways.append(f"{self.lowest_fitting_dtype} on 1")
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def gpu(self, name: str) -> GpuFit | None:
        return next((g for g in self.gpus if g.name == name), None)


def default_context(facts: ModelFacts) -> int:
    window = facts.context_window
    return min(window, DEFAULT_CONTEXT_CAP) if window else DEFAULT_CONTEXT_CAP


def default_dtype(facts: ModelFacts) -> str:
    return facts.stored_dtype or "bfloat16"


def estimate(
    facts: ModelFacts, dtype: str | None = None, context: int | None = None, batch: int = 1
) -> Estimate:
    """The memory `facts` needs at `dtype` (default: as published), `context` tokens and `batch` sequences."""
    chosen = normalise_dtype(dtype) if dtype else default_dtype(facts)
    ctx = context if context else default_context(facts)
    if facts.params is None:
        return Estimate(chosen, ctx, batch, None, None, None, None)
    if facts.stored_bytes is not None and dtype is None:
        weights = facts.stored_bytes  # exactly as published
    else:
        weights = weight_bytes(facts.params, chosen)
    kv = kv_cache_bytes(facts, ctx, batch, chosen)
    kv_known = kv if kv is not None else 0
    over = overhead_bytes(weights, kv_known)
    return Estimate(chosen, ctx, batch, weights, kv, over, weights + kv_known + over)


def min_count(weights: int, kv: int, usable: int) -> int | None:
    """Fewest GPUs of `usable` bytes each for a tensor-parallel split, each with its own fixed overhead."""
    per_gpu = usable - OVERHEAD_FIXED
    if per_gpu <= 0:
        return None
    return max(1, math.ceil((weights + kv) * (1 + OVERHEAD_FRACTION) / per_gpu))


def verdict_for(total: int, usable: int) -> tuple[str, int]:
    headroom = usable - total
    if headroom < 0:
        return "does-not-fit", headroom
    return ("tight" if headroom < TIGHT_HEADROOM * usable else "fits"), headroom


def judge(facts: ModelFacts, est: Estimate, gpu: GpuSpec) -> GpuFit:
    """The verdict of one estimate on one GPU, the count needed and the least quantization that fits."""
    if est.total_bytes is None or est.weights_bytes is None:
        return GpuFit(gpu.name, gpu.label, gpu.memory_bytes, "unknown", None, None, None)
    verdict, headroom = verdict_for(est.total_bytes, gpu.memory_bytes)
    count = min_count(est.weights_bytes, est.kv_cache_bytes or 0, gpu.memory_bytes)
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
        lowest_fitting_dtype=lowest_fitting_dtype(facts, est, gpu),
        note=note,
    )


def lowest_fitting_dtype(facts: ModelFacts, est: Estimate, gpu: GpuSpec) -> str | None:
    """Going down from the chosen precision (float32 -> 16-bit -> int8 -> int4), the first at which the model
    fits one GPU (fits or tight): how far it must be quantized. None when even int4 does not fit."""
    rung = "bfloat16" if est.dtype == "float16" else est.dtype
    for candidate in LADDER[LADDER.index(rung) :]:
        name = est.dtype if candidate == rung else candidate
        trial = est if candidate == rung else estimate(facts, name, est.context, est.batch)
        if trial.total_bytes is not None and trial.total_bytes <= gpu.memory_bytes:
            return "float16" if name == "bfloat16" and gpu.bf16 is False else name
    return None


def fit_facts(
    facts: ModelFacts,
    gpus: Sequence[GpuSpec],
    dtype: str | None = None,
    context: int | None = None,
    batch: int = 1,
) -> FitResult:
    """Estimate `facts` and judge it on each GPU."""
    est = estimate(facts, dtype, context, batch)
    notes = list(facts.notes)
    reason = None
    if facts.params is None:
        reason = next(
            (n.removeprefix("parameter count unknown: ") for n in notes if n.startswith("parameter count")),
            "the parameter count is not known (not in the registry, no safetensors metadata, no usable config)",
        )
    else:
        if est.kv_cache_bytes is None:
            notes.append("KV cache not counted: the layer and head counts are not known")
        if facts.context_window and est.context > facts.context_window:
            notes.append(f"context {est.context:,} is beyond the model's window of {facts.context_window:,}")
        if facts.stored_dtype is None and dtype is None:
            notes.append("published precision not known: bfloat16 assumed (--dtype sets it)")
        if facts.num_experts and facts.num_experts > 1:
            notes.append(
                f"mixture of experts: all {facts.num_experts} experts counted, as all must be in memory"
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
        gpus=[judge(facts, est, gpu) for gpu in gpus],
        reason=reason,
        notes=notes,
    )
