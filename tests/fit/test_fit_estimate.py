"""GPU fit arithmetic on known models: weights, KV cache (GQA), overhead, verdicts, counts, sourcing.

Reference figures (public, not computed here):
- Llama-2-7b: 6,738,415,616 parameters (the Hub's safetensors total), so 13,476,831,232 bytes at float16.
- Mistral-7B-v0.1: 7,241,732,096 parameters; 32 layers, 32 attention heads, 8 KV heads, head_dim 128.
- Mixtral-8x7B: 46,702,792,704 parameters.
- GPT-2: 124,439,808 parameters.
- `accelerate estimate-memory bert-base-cased` (Accelerate docs, "Model memory estimator"): float32 413.18 MB,
  float16 206.59 MB, int8 103.29 MB, int4 51.65 MB ("MB" there is MiB: bytes / 2^20). bert-base-cased has
  108,310,272 parameters; the extra 0.01 MiB is a buffer (position_ids), not a weight. Accelerate's int4 is
  float32 / 8, without the scales a real 4-bit format stores; hubgate adds them (4.25 bits per weight).
- hf-mem sums the safetensors header sizes by dtype; hubgate's `stored_bytes` is the same sum taken from
  the Hub's per-dtype counts.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hubgate.fit import ModelFacts, fit_for_metadata
from hubgate.fit.catalog import UnknownGpuError
from hubgate.fit.estimate import GIB, OVERHEAD_FIXED, estimate, kv_cache_bytes, normalise_dtype, weight_bytes
from hubgate.fit.facts import (
    merge,
    model_facts_from_metadata,
    model_facts_from_specs,
    params_from_config,
    params_from_safetensors,
)
from hubgate.fit.judge import GpuSpec, min_count, verdict_for
from hubgate.fit.result import fit_facts

MIB = 2**20
LLAMA2_PARAMS = 6_738_415_616
MIXTRAL_PARAMS = 46_702_792_704
MISTRAL_PARAMS = 7_241_732_096

LLAMA2_CONFIG = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "tie_word_embeddings": False,
    "max_position_embeddings": 4096,
    "torch_dtype": "float16",
}
MISTRAL_CONFIG = {
    **LLAMA2_CONFIG,
    "model_type": "mistral",
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "torch_dtype": "bfloat16",
}
MIXTRAL_CONFIG = {**MISTRAL_CONFIG, "model_type": "mixtral", "num_local_experts": 8, "num_experts_per_tok": 2}
GPT2_CONFIG = {
    "model_type": "gpt2",
    "n_layer": 12,
    "n_embd": 768,
    "n_head": 12,
    "vocab_size": 50257,
    "n_positions": 1024,
}

H100 = GpuSpec("nvidia-h100-80gb", "NVIDIA H100 80GB", 81559 * MIB)
A100_80 = GpuSpec("nvidia-a100-80gb", "NVIDIA A100 80GB", 81920 * MIB)
L4 = GpuSpec("nvidia-l4", "NVIDIA L4", 23034 * MIB)
T4 = GpuSpec("nvidia-t4", "NVIDIA T4", 15360 * MIB, bf16=False)


def facts(config: dict, params: int, **extra: object) -> ModelFacts:
    base = model_facts_from_metadata("x/y", {"config": config})
    assert base is not None
    return ModelFacts(**{**base.__dict__, "params": params, "params_source": "registry", **extra})


# Weights -------------------------------------------------------------------------------------------------


def test_llama2_7b_float16_weights_are_13_5_gb() -> None:
    assert weight_bytes(LLAMA2_PARAMS, "float16") == 13_476_831_232
    assert 13.4e9 < weight_bytes(LLAMA2_PARAMS, "fp16") < 13.5e9
    assert weight_bytes(LLAMA2_PARAMS, "float32") == 2 * weight_bytes(LLAMA2_PARAMS, "bfloat16")
    assert weight_bytes(LLAMA2_PARAMS, "int8") == LLAMA2_PARAMS


def test_weights_agree_with_accelerate_estimate_memory_for_bert_base_cased() -> None:
    params = 108_310_272  # bert-base-cased
    in_mib = {dtype: weight_bytes(params, dtype) / MIB for dtype in ("float32", "float16", "int8", "int4")}
    # accelerate: 413.18 / 206.59 / 103.29 / 51.65 MiB, including a 4 KiB position_ids buffer.
    assert in_mib["float32"] == pytest.approx(413.18, abs=0.02)
    assert in_mib["float16"] == pytest.approx(206.59, abs=0.01)
    assert in_mib["int8"] == pytest.approx(103.29, abs=0.01)
    # hubgate's int4 adds a 16-bit scale and zero per 128 weights: 4.25 bits, 1/16 more than accelerate's.
    assert in_mib["int4"] == pytest.approx(51.65 * 17 / 16, abs=0.02)


def test_int4_formula_counts_group_scales() -> None:
    assert weight_bytes(128, "int4") == 64 + 4
    assert weight_bytes(129, "int4") == 65 + 2 * 4
    assert weight_bytes(LLAMA2_PARAMS, "int4") == -(-LLAMA2_PARAMS // 2) + -(-LLAMA2_PARAMS // 128) * 4


def test_dtype_names() -> None:
    assert [normalise_dtype(n) for n in ("BF16", "fp32", "torch.float16", "nf4", "8bit")] == [
        "bfloat16",
        "float32",
        "float16",
        "int4",
        "int8",
    ]
    with pytest.raises(ValueError, match="float32, bfloat16"):
        normalise_dtype("fp8x")


# KV cache --------------------------------------------------------------------------------------------------


def test_llama2_kv_cache_at_4096_tokens_is_2_gib() -> None:
    llama = facts(LLAMA2_CONFIG, LLAMA2_PARAMS)
    # 2 x 32 layers x 32 heads x 128 x 4096 tokens x 2 bytes
    assert kv_cache_bytes(llama, 4096, 1, "float16") == 2 * GIB
    assert kv_cache_bytes(llama, 4096, 4, "float16") == 8 * GIB
    assert kv_cache_bytes(llama, 4096, 1, "float32") == 4 * GIB
    assert kv_cache_bytes(llama, 4096, 1, "int4") == 2 * GIB  # weight-only quantization keeps a 16-bit cache


def test_grouped_query_attention_mistral_cache_is_4x_smaller_than_llama2() -> None:
    llama = facts(LLAMA2_CONFIG, LLAMA2_PARAMS)
    mistral = facts(MISTRAL_CONFIG, MISTRAL_PARAMS)
    assert (mistral.num_attention_heads, mistral.kv_heads) == (32, 8)
    for context in (512, 4096, 32768):
        assert kv_cache_bytes(llama, context, 1, "float16") == 4 * kv_cache_bytes(
            mistral, context, 1, "float16"
        )


def test_head_dim_from_config_or_hidden_over_heads() -> None:
    derived = facts(MISTRAL_CONFIG, MISTRAL_PARAMS)
    given = facts({**MISTRAL_CONFIG, "head_dim": 256}, MISTRAL_PARAMS)
    assert derived.head_size == 128 and given.head_size == 256
    assert kv_cache_bytes(given, 1000, 1, "bfloat16") == 2 * kv_cache_bytes(derived, 1000, 1, "bfloat16")


def test_default_context_is_the_window_capped_at_4096() -> None:
    assert estimate(facts(MISTRAL_CONFIG, MISTRAL_PARAMS)).context == 4096  # window 32768
    small = facts({**GPT2_CONFIG}, 124_439_808)
    assert estimate(small).context == 1024  # n_positions
    assert estimate(small, context=2048).context == 2048


def test_encoders_keep_no_kv_cache() -> None:
    encoder = model_facts_from_specs(
        "g/siglip",
        SimpleNamespace(parameters=10**8, num_layers=12, num_attention_heads=12, hidden_size=768),
        "vision-encoder",
    )
    assert estimate(encoder).kv_cache_bytes == 0


# Totals, verdicts, counts ---------------------------------------------------------------------------------


def test_total_is_weights_plus_kv_plus_stated_overhead() -> None:
    est = estimate(facts(LLAMA2_CONFIG, LLAMA2_PARAMS), "float16")
    assert est.weights_bytes == 13_476_831_232 and est.kv_cache_bytes == 2 * GIB
    assert est.overhead_bytes == OVERHEAD_FIXED + -(-(est.weights_bytes + est.kv_cache_bytes) // 10)
    assert est.total_bytes == est.weights_bytes + est.kv_cache_bytes + est.overhead_bytes


def test_mixtral_does_not_fit_one_80gb_gpu_at_float16_and_needs_two() -> None:
    mixtral = facts(MIXTRAL_CONFIG, MIXTRAL_PARAMS)
    result = fit_facts(mixtral, [H100, A100_80], "float16")
    assert result.estimate.weights_bytes == 2 * MIXTRAL_PARAMS  # all 8 experts are in memory
    for gpu in result.gpus:
        assert gpu.verdict == "does-not-fit" and gpu.headroom_bytes < 0
        assert gpu.min_count == 2
        assert gpu.lowest_fitting_dtype == "int8"
    assert any("all 8 experts" in note for note in result.notes)


def test_min_count_splits_weights_and_cache_with_overhead_per_gpu() -> None:
    usable = 80 * GIB
    per_gpu = usable - OVERHEAD_FIXED
    assert min_count(int(per_gpu / 1.1), 0, usable) == 1
    assert min_count(int(per_gpu / 1.1) + 10, 0, usable) == 2
    assert min_count(int(3 * per_gpu / 1.1) + 10, 0, usable) == 4


def test_tight_below_ten_percent_headroom() -> None:
    usable = 100 * GIB
    assert verdict_for(89 * GIB, usable) == ("fits", 11 * GIB)
    assert verdict_for(95 * GIB, usable) == ("tight", 5 * GIB)
    assert verdict_for(100 * GIB, usable) == ("tight", 0)
    assert verdict_for(101 * GIB, usable) == ("does-not-fit", -GIB)


def test_seed_pairings_qwen3() -> None:
    """The seed document pairs T4 with Qwen3-4B and L4 with Qwen3-8B; Qwen3-32B needs int4 on an L4."""
    qwen = {"model_type": "qwen3", "num_hidden_layers": 36, "hidden_size": 2560, "num_attention_heads": 32}
    q4b = facts({**qwen, "num_key_value_heads": 8, "head_dim": 128, "torch_dtype": "bfloat16"}, 4_022_468_096)
    q32b = facts(
        {**qwen, "num_hidden_layers": 64, "hidden_size": 5120, "num_attention_heads": 64,
         "num_key_value_heads": 8, "head_dim": 128, "torch_dtype": "bfloat16"},
        32_762_123_264,
    )  # fmt: skip
    on_t4 = fit_facts(q4b, [T4]).gpus[0]
    assert on_t4.verdict == "fits" and on_t4.lowest_fitting_dtype == "float16"  # T4 has no bfloat16
    on_l4 = fit_facts(q32b, [L4]).gpus[0]
    assert on_l4.verdict == "does-not-fit" and on_l4.lowest_fitting_dtype == "int4"
    assert fit_facts(q32b, [L4], "int4").gpus[0].verdict in ("fits", "tight")


def test_unknown_parameters_give_unknown_not_a_guess() -> None:
    nothing = model_facts_from_metadata("x/vision", {"config": {"model_type": "dinov3_vit"}})
    assert nothing is not None and nothing.params is None
    result = fit_facts(nothing, [L4])
    assert result.gpus[0].verdict == "unknown" and result.total_bytes is None
    assert result.reason and "config lacks" in result.reason


# Parameter sourcing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (LLAMA2_CONFIG, LLAMA2_PARAMS),
        (MISTRAL_CONFIG, MISTRAL_PARAMS),
        (MIXTRAL_CONFIG, MIXTRAL_PARAMS),
        (GPT2_CONFIG, 124_439_808),
    ],
)
def test_params_from_config_shapes(config: dict, expected: int) -> None:
    assert params_from_config(config) == (expected, None)


def test_params_from_config_reads_the_text_config_of_multimodal_models() -> None:
    llava = {"model_type": "llava", "text_config": MISTRAL_CONFIG, "vision_config": {"hidden_size": 1024}}
    assert params_from_config(llava) == (MISTRAL_PARAMS, None)
    assert params_from_config({"model_type": "llama", "hidden_size": 4096})[0] is None


def test_safetensors_counts_and_exact_bytes() -> None:
    total, exact, dominant = params_from_safetensors(
        {"total": 1_000_300, "parameters": {"BF16": 1_000_000, "F32": 300}}
    )
    assert (total, exact, dominant) == (1_000_300, 2_000_000 + 1_200, "bfloat16")
    assert params_from_safetensors({"parameters": {"F16": 10}}) == (10, 20, "float16")
    assert params_from_safetensors(None) == (None, None, None)
    assert params_from_safetensors({"total": 5, "parameters": {"MYSTERY": 5}})[1] is None


def test_hub_body_prefers_safetensors_over_config() -> None:
    body = {
        "id": "meta-llama/Llama-2-7b-hf",
        "safetensors": {"total": LLAMA2_PARAMS, "parameters": {"F16": LLAMA2_PARAMS}},
        "config": LLAMA2_CONFIG,
    }
    from_hub = model_facts_from_metadata("meta-llama/Llama-2-7b-hf", body)
    assert from_hub is not None
    assert (from_hub.params, from_hub.params_source, from_hub.stored_bytes) == (
        LLAMA2_PARAMS,
        "safetensors",
        2 * LLAMA2_PARAMS,
    )
    only_config = model_facts_from_metadata("x", {"config": LLAMA2_CONFIG})
    assert only_config is not None and only_config.params_source == "config"
    assert only_config.params == LLAMA2_PARAMS


def test_fit_for_metadata_without_the_registry() -> None:
    body = {
        "safetensors": {"total": MIXTRAL_PARAMS, "parameters": {"BF16": MIXTRAL_PARAMS}},
        "config": MIXTRAL_CONFIG,
    }
    result = fit_for_metadata("acme/moe", body, ["h100", "A100 80GB"], use_registry=False)
    assert result.params_source == "safetensors" and result.estimate.dtype == "bfloat16"
    assert [g.name for g in result.gpus] == ["nvidia-h100-80gb", "nvidia-a100-80gb"]
    assert all(g.verdict == "does-not-fit" and g.min_count == 2 for g in result.gpus)
    data = result.to_dict()
    for key in ("id", "params", "params_source", "dtype", "context", "weights_bytes", "kv_cache_bytes"):
        assert key in data
    assert set(data["gpus"][0]) >= {"name", "memory_bytes", "verdict", "headroom_bytes", "min_count"}
    assert fit_for_metadata("acme/none", None, ["l4"], use_registry=False).gpus[0].verdict == "unknown"


def test_fit_for_metadata_rejects_unknown_gpus_with_suggestions() -> None:
    with pytest.raises(UnknownGpuError) as caught:
        fit_for_metadata("acme/x", None, ["H1000"], use_registry=False)
    assert "nvidia-h100-80gb" in caught.value.suggestions and "did you mean" in str(caught.value)


def test_registry_first_and_gaps_from_the_hub() -> None:
    registry = model_facts_from_specs(
        "acme/m", SimpleNamespace(parameters=7_000_000_000, torch_dtype="bfloat16", num_layers=None)
    )
    hub = model_facts_from_metadata(
        "acme/m", {"safetensors": {"total": 7_100_000_000}, "config": MISTRAL_CONFIG}
    )
    merged = merge(registry, hub)
    assert merged is not None
    assert (merged.params, merged.params_source, merged.num_layers, merged.kv_heads) == (
        7_000_000_000,
        "registry",
        32,
        8,
    )
    assert merged.stored_bytes is None  # the Hub's bytes describe another count


def test_fit_for_metadata_uses_the_registry_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    import hubgate.fit.facts as facts_module

    fake = SimpleNamespace(
        model_id="acme/known",
        type=SimpleNamespace(value="chat"),
        specs=SimpleNamespace(parameters=LLAMA2_PARAMS, torch_dtype="float16", context_window=4096,
                              num_layers=32, hidden_size=4096, num_attention_heads=32, num_kv_heads=32),
    )  # fmt: skip
    monkeypatch.setattr(
        facts_module,
        "model_facts_from_registry",
        lambda mid, reg=None: (model_facts_from_specs(mid, fake.specs), mid),
    )
    import hubgate.fit as fit_module

    monkeypatch.setattr(fit_module, "model_facts_from_registry", facts_module.model_facts_from_registry)
    result = fit_for_metadata("acme/known", None, ["l4"])
    assert (result.params_source, result.estimate.weights_bytes, result.estimate.kv_cache_bytes) == (
        "registry",
        2 * LLAMA2_PARAMS,
        2 * GIB,
    )


def test_result_json_keeps_its_keys_and_their_order() -> None:
    """FitResult holds its Estimate; `to_dict` still writes the figures beside the model's own, key for key
    as `hubgate fit --format json` and `check --gpu` always have."""
    data = fit_facts(facts(LLAMA2_CONFIG, LLAMA2_PARAMS), [L4]).to_dict()
    assert list(data) == [
        "id",
        "params",
        "params_source",
        "dtype",
        "context",
        "batch",
        "weights_bytes",
        "kv_cache_bytes",
        "overhead_bytes",
        "total_bytes",
        "gpus",
        "estimate",
        "reason",
        "notes",
        "dtype_source",
        "quantization",
        "quant_file",
        "kv_dtype",
        "kv_bytes_per_token",
        "tp",
        "engine",
        "per_gpu_bytes",
        "context_window",
        "terms",
        "alternatives",
    ]
    assert list(data["terms"]) == [
        "weights_bytes",
        "kv_cache_bytes",
        "activations_bytes",
        "cuda_context_bytes",
    ]
    assert data["estimate"] is True and data["terms"]["cuda_context_bytes"] == OVERHEAD_FIXED
    unknown = fit_facts(ModelFacts(model_id="x/y"), [L4]).to_dict()
    assert unknown["terms"] == dict.fromkeys(data["terms"])  # no figure at all when the size is unknown
