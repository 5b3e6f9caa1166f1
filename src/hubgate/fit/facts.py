"""What the estimate needs to know about a model, from the registry, the Hub's safetensors metadata or its config.

Pure functions on plain data: a registry entry (anything with the attributes of `RegistrySpecs`) or the
JSON body of `GET /api/models/{id}?expand[]=safetensors&expand[]=config`.

Parameter count, first found wins: the registry's `specs.parameters` (`registry`), the Hub's safetensors
metadata total (`safetensors`, public even on gated repos), a count computed from the config's shapes
(`config`: layers, hidden size, heads, KV heads, intermediate size, vocabulary, experts).
Architecture facts (for the KV cache) are merged field by field, registry first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from hubgate.hub.answers import params_from_safetensors

_TORCH_DTYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16", "fp32": "float32"}

# Model types whose MLP is gated (gate, up and down projections: 3 matrices) and whose norms are RMSNorm.
GATED_MLP_TYPES = frozenset(
    {
        "llama",
        "mistral",
        "mixtral",
        "qwen2",
        "qwen2_moe",
        "qwen3",
        "qwen3_moe",
        "gemma",
        "gemma2",
        "gemma3_text",
        "phi3",
        "olmo",
        "olmo2",
        "granite",
        "cohere",
        "deepseek",
        "internlm2",
        "yi",
    }
)
# Model types with learned absolute position embeddings (n_positions x hidden weights).
LEARNED_POSITION_TYPES = frozenset({"gpt2", "gpt_neo", "opt", "gpt_bigcode", "biogpt"})
# Model types that never keep a KV cache while serving (encoders).
ENCODER_TYPES = frozenset(
    {"bert", "roberta", "distilbert", "deberta", "deberta-v2", "electra", "vit", "dinov2", "dinov3_vit"}
)
ENCODER_REGISTRY_TYPES = frozenset({"vision-encoder", "embedding", "fill-mask"})


class RegistrySpecs(Protocol):
    """The attributes of a registry entry's `specs` that the estimate reads (any may be None); read-only,
    as both the schema's frozen model and the registry summary's dataclass hold them."""

    @property
    def parameters(self) -> int | None: ...
    @property
    def context_window(self) -> int | None: ...
    @property
    def num_layers(self) -> int | None: ...
    @property
    def hidden_size(self) -> int | None: ...
    @property
    def num_attention_heads(self) -> int | None: ...
    @property
    def num_kv_heads(self) -> int | None: ...
    @property
    def head_dim(self) -> int | None: ...
    @property
    def num_experts(self) -> int | None: ...
    @property
    def experts_per_token(self) -> int | None: ...
    @property
    def torch_dtype(self) -> str | None: ...


@dataclass(frozen=True)
class ModelFacts:
    """The figures an estimate needs; None where not known."""

    model_id: str
    params: int | None = None
    params_source: str | None = None  # registry | safetensors | config
    stored_dtype: str | None = None  # float32 | bfloat16 | float16, as the weights are published
    stored_bytes: int | None = None  # exact bytes of the published safetensors, by dtype
    context_window: int | None = None
    num_layers: int | None = None
    hidden_size: int | None = None
    num_attention_heads: int | None = None
    num_kv_heads: int | None = None
    head_dim: int | None = None
    num_experts: int | None = None
    experts_per_token: int | None = None
    encoder_only: bool = False
    dtype_source: str | None = None  # config | safetensors | registry: where stored_dtype was read
    sliding_window: int | None = None  # tokens a sliding-window layer keeps in its cache
    sliding_layers: int | None = None  # how many of the layers use the window (the rest cache everything)
    kv_lora_rank: int | None = None  # multi-latent attention (DeepSeek-V2/V3): the cached latent's width
    qk_rope_head_dim: int | None = None  # ... plus the decoupled RoPE key, also cached
    quant_method: str | None = None  # gptq | awq | bitsandbytes | fp8 | compressed-tensors | gguf | ...
    quant_bits: float | None = None  # bits per quantized weight
    quant_file: str | None = None  # the GGUF file (or first shard) the figures are of
    notes: tuple[str, ...] = field(default=())

    @property
    def kv_heads(self) -> int | None:
        """Grouped-query attention: the KV heads; multi-head attention when the config does not say."""
        return self.num_kv_heads or self.num_attention_heads

    @property
    def head_size(self) -> int | None:
        if self.head_dim:
            return self.head_dim
        if self.hidden_size and self.num_attention_heads:
            return self.hidden_size // self.num_attention_heads
        return None


_ARCH_FIELDS = (
    "context_window",
    "num_layers",
    "hidden_size",
    "num_attention_heads",
    "num_kv_heads",
    "head_dim",
    "num_experts",
    "experts_per_token",
    "stored_dtype",
    "dtype_source",
    "sliding_window",
    "sliding_layers",
    "kv_lora_rank",
    "qk_rope_head_dim",
    "quant_method",
    "quant_bits",
)


def merge(primary: ModelFacts | None, secondary: ModelFacts | None) -> ModelFacts | None:
    """`primary`'s figures, with the gaps filled from `secondary` (parameters keep their source)."""
    if primary is None or secondary is None:
        return primary or secondary
    updates: dict[str, Any] = {
        name: getattr(secondary, name)
        for name in _ARCH_FIELDS
        if getattr(primary, name) is None and getattr(secondary, name) is not None
    }
    if primary.params is None and secondary.params is not None:
        updates |= {"params": secondary.params, "params_source": secondary.params_source}
    # Exact published bytes only describe the count they came with.
    same_count = (updates.get("params") or primary.params) == secondary.params
    if primary.stored_bytes is None and secondary.stored_bytes is not None and same_count:
        updates["stored_bytes"] = secondary.stored_bytes
    updates["encoder_only"] = primary.encoder_only or secondary.encoder_only
    updates["notes"] = primary.notes + tuple(n for n in secondary.notes if n not in primary.notes)
    return replace(primary, **updates)


