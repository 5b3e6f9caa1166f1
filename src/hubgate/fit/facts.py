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
    """The attributes of a registry entry's `specs` that the estimate reads (any may be None)."""

    parameters: int | None
    context_window: int | None
    num_layers: int | None
    hidden_size: int | None
    num_attention_heads: int | None
    num_kv_heads: int | None
    head_dim: int | None
    num_experts: int | None
    experts_per_token: int | None
    torch_dtype: str | None


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


def facts_from_registry(model_id: str, specs: RegistrySpecs, model_type: str | None = None) -> ModelFacts:
    """A registry entry's specs (hubgate.registry's `ModelEntry.specs`, or any object with those attributes)."""

    def get(name: str) -> Any:
        return getattr(specs, name, None)

    params = get("parameters")
    dtype = get("torch_dtype")
    return ModelFacts(
        model_id=model_id,
        params=params,
        params_source="registry" if params else None,
        stored_dtype=_TORCH_DTYPES.get(str(dtype)) if dtype else None,
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


def registry_facts(model_id: str, registry: Any = None) -> tuple[ModelFacts | None, str | None]:
    """The registry's facts on `model_id` and its canonical id, or (None, None) when the registry does not
    know the model or is not available (not built yet, or its data has problems)."""
    try:
        from hubgate.registry import get_model_info
    except ImportError:
        return None, None
    try:
        entry = get_model_info(model_id, registry) if registry is not None else get_model_info(model_id)
    except Exception:  # the registry's own errors (bad data files) must not break a fit
        return None, None
    if entry is None or getattr(entry, "specs", None) is None:
        return None, None
    kind = getattr(entry, "type", None)
    kind = getattr(kind, "value", kind)
    canonical = str(getattr(entry, "model_id", model_id))
    return facts_from_registry(canonical, entry.specs, kind), canonical


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
        norms = 2 * hidden + (2 * head_dim if model_type in ("qwen3", "qwen3_moe") else 0)
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


def facts_from_metadata(model_id: str, body: Any) -> ModelFacts | None:
    """The Hub's model JSON (`safetensors`, `config`) to facts; None when it has neither."""
    data = body if isinstance(body, dict) else {}
    safetensors = data.get("safetensors")
    config = data.get("config") if isinstance(data.get("config"), dict) else None
    if safetensors is None and config is None:
        return None
    cfg = _text_config(config or {})
    notes: list[str] = []
    params, exact, dominant = params_from_safetensors(safetensors)
    source = "safetensors" if params else None
    if config and (config.get("quantization_config") or cfg.get("quantization_config")):
        notes.append(
            "pre-quantized checkpoint: the safetensors counts are of packed tensors, so the parameter "
            "count understates the model; the published size is the better figure"
        )
    if params is None and config is not None:
        params, why = params_from_config(config)
        if params:
            source = "config"
            notes.append("parameter count computed from the config's shapes (no safetensors metadata)")
        elif why:
            notes.append(f"parameter count unknown: {why}")
    dtype = cfg.get("torch_dtype") or cfg.get("dtype") or (config or {}).get("torch_dtype")
    model_type = str(cfg.get("model_type") or (config or {}).get("model_type") or "")
    kv = _first(cfg, "num_key_value_heads", "num_kv_heads")
    if kv is None and cfg.get("multi_query"):
        kv = 1
    return ModelFacts(
        model_id=str(data.get("id") or model_id),
        params=params,
        params_source=source,
        stored_dtype=_TORCH_DTYPES.get(str(dtype)) if dtype else dominant,
        stored_bytes=exact,
        context_window=_first(cfg, "max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
        num_layers=_first(cfg, "num_hidden_layers", "n_layer", "num_layers"),
        hidden_size=_first(cfg, "hidden_size", "n_embd", "d_model"),
        num_attention_heads=_first(cfg, "num_attention_heads", "n_head", "num_heads"),
        num_kv_heads=kv,
        head_dim=_first(cfg, "head_dim"),
        num_experts=_first(cfg, "num_local_experts", "num_experts", "n_routed_experts"),
        experts_per_token=_first(cfg, "num_experts_per_tok", "num_experts_per_token"),
        encoder_only=model_type in ENCODER_TYPES,
        notes=tuple(notes),
    )
