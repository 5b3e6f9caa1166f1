"""Open alternatives to a blocked model: registry models of the same type and a similar size, never a copy
of gated weights. Pure: the caller (check/extras.py) confirms each candidate on the Hub."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from hubgate.registry.kinds import ModelType, Provider, Relation
from hubgate.registry.summary import EntrySummary, RegistrySummary

# Chat and instruct models answer the same need ("an assistant"), so each may replace the other.
_TYPE_GROUPS = {
    ModelType.chat: "assistant",
    ModelType.instruct: "assistant",
}
# Similar size: within this factor either way of the blocked model's parameter count.
MAX_SIZE_RATIO = 3.0
MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Blocked:
    """What the alternatives are matched on: the blocked model's type, size and, when known, whether it is
    a decoder-only (causal LM) model, so that an encoder-decoder such as Flan-T5 never stands in for one."""

    model_id: str
    type_group: str | None
    parameters: int | None
    causal: bool | None = None


_IT_SUFFIX = re.compile(r"(^|[-_.])(it|instruct|chat)($|[-_.])")


def is_causal(architecture: str | None) -> bool | None:
    return None if not architecture else architecture.endswith("ForCausalLM")


def type_group(model_type: ModelType | str) -> str:
    kind = ModelType(model_type)
    return _TYPE_GROUPS.get(kind, kind.value)


def describe_blocked(
    registry: RegistrySummary, model_id: str, hub_parameters: int | None, hub_config: dict[str, Any] | None
) -> Blocked:
    """Type and size from the registry, else from the Hub's safetensors count and a guess from the id
    and config (an id naming instruct/chat/-it, or a causal-LM architecture)."""
    architectures = [str(a) for a in (hub_config or {}).get("architectures") or []]
    hub_causal = is_causal(architectures[0]) if architectures else None
    entry = registry.get(model_id)
    if entry is not None:
        causal = is_causal(entry.specs.architecture)
        return Blocked(
            entry.model_id,
            type_group(entry.type),
            entry.specs.parameters or hub_parameters,
            causal if causal is not None else hub_causal,
        )
    name = model_id.rpartition("/")[2].lower()
    group: str | None = None
    if _IT_SUFFIX.search(name):
        group = "assistant"
    elif hub_causal:
        group = ModelType.completion.value
    return Blocked(model_id, group, hub_parameters, hub_causal)


def _reupload_of_gated(registry: RegistrySummary, entry: EntrySummary, blocked_id: str) -> bool:
    """A copy of gated weights (quantization or re-upload of a gated base, or anything built on the
    blocked model itself) is never an alternative."""
    if entry.base_id is None:
        return False
    if entry.base_id.lower() == blocked_id.lower():
        return True
    if entry.base_relation in (Relation.quantized, Relation.adapter):
        base_entry = registry.get(entry.base_id)
        return base_entry is None or base_entry.gated not in (False, None)
    return False


def alternative_candidates(
    registry: RegistrySummary, blocked: Blocked, limit: int = 2 * MAX_ALTERNATIVES
) -> list[str]:
    """Registry models that may stand in for a blocked one: Hub models not gated as last seen, of the same
    type group, within MAX_SIZE_RATIO of its size, closest size first. The caller confirms each on the Hub."""
    if blocked.type_group is None or not blocked.parameters:
        return []
    scored: list[tuple[float, str]] = []
    for model_id, entry in registry.models.items():
        params = entry.specs.parameters
        if (
            entry.provider is not Provider.huggingface
            or model_id.lower() == blocked.model_id.lower()
            or entry.gated not in (False, None)
            or type_group(entry.type) != blocked.type_group
            or not params
            or _reupload_of_gated(registry, entry, blocked.model_id)
            or (
                None not in (blocked.causal, is_causal(entry.specs.architecture))
                and blocked.causal != is_causal(entry.specs.architecture)
            )
        ):
            continue
        distance = abs(math.log(params / blocked.parameters))
        if distance <= math.log(MAX_SIZE_RATIO):
            scored.append((distance, model_id))
    return [model_id for _, model_id in sorted(scored)[:limit]]