# Registry ------------------------------------------------------------------------------------------------


def model_facts_from_specs(model_id: str, specs: RegistrySpecs, model_type: str | None = None) -> ModelFacts:
    """ModelFacts from a registry entry's specs (hubgate.registry's `ModelEntry.specs`, or any object with
    those attributes)."""

    def get(name: str) -> Any:
        return getattr(specs, name, None)

    params = get("parameters")
    dtype = get("torch_dtype")
    return ModelFacts(
        model_id=model_id,
        params=params,
        params_source="registry" if params else None,
        stored_dtype=_TORCH_DTYPES.get(str(dtype)) if dtype else None,
        dtype_source="registry" if dtype and str(dtype) in _TORCH_DTYPES else None,
        context_window=get("context_window"),
        num_layers=get("num_layers"),
        hidden_size=get("hidden_size"),
        num_attention_heads=get("num_attention_heads"),
        num_kv_heads=get("num_kv_heads"),
        head_dim=get("head_dim"),
        num_experts=get("num_experts"),
        experts_per_token=get("experts_per_token"),
        encoder_only=str(model_type or "") in ENCODER_REGISTRY_TYPES,
    )


def model_facts_from_registry(model_id: str, registry: Any = None) -> tuple[ModelFacts | None, str | None]:
    """The registry's ModelFacts on `model_id` and its canonical id, or (None, None) when the registry does not
    know the model or is not available (not built yet, or its data has problems)."""
    try:
        if registry is not None:  # a Registry or its summary: either answers get()
            entry = registry.get(model_id)
        else:
            from hubgate.registry import get_model_info

            entry = get_model_info(model_id)
    except Exception:  # the registry's own errors (bad data files) must not break a fit
        return None, None
    if entry is None or getattr(entry, "specs", None) is None:
        return None, None
    kind = getattr(entry, "type", None)
    kind = getattr(kind, "value", kind)
    canonical = str(getattr(entry, "model_id", model_id))
    return model_facts_from_specs(canonical, entry.specs, kind), canonical


# Hub metadata -------------------------------------------------------------------------------------------


