"""Whether an estimate fits a GPU: the budget, the verdict, and the ways out (more GPUs, less precision,
a shorter context). The memory itself is `hubgate.fit.estimate`.

Budget per GPU: the usable memory U from the GPU catalogue; with `--engine vllm`, U x
gpu_memory_utilization (vLLM's default 0.9: vLLM never allocates past that share).

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
from dataclasses import dataclass

from hubgate.fit.estimate import (
    OVERHEAD_FIXED,
    OVERHEAD_FRACTION,
    Estimate,
    activation_dtype,
    estimate,
    kv_cache_bytes,
    per_gpu_bytes,
)
from hubgate.fit.facts import ModelFacts

TIGHT_HEADROOM = 0.10
ENGINES = ("vllm",)
VLLM_GPU_MEMORY_UTILIZATION = 0.9
MAX_CONTEXT_SEARCH = 10_000_000
# From the most to the least precise; float16 and bfloat16 share a rung.
LADDER = ("float32", "bfloat16", "int8", "int4")


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
    act = activation_dtype(facts, est.dtype)

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
