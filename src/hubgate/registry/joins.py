"""What the registry adds to an access check: aliases as inputs, facts beside each verdict, did-you-mean
from recorded misspellings, registry base models, and open alternatives to a blocked model. Pure: a
loaded Registry in, plain data out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from hubgate.registry.index import Registry
from hubgate.registry.schema import ModelEntry, ModelType, Provider, Relation
from hubgate.verdicts.verdict import Status, Verdict

# Chat and instruct models answer the same need ("an assistant"), so each may replace the other.
_TYPE_GROUPS = {
    ModelType.chat: "assistant",
    ModelType.instruct: "assistant",
}
# Similar size: within this factor either way of the blocked model's parameter count.
MAX_SIZE_RATIO = 3.0
MAX_ALTERNATIVES = 3


def input_aliases(registry: Registry) -> dict[str, str]:
    """Short names (mistral_7b), lower-cased -> Hub model_id, for `sources.parse_entries(aliases=...)`.
    Legacy ids (gpt2) are left to the Hub, which redirects them and so shows what was asked; API models
    (provider openai) have no Hub repo to check."""
    return {
        alias.lower(): model_id
        for model_id, entry in registry.models.items()
        if entry.provider is Provider.huggingface
        for alias in entry.aliases
    }


def entry_for(registry: Registry, *names: str | None) -> ModelEntry | None:
    """The entry the first of `names` (canonical id, requested id, raw input) that the registry knows."""
    for name in names:
        if name and (entry := registry.get(name)) is not None:
            return entry
    return None


def registry_json(entry: ModelEntry) -> dict[str, Any]:
    """The facts a check report carries beside a verdict (JSON `registry`)."""
    licence = entry.license
    return {
        "model_id": entry.model_id,
        "name": entry.name,
        "provider": entry.provider.value,
        "type": entry.type.value,
        "family": entry.family,
        "parameters": entry.specs.parameters,
        "context_window": entry.specs.context_window,
        "license": licence.id if licence else None,
        "license_name": licence.name if licence else None,
        "commercial_use": licence.commercial_use if licence else None,
        "gated": entry.gated,
        "gated_seen": entry.gated_seen.isoformat() if entry.gated_seen else None,
        "access_method": entry.access_method.value,
    }


def with_registry(verdict: Verdict, entry: ModelEntry | None) -> Verdict:
    """Attach the registry's facts; for an API model's name (gpt-4), say where it is served instead."""
    if entry is None:
        return verdict
    update: dict[str, Any] = {"registry": registry_json(entry)}
    hint = api_model_hint(entry)
    if hint is not None and verdict.status == Status.NOT_FOUND:
        update["message"] = f"{verdict.message} ({hint})"
        update["next_step"] = (
            f"Call it through the {entry.provider.value} API"
            + (f" ({entry.api_endpoint.url})" if entry.api_endpoint else "")
            + ", or check a Hugging Face model instead."
        )
    return verdict.model_copy(update=update)


def misspelling_suggestions(registry: Registry, repo_id: str) -> list[str]:
    """Ids a `not-found` id probably meant, from the registry: a recorded misspelling's model, then close
    Hub ids and names of the registry (API models left out: they are not Hub repos)."""
    from hubgate.verdicts.suggest import rank

    found: list[str] = []
    meant = registry.misspelling_of(repo_id)
    if meant:
        found.append(meant)
    hub_ids = [
        model_id for model_id, entry in registry.models.items() if entry.provider is Provider.huggingface
    ]
    found += [close for close in rank(repo_id, hub_ids) if close not in found]
    return found


def api_model_hint(entry: ModelEntry) -> str | None:
    """For an id that names an API model (gpt-4): where it is served instead of the Hub."""
    if entry.provider is Provider.huggingface:
        return None
    where = f" at {entry.api_endpoint.url}" if entry.api_endpoint else ""
    return f"{entry.model_id} is an {entry.provider.value} API model{where}, not a Hugging Face repo."


def registry_bases(registry: Registry, model_id: str) -> list[tuple[str, str]]:
    """(base id, relation) the registry records for `model_id`, beside the Hub's card data."""
    entry = registry.get(model_id)
    if entry is None or entry.base_model is None:
        return []
    return [(entry.base_model.id, entry.base_model.relation.value)]


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
    registry: Registry, model_id: str, hub_parameters: int | None, hub_config: dict[str, Any] | None
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


def _reupload_of_gated(registry: Registry, entry: ModelEntry, blocked_id: str) -> bool:
    """A copy of gated weights (quantization or re-upload of a gated base, or anything built on the
    blocked model itself) is never an alternative."""
    base = entry.base_model
    if base is None:
        return False
    if base.id.lower() == blocked_id.lower():
        return True
    if base.relation in (Relation.quantized, Relation.adapter):
        base_entry = registry.get(base.id)
        return base_entry is None or base_entry.gated not in (False, None)
    return False


def alternative_candidates(
    registry: Registry, blocked: Blocked, limit: int = 2 * MAX_ALTERNATIVES
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
