"""GPU fit on the configs of real architectures, each expected figure computed here from the formula and
the published shapes (never copied from hubgate's output).

The architectures' configs (and where each comes from) are in hubgate.testhub.configs; the quantized repos are
- AWQ:  hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4 (quantization_config: awq, 4 bits, group 128, gemm)
- GPTQ: TheBloke/Mistral-7B-Instruct-v0.2-GPTQ (quantization_config: gptq, 4 bits, group 128, desc_act)

KV-cache bytes per token compared with published figures:
- Llama-3.1-8B at 16-bit: 0.125 GB per 1k tokens, 15.62 GB at 128k (Hugging Face's Llama 3.1 blog,
  https://huggingface.co/blog/llama31#inference-memory-requirements, quoted in huggingface/blog#2345):
  0.125 GiB / 1024 tokens = 131,072 bytes per token; 131,072 x 128,000 = 15.625 GiB.
- Multi-latent attention caches kv_lora_rank + qk_rope_head_dim values per token per layer: llama.cpp's
  DeepSeek logs print `n_embd_head_qk_rope = 64, kv_lora_rank = 512` per layer, and DeepSeek-V3 (61 layers) at
  n_ctx 32768 with a q8_0 cache (34 bytes per 32 values) reports `KV self size = 1166.62 MiB`
  (ikawrakow/ik_llama.cpp#259): 576 x 61 x 32768 x 34/32 bytes = 1166.62 MiB.
"""

from __future__ import annotations

import math

import pytest

from hubgate.fit.estimate import (
    GIB,
    OVERHEAD_FIXED,
    estimate,
    kv_bytes_per_token,
    kv_cache_bytes,
    per_gpu_bytes,
)
from hubgate.fit.facts import model_facts_from_metadata, params_from_config, quantization, sliding
from hubgate.fit.judge import FitOptions, GpuSpec, shardable_count
from hubgate.fit.result import fit_facts
from hubgate.testhub.configs import (
    DEEPSEEK_V2_LITE,
    GEMMA2_9B,
    LLAMA31_8B,
    MISTRAL_7B_V01,
    MIXTRAL_8X7B,
    QWEN3_30B_A3B,
)

MIB = 2**20
L4 = GpuSpec("nvidia-l4", "NVIDIA L4", 23034 * MIB)
RTX4090 = GpuSpec("nvidia-rtx-4090", "NVIDIA GeForce RTX 4090", 24564 * MIB)
H100 = GpuSpec("nvidia-h100-80gb", "NVIDIA H100 80GB", 81559 * MIB)


def facts(config: dict, safetensors: dict | None = None, model_id: str = "org/model"):  # type: ignore[no-untyped-def]
    found = model_facts_from_metadata(
        model_id, {"id": model_id, "config": config, "safetensors": safetensors}
    )
    assert found is not None
    return found


# Parameter counts from the shapes ------------------------------------------------------------------------


def test_llama31_8b_parameter_count_from_its_shapes() -> None:
    embeddings = 2 * 128256 * 4096  # untied LM head
    attention = 2 * 4096 * 4096 + 2 * 4096 * 8 * 128  # q, o; k, v at 8 KV heads
    mlp = 3 * 4096 * 14336
    per_layer = attention + mlp + 2 * 4096
    expected = 32 * per_layer + embeddings + 4096
    assert expected == 8_030_261_248  # the Hub's safetensors total for meta-llama/Llama-3.1-8B
    assert params_from_config(LLAMA31_8B) == (expected, None)


def test_gemma2_has_four_norms_per_layer() -> None:
    attention = 2 * 3584 * 16 * 256 + 2 * 3584 * 8 * 256  # q, o at 16 heads x 256; k, v at 8 KV heads
    per_layer = attention + 3 * 3584 * 14336 + 4 * 3584
    expected = 42 * per_layer + 256000 * 3584 + 3584  # tied embeddings
    assert params_from_config(GEMMA2_9B) == (expected, None)
    assert round(expected / 1e9, 2) == 9.24  # "9.24B params" on the Hub page


def test_qwen3_moe_counts_every_expert() -> None:
    attention = 2 * 2048 * 32 * 128 + 2 * 2048 * 4 * 128
    experts = 128 * 3 * 2048 * 768 + 2048 * 128  # all 128 experts and the router
    per_layer = attention + experts + 2 * 2048 + 2 * 128  # norms, q/k norms
    expected = 48 * per_layer + 2 * 151936 * 2048 + 2048
    assert params_from_config(QWEN3_30B_A3B) == (expected, None)
    assert round(expected / 1e9, 1) == 30.5  # "30.5B in total and 3.3B activated" (model card)


