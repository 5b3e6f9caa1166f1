"""Memory a model needs for inference: weights, KV cache and overhead. Pure arithmetic on plain facts.

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

What is left out: training (gradients, optimizer state), paged-KV block rounding, CPU offload, and the
exact activation peak of a given framework; those are what the 10 % stands for.

Whether the estimate fits a GPU is `hubgate.fit.judge`; the result of a fit, `hubgate.fit.result`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hubgate.fit.facts import ModelFacts
from hubgate.inputs.words import UnknownWord

MIB = 2**20
GIB = 2**30
OVERHEAD_FIXED = 512 * MIB
OVERHEAD_FRACTION = 0.10
DEFAULT_CONTEXT_CAP = 4096
INT4_GROUP_SIZE = 128
INT4_GROUP_BYTES = 4  # one float16 scale + one float16 zero point per group

DTYPES = ("float32", "bfloat16", "float16", "int8", "fp8", "int4")
BYTES_PER_PARAM = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0, "int8": 1.0, "fp8": 1.0, "int4": 0.5}
KV_DTYPES = ("auto", "float32", "bfloat16", "float16", "fp8")
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


class UnknownDtypeError(UnknownWord):
    pass


def normalise_dtype(name: str) -> str:
    key = name.strip().lower().replace("torch.", "")
    key = _ALIASES.get(key, key)
    if key not in BYTES_PER_PARAM:
        raise UnknownDtypeError(f"unknown precision {name!r}: use one of {', '.join(DTYPES)}", name, DTYPES)
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
        raise UnknownDtypeError(
            f"unknown KV-cache precision {name!r}: use one of {', '.join(KV_DTYPES)}", name, KV_DTYPES
        )
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
class Estimate:
    """The memory one model needs at one precision, context, batch and split; the figures are None when
    the model's size is not known (the KV cache alone is None when its shapes are not). A `FitResult`
    holds one; the fields are named as in `hubgate fit --format json`."""

    dtype: str
    context: int
    batch: int
    kv_dtype: str = "auto"
    tp: int = 1
    weights_bytes: int | None = None
    kv_cache_bytes: int | None = None
    overhead_bytes: int | None = None  # activations + CUDA context
    total_bytes: int | None = None  # weights + KV cache + overhead, on one GPU
    kv_bytes_per_token: int | None = None
    activations_bytes: int | None = None
    cuda_context_bytes: int | None = None
    per_gpu_bytes: int | None = None  # one GPU's share of the `tp`-way split

    @property
    def terms(self) -> dict[str, int | None]:
        """The addends of `per_gpu_bytes` before the split, as `hubgate fit --format json` shows them."""
        return {
            "weights_bytes": self.weights_bytes,
            "kv_cache_bytes": self.kv_cache_bytes,
            "activations_bytes": self.activations_bytes,
            "cuda_context_bytes": self.cuda_context_bytes,
        }


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


def activation_dtype(facts: ModelFacts, dtype: str) -> str:
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
        return Estimate(chosen, ctx, batch, kv_dtype, tp)
    if facts.stored_bytes is not None and dtype is None:
        weights = facts.stored_bytes  # exactly as published
    else:
        assert facts.params is not None
        weights = weight_bytes(facts.params, chosen)
    act = activation_dtype(facts, chosen)
    kv = kv_cache_bytes(facts, ctx, batch, act, kv_dtype)
    kv_known = kv if kv is not None else 0
    activations = activations_bytes(weights, kv_known)
    over = OVERHEAD_FIXED + activations
    return Estimate(
        dtype=chosen,
        context=ctx,
        batch=batch,
        kv_dtype=kv_dtype,
        tp=tp,
        weights_bytes=weights,
        kv_cache_bytes=kv,
        overhead_bytes=over,
        total_bytes=weights + kv_known + over,
        kv_bytes_per_token=kv_bytes_per_token(facts, act, kv_dtype),
        activations_bytes=activations,
        cuda_context_bytes=OVERHEAD_FIXED,
        per_gpu_bytes=per_gpu_bytes(weights, kv_known, tp),
    )
