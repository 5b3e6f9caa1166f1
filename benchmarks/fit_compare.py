"""hubgate fit vs hf-mem vs `accelerate estimate-memory`, on five published models, at 8k context, batch 1.

Neither tool can run here (no Hub access), so their figures are computed from their published code, read at:
- hf-mem, github.com/alvarobartt/hf-mem at e994679: weights = the safetensors headers' tensor bytes (the same
  dtype counts the Hub's `safetensors` field gives); KV cache (`--experimental`,
  src/hf_mem/safetensors/kv_cache.py `compute_safetensors_kv_cache_size`) = 2 x (full layers x len + sliding
  layers x min(window, len)) x num_key_value_heads x head_dim x bytes, where a layer is sliding only when the
  config has `sliding_window_pattern` or `layer_types`, and the cache dtype is the config's torch_dtype;
  total = weights + KV cache (no overhead).
- accelerate, src/accelerate/commands/estimate.py: builds `AutoModel.from_config` (the base model, without the
  LM head, unless `auto_map` names an AutoModelFor* class) on the meta device and sums its tensors at float32,
  then halves for float16. No KV cache, no overhead. Module buffers (a rotary `inv_freq`, under 1 KiB) are
  left out here.
hubgate's figures come from hubgate.fit itself, on the same configs (hubgate.testhub.configs holds them and
their sources). Weights are the published precision: the parameter count from the config's shapes (equal to
the Hub's safetensors totals for these five) x the bytes of the config's torch_dtype.

    .venv/bin/python benchmarks/fit_compare.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hubgate.fit.estimate import GIB, estimate  # noqa: E402
from hubgate.fit.facts import model_facts_from_metadata, params_from_config  # noqa: E402
from hubgate.testhub.configs import (  # noqa: E402
    GEMMA2_9B,
    LLAMA31_8B,
    MISTRAL_7B_V01,
    MIXTRAL_8X7B,
    QWEN3_30B_A3B,
)

CONTEXT = 8192
BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
MODELS = {
    "meta-llama/Llama-3.1-8B": LLAMA31_8B,
    "mistralai/Mistral-7B-v0.1": MISTRAL_7B_V01,
    "google/gemma-2-9b": GEMMA2_9B,
    "mistralai/Mixtral-8x7B-v0.1": MIXTRAL_8X7B,
    "Qwen/Qwen3-30B-A3B": QWEN3_30B_A3B,
}


def hf_mem(config: dict, params: int) -> tuple[int, int]:
    size = BYTES[config["torch_dtype"]]
    layers = config["num_hidden_layers"]
    if "sliding_window_pattern" in config:
        full = layers // config["sliding_window_pattern"]
    elif "layer_types" in config:
        full = sum(
            1 for t in config["layer_types"] if t in {"attention", "full_attention", "global_attention"}
        )
    else:
        full = layers
    window = config.get("sliding_window") or CONTEXT
    tokens = full * CONTEXT + (layers - full) * min(window, CONTEXT)
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim", config["hidden_size"] // heads)
    kv = 2 * tokens * config.get("num_key_value_heads", heads) * head_dim * size
    return params * size, kv


def accelerate_fp16(config: dict, params: int) -> int:
    head = 0 if config.get("tie_word_embeddings", True) else config["vocab_size"] * config["hidden_size"]
    return (params - head) * 4 // 2


def main() -> None:
    print(
        "| model | hubgate weights | hubgate KV @8k | hubgate total | hf-mem weights | hf-mem KV @8k | "
        "hf-mem total | accelerate float16 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for model_id, config in MODELS.items():
        params, _ = params_from_config(config)
        assert params
        size = BYTES[config["torch_dtype"]]
        facts = model_facts_from_metadata(
            model_id, {"id": model_id, "config": config, "safetensors": {"total": params}}
        )
        assert facts is not None
        est = estimate(facts, context=CONTEXT)
        weights, kv = hf_mem(config, params)
        cells = [
            model_id + (" (float32)" if size == 4 else ""),
            est.weights_bytes,
            est.kv_cache_bytes,
            est.total_bytes,
            weights,
            kv,
            weights + kv,
            accelerate_fp16(config, params),
        ]
        print("| " + " | ".join(c if isinstance(c, str) else f"{c / GIB:.2f}" for c in cells) + " |")
    print(f"\nGiB (2^30 bytes); context {CONTEXT:,} tokens, batch 1, the published precision.")


if __name__ == "__main__":
    main()