# KV cache ------------------------------------------------------------------------------------------------


def test_llama31_8b_gqa_kv_per_token_matches_the_published_figure() -> None:
    f = facts(LLAMA31_8B)
    per_token = 2 * 32 * 8 * 128 * 2  # K and V, 32 layers, 8 KV heads, head_dim 4096/32, bf16
    assert kv_bytes_per_token(f, "bfloat16") == per_token == 0.125 * GIB / 1024
    assert kv_cache_bytes(f, 128_000, 1, "bfloat16") / GIB == pytest.approx(15.62, abs=0.01)
    assert kv_bytes_per_token(f, "bfloat16", "fp8") == per_token // 2
    # rope scaling: the window is the scaled one, and the default context stays capped at 4096
    assert f.context_window == 131072
    assert estimate(f).context == 4096


def test_mistral_v01_sliding_window_caps_every_layer() -> None:
    f = facts(MISTRAL_7B_V01)
    assert (f.sliding_window, f.sliding_layers) == (4096, 32)
    per_token = 2 * 8 * 128 * 2 * 32
    assert kv_cache_bytes(f, 2048, 1, "bfloat16") == per_token * 2048  # inside the window
    assert kv_cache_bytes(f, 32768, 1, "bfloat16") == per_token * 4096  # only the window is kept
    assert kv_cache_bytes(f, 32768, 3, "bfloat16") == per_token * 4096 * 3


def test_gemma2_hybrid_caches_the_window_on_half_its_layers() -> None:
    f = facts(GEMMA2_9B)
    assert (f.sliding_window, f.sliding_layers) == (4096, 21)  # even layers slide (Gemma2DecoderLayer)
    per_layer_token = 2 * 8 * 256 * 2  # head_dim 256 from the config, not 3584/16
    expected = per_layer_token * (21 * 8192 + 21 * 4096)
    assert kv_cache_bytes(f, 8192, 1, "bfloat16") == expected
    assert kv_cache_bytes(f, 8192, 1, "bfloat16") < 42 * per_layer_token * 8192
    # published as float32: the default runs (and caches) at float32
    assert f.stored_dtype == "float32" and f.dtype_source == "config"
    assert estimate(f, context=8192).kv_cache_bytes == 2 * expected


def test_layer_types_win_over_the_model_type_rule() -> None:
    cfg = {**GEMMA2_9B, "layer_types": ["sliding_attention", "full_attention", "full_attention"] * 14}
    assert sliding(cfg, 42) == (4096, 14)
    assert sliding({**QWEN3_30B_A3B, "sliding_window": 4096}, 48) == (None, None)  # use_sliding_window false
    assert sliding({"model_type": "gemma3_text", "sliding_window": 1024}, 48) == (1024, 40)


def test_deepseek_v2_lite_mla_caches_the_latent() -> None:
    f = facts(DEEPSEEK_V2_LITE, {"total": 15_700_000_000, "parameters": {"BF16": 15_700_000_000}})
    per_token = 27 * (512 + 64) * 2  # not 2 x 16 heads x 192 per layer
    assert kv_bytes_per_token(f, "bfloat16") == per_token == 31_104
    assert kv_cache_bytes(f, 8192, 1, "bfloat16") == per_token * 8192
    # the published DeepSeek-V3 figure from the same rule: 61 layers, q8_0 (34 bytes per 32 values)
    v3_mib = 576 * 61 * 32768 * 34 / 32 / MIB
    assert v3_mib == pytest.approx(1166.62, abs=0.01)
    result = fit_facts(f, [H100])
    assert any("multi-latent attention: 512 + 64" in n for n in result.notes)
    assert any("all 64 experts counted" in n for n in result.notes)