def _first(config: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _text_config(config: dict[str, Any]) -> dict[str, Any]:
    """Multimodal configs (LLaVA, Qwen-VL) keep the language model's shapes under `text_config`."""
    if _first(config, "num_hidden_layers", "n_layer", "num_layers") is None:
        for key in ("text_config", "llm_config", "language_config"):
            inner = config.get(key)
            if isinstance(inner, dict):
                return inner
    return config


def params_from_config(config: dict[str, Any]) -> tuple[int | None, str | None]:
    """A parameter count computed from a decoder's config shapes, or (None, why not).

    Per layer: attention (q and o: hidden x heads*head_dim; k and v: hidden x kv_heads*head_dim), the MLP
    (gated: 3 x hidden x intermediate; else 2 x, plus biases) times the experts (plus the router), and the
    norms. Plus the token embeddings, an untied LM head, learned positions where the model type has them,
    and the final norm. Exact for Llama/Mistral/Mixtral/GPT-2-style layouts; an approximation otherwise.
    """
    cfg = _text_config(config)
    model_type = str(cfg.get("model_type") or config.get("model_type") or "")
    layers = _first(cfg, "num_hidden_layers", "n_layer", "num_layers")
    hidden = _first(cfg, "hidden_size", "n_embd", "d_model")
    heads = _first(cfg, "num_attention_heads", "n_head", "num_heads")
    vocab = _first(cfg, "vocab_size")
    missing = [
        name
        for name, value in (
            ("num_hidden_layers", layers),
            ("hidden_size", hidden),
            ("num_attention_heads", heads),
            ("vocab_size", vocab),
        )
        if value is None
    ]
    if missing:
        return None, f"the config lacks {', '.join(missing)}"
    assert layers and hidden and heads and vocab
    kv = _first(cfg, "num_key_value_heads", "num_kv_heads") or (1 if cfg.get("multi_query") else heads)
    head_dim = _first(cfg, "head_dim") or hidden // heads
    experts = _first(cfg, "num_local_experts", "num_experts", "n_routed_experts") or 1
    gated = model_type in GATED_MLP_TYPES or str(cfg.get("hidden_act", "")) in ("silu", "swiglu")
    if experts > 1:
        inter = _first(cfg, "moe_intermediate_size", "intermediate_size", "ffn_dim")
    else:
        inter = _first(cfg, "intermediate_size", "n_inner", "ffn_dim")
    if inter is None:
        inter = 4 * hidden if not gated else None
    if inter is None:
        return None, "the config lacks intermediate_size"

    q_o = 2 * hidden * heads * head_dim
    k_v = 2 * hidden * kv * head_dim
    if gated:
        attention = q_o + k_v
        if cfg.get("attention_bias") or model_type in ("qwen2", "qwen2_moe"):
            attention += heads * head_dim + 2 * kv * head_dim
        mlp = 3 * hidden * inter
        norms = 2 * hidden + (2 * head_dim if model_type in ("qwen3", "qwen3_moe", "gemma3_text") else 0)
        if model_type in ("gemma2", "gemma3_text"):
            norms += 2 * hidden  # pre- and post-feedforward norms besides the two around attention
        final_norm = hidden
    else:  # GPT-2 / OPT style: biases everywhere, LayerNorm with bias
        attention = q_o + k_v + (heads * head_dim + 2 * kv * head_dim) + hidden  # q, k, v and o biases
        mlp = 2 * hidden * inter + inter + hidden
        norms = 4 * hidden
        final_norm = 2 * hidden
    moe = mlp * experts + (hidden * experts if experts > 1 else 0)
    shared = _first(cfg, "shared_expert_intermediate_size")
    if shared:
        moe += 3 * hidden * shared + hidden
    per_layer = attention + moe + norms
    tied = cfg.get("tie_word_embeddings", config.get("tie_word_embeddings", True))
    embeddings = vocab * hidden * (1 if tied is not False else 2)
    positions = 0
    if model_type in LEARNED_POSITION_TYPES:
        positions = (_first(cfg, "n_positions", "max_position_embeddings") or 0) * hidden
        if model_type == "opt":
            positions += 2 * hidden  # OPT's learned positions are offset by 2
    return layers * per_layer + embeddings + positions + final_norm, None


def model_facts_from_metadata(model_id: str, body: Any) -> ModelFacts | None:
    """The Hub's model JSON (`safetensors`, `config`) as the estimate's ModelFacts; None when it has neither.
    (`hubgate.hub.answers.facts_from_metadata` reads the same body as the RepoFacts of an access verdict.)"""
    data = body if isinstance(body, dict) else {}
    safetensors = data.get("safetensors")
    config = data.get("config") if isinstance(data.get("config"), dict) else None
    if safetensors is None and config is None:
        return None
    cfg = _text_config(config or {})
    notes: list[str] = []
    params, exact, dominant = params_from_safetensors(safetensors)
    source = "safetensors" if params else None
    quant = quantization(config or {})
    if quant is not None and config is not None:
        # The safetensors counts are of packed tensors (eight 4-bit weights per int32): the model's
        # parameter count is the config's; the stored bytes stay the exact size of the weights.
        from_config, _ = params_from_config(config)
        if from_config:
            params, source = from_config, "config"
            notes.append(
                f"pre-quantized ({quant[0]}, {quant[1]:g}-bit): weights sized as stored; parameter count "
                "from the config's shapes (the safetensors counts are of packed tensors)"
            )
    if params is None and config is not None:
        params, why = params_from_config(config)
        if params:
            source = "config"
            notes.append("parameter count computed from the config's shapes (no safetensors metadata)")
        elif why:
            notes.append(f"parameter count unknown: {why}")
    dtype = cfg.get("torch_dtype") or cfg.get("dtype") or (config or {}).get("torch_dtype")
    dtype = _TORCH_DTYPES.get(str(dtype)) if dtype else None
    model_type = str(cfg.get("model_type") or (config or {}).get("model_type") or "")
    kv = _first(cfg, "num_key_value_heads", "num_kv_heads")
    if kv is None and cfg.get("multi_query"):
        kv = 1
    layers = _first(cfg, "num_hidden_layers", "n_layer", "num_layers")
    window, windowed = sliding(cfg, layers)
    return ModelFacts(
        model_id=str(data.get("id") or model_id),
        params=params,
        params_source=source,
        stored_dtype=dtype or dominant,
        dtype_source="config" if dtype else ("safetensors" if dominant else None),
        stored_bytes=exact,
        context_window=_first(cfg, "max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
        num_layers=layers,
        hidden_size=_first(cfg, "hidden_size", "n_embd", "d_model"),
        num_attention_heads=_first(cfg, "num_attention_heads", "n_head", "num_heads"),
        num_kv_heads=kv,
        head_dim=_first(cfg, "head_dim"),
        num_experts=_first(cfg, "num_local_experts", "num_experts", "n_routed_experts"),
        experts_per_token=_first(cfg, "num_experts_per_tok", "num_experts_per_token"),
        encoder_only=model_type in ENCODER_TYPES,
        sliding_window=window,
        sliding_layers=windowed,
        kv_lora_rank=_first(cfg, "kv_lora_rank"),
        qk_rope_head_dim=_first(cfg, "qk_rope_head_dim") if _first(cfg, "kv_lora_rank") else None,
        quant_method=quant[0] if quant else None,
        quant_bits=quant[1] if quant else None,
        notes=tuple(notes),
    )


def sliding(cfg: dict[str, Any], layers: int | None) -> tuple[int | None, int | None]:
    """(window, how many layers use it) from a config, or (None, None) when every layer caches all tokens.

    `layer_types` (recent transformers configs) names each layer; otherwise Gemma-2 alternates (even layers
    slide, `Gemma2DecoderLayer`), Gemma-3 slides 5 of every `sliding_window_pattern` (6) layers, and
    Mistral-style configs with a `sliding_window` slide on every layer. Qwen2-style configs slide only
    with `use_sliding_window: true`, on the layers from `max_window_layers` on.
    """
    window = _first(cfg, "sliding_window", "attention_window")
    if window is None or not layers:
        return None, None
    model_type = str(cfg.get("model_type") or "")
    types = cfg.get("layer_types")
    if isinstance(types, list) and types:
        count = sum(1 for t in types if str(t) == "sliding_attention")
    elif model_type == "gemma2":
        count = (layers + 1) // 2
    elif model_type.startswith("gemma3"):
        pattern = _first(cfg, "sliding_window_pattern") or 6
        count = layers - layers // pattern
    elif "use_sliding_window" in cfg:
        if not cfg.get("use_sliding_window"):
            return None, None
        count = layers - min(layers, _first(cfg, "max_window_layers") or 0)
    else:
        count = layers
    return (window, count) if count else (None, None)


def quantization(config: dict[str, Any]) -> tuple[str, float] | None:
    """(method, bits per weight) from `config.quantization_config`: GPTQ/AWQ `bits`, bitsandbytes
    `load_in_4bit`/`load_in_8bit`, fp8 (8), compressed-tensors `config_groups.*.weights.num_bits`."""
    qc = config.get("quantization_config") or _text_config(config).get("quantization_config")
    if not isinstance(qc, dict):
        return None
    method = str(qc.get("quant_method") or "unknown").lower()
    bits: Any = qc.get("bits") or qc.get("w_bit") or qc.get("weight_bits")
    if method == "bitsandbytes" or "load_in_4bit" in qc or "load_in_8bit" in qc:
        method = "bitsandbytes"
        bits = 4 if qc.get("load_in_4bit") else 8 if qc.get("load_in_8bit") else bits
    elif method in ("fp8", "fbgemm_fp8"):
        bits = 8
    elif method == "compressed-tensors":
        for group in (qc.get("config_groups") or {}).values():
            weights = group.get("weights") if isinstance(group, dict) else None
            if isinstance(weights, dict) and weights.get("num_bits"):
                bits = weights["num_bits"]
                break
    return (method, float(bits)) if isinstance(bits, int | float) and bits > 0 else (method, 16.0)