def test_mixtral_all_experts_resident_and_tensor_parallel() -> None:
    f = facts(MIXTRAL_8X7B, {"total": 46_702_792_704, "parameters": {"BF16": 46_702_792_704}})
    one = fit_facts(f, [H100])
    weights, kv = 2 * 46_702_792_704, 2 * 32 * 8 * 128 * 2 * 4096
    assert (one.estimate.weights_bytes, one.estimate.kv_cache_bytes) == (weights, kv)
    assert one.gpus[0].verdict == "does-not-fit"
    need = (weights + kv) * 1.1
    count = math.ceil(need / (H100.memory_bytes - OVERHEAD_FIXED))
    assert one.gpus[0].min_count == count == 2
    two = fit_facts(f, [H100], options=FitOptions(tp=2))
    share = math.ceil((weights + kv + math.ceil(0.1 * (weights + kv))) / 2) + OVERHEAD_FIXED
    assert two.estimate.per_gpu_bytes == share == per_gpu_bytes(weights, kv, 2)
    assert two.gpus[0].verdict in ("fits", "tight")
    assert two.gpus[0].headroom_bytes == H100.memory_bytes - share
    assert two.estimate.terms == {
        "weights_bytes": weights,
        "kv_cache_bytes": kv,
        "activations_bytes": math.ceil(0.1 * (weights + kv)),
        "cuda_context_bytes": OVERHEAD_FIXED,
    }


def test_min_count_divides_the_attention_heads() -> None:
    assert shardable_count(3, 32) == 4
    assert shardable_count(5, 40) == 5
    assert shardable_count(3, None) == 3


# Budgets, long context ---------------------------------------------------------------------------------------


def test_vllm_budget_is_ninety_percent() -> None:
    f = facts(LLAMA31_8B)
    plain = fit_facts(f, [L4]).gpus[0]
    vllm = fit_facts(f, [L4], options=FitOptions(engine="vllm")).gpus[0]
    assert plain.budget_bytes == L4.memory_bytes
    assert vllm.budget_bytes == int(L4.memory_bytes * 0.9)
    assert vllm.headroom_bytes == plain.headroom_bytes - (L4.memory_bytes - vllm.budget_bytes)


def test_max_context_is_the_longest_that_fits() -> None:
    f = facts(LLAMA31_8B)
    weights = 2 * 8_030_261_248
    per_token = 131_072
    gpu = RTX4090
    result = fit_facts(f, [gpu], options=FitOptions(batch=2))
    found = result.gpus[0].max_context
    # by hand: (weights + kv) x 1.1 + 512 MiB <= budget, kv = per_token x ctx x 2
    by_hand = math.floor(((gpu.memory_bytes - OVERHEAD_FIXED) / 1.1 - weights) / (per_token * 2))
    assert abs(found - by_hand) <= 1  # the ceil of the 10% term moves the edge by at most one token
    assert per_gpu_bytes(weights, per_token * found * 2) <= gpu.memory_bytes
    assert per_gpu_bytes(weights, per_token * (found + 1) * 2) > gpu.memory_bytes
    assert fit_facts(f, [H100]).gpus[0].max_context == 131072  # the whole window fits an H100


def test_max_context_with_a_sliding_window_reaches_the_window() -> None:
    f = facts(MISTRAL_7B_V01, {"total": 7_241_732_096, "parameters": {"BF16": 7_241_732_096}})
    # Past 4096 tokens the cache stops growing: any GPU that holds 4096 tokens holds the whole window.
    assert fit_facts(f, [L4]).gpus[0].max_context == 32768
    assert fit_facts(f, [GpuSpec("small", "small", 14 * GIB)]).gpus[0].max_context is None


# Quantized checkpoints ---------------------------------------------------------------------------------------


def _linears(hidden: int, inter: int, kv_dim: int) -> list[tuple[int, int]]:
    """(in, out) of the seven projections of a Llama/Mistral layer."""
    return [
        (hidden, hidden),
        (hidden, kv_dim),
        (hidden, kv_dim),
        (hidden, hidden),
        (hidden, inter),
        (hidden, inter),
        (inter, hidden),
    ]


def test_awq_repo_is_sized_as_stored() -> None:
    config = {
        **LLAMA31_8B,
        "torch_dtype": "float16",
        "quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"},
    }
    # AutoAWQ's GEMM layout: qweight int32 [in, out/8], qzeros int32 [in/128, out/8], scales fp16 [in/128, out]
    i32 = f16 = 0
    for fan_in, fan_out in _linears(4096, 14336, 1024):
        i32 += fan_in * fan_out // 8 + (fan_in // 128) * (fan_out // 8)
        f16 += (fan_in // 128) * fan_out
    i32 *= 32
    f16 = f16 * 32 + 2 * 128256 * 4096 + 32 * 2 * 4096 + 4096  # scales, embeddings + head, norms
    f = facts(config, {"total": i32 + f16, "parameters": {"I32": i32, "F16": f16}})
    stored = 4 * i32 + 2 * f16
    assert (f.quant_method, f.quant_bits) == ("awq", 4.0)
    assert f.params == 8_030_261_248 and f.params_source == "config"  # not the packed count
    est = estimate(f)
    assert (est.dtype, est.weights_bytes) == ("int4", stored)
    assert 5.0 < stored / GIB < 5.5  # 4-bit layers, 16-bit embeddings and head
    assert est.kv_cache_bytes == 131_072 * 4096  # float16 cache (torch_dtype), 2 bytes
    result = fit_facts(f, [L4])
    assert result.quantization == "awq" and result.gpus[0].verdict == "fits"


def test_gptq_repo_is_sized_as_stored() -> None:
    config = {
        **MISTRAL_7B_V01,
        "sliding_window": None,
        "torch_dtype": "float16",
        "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": True},
    }
    # AutoGPTQ's QuantLinear: qweight int32 [in/8, out], qzeros int32 [in/128, out/8], scales fp16
    # [in/128, out], g_idx int32 [in]
    i32 = f16 = 0
    for fan_in, fan_out in _linears(4096, 14336, 1024):
        i32 += fan_in // 8 * fan_out + (fan_in // 128) * (fan_out // 8) + fan_in
        f16 += (fan_in // 128) * fan_out
    i32 *= 32
    f16 = f16 * 32 + 2 * 32000 * 4096 + 32 * 2 * 4096 + 4096
    f = facts(config, {"total": i32 + f16, "parameters": {"I32": i32, "F16": f16}})
    assert (f.quant_method, f.params) == ("gptq", 7_241_732_096)
    assert estimate(f).weights_bytes == 4 * i32 + 2 * f16
    assert estimate(f).dtype == "int4"


def test_quantization_configs_of_each_method() -> None:
    assert quantization({"quantization_config": {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4"}}) == (
        "bitsandbytes",
        4.0,
    )
    assert quantization({"quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": True}}) == (
        "bitsandbytes",
        8.0,
    )
    assert quantization(
        {"quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}}
    ) == (
        "fp8",
        8.0,
    )
    ct = {"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights": {"num_bits": 4}}}}
    assert quantization({"quantization_config": ct}) == ("compressed-tensors", 4.0)
    assert quantization({}) is None


def test_fp8_repo_without_tensor_counts_uses_one_byte_per_weight() -> None:
    config = {**LLAMA31_8B, "quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic"}}
    est = estimate(facts(config))
    assert (est.dtype, est.weights_bytes) == ("fp8", 8_030_261_248)
    assert est.kv_cache_bytes == 131_072 * 4096  # bf16 cache by default


# Published precision -------------------------------------------------------------------------------------


def test_unknown_precision_shows_float32_and_bfloat16() -> None:
    config = {k: v for k, v in LLAMA31_8B.items() if k != "torch_dtype"}
    result = fit_facts(facts(config), [L4, H100])
    assert result.estimate.dtype == "bfloat16" and result.dtype_source is None
    [alt] = result.alternatives
    assert alt["dtype"] == "float32" and alt["weights_bytes"] == 4 * 8_030_261_248
    assert alt["kv_cache_bytes"] == 2 * result.estimate.kv_cache_bytes  # a float32 model caches at float32
    assert [g["verdict"] for g in alt["gpus"]] == ["does-not-fit", "fits"]
    assert any("published precision unknown" in n for n in result.notes)


def test_safetensors_dtypes_give_the_precision_when_the_config_does_not() -> None:
    config = {k: v for k, v in LLAMA31_8B.items() if k != "torch_dtype"}
    f = facts(config, {"total": 8_030_261_248, "parameters": {"F32": 8_030_261_248}})
    result = fit_facts(f, [H100])
    assert (result.estimate.dtype, result.dtype_source, result.alternatives) == ("float32", "safetensors", [])


def test_python_api_takes_the_serving_options() -> None:
    from hubgate.fit import fit_for_metadata

    body = {"id": "org/llama", "config": LLAMA31_8B}
    result = fit_for_metadata(
        "org/llama", body, ["h100"], kv_dtype="fp8", tp=2, engine="vllm", use_registry=False
    )
    assert (result.estimate.kv_dtype, result.estimate.tp, result.engine) == ("fp8", 2, "vllm")
    assert result.estimate.kv_bytes_per_token == 65_536
    assert result.gpus[0].budget_bytes == int(result.gpus[0].memory_bytes * 0.9)
