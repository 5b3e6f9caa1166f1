"""Base models from card data: what a model derives from, and which bases it needs at load time. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hubgate.hub.answers import RepoFacts

# Only adapters load their base's weights; merges, quantizations and full fine-tunes carry their own.
BLOCKING_RELATIONS = frozenset({"adapter"})
KNOWN_RELATIONS = frozenset({"adapter", "quantized", "merge", "finetune"})
MAX_DEPTH = 5
MAX_BASES = 12
_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin")


@dataclass(frozen=True)
class BaseLink:
    base_id: str
    relation: str


def base_links(facts: RepoFacts, extra: Sequence[tuple[str, str]] = ()) -> list[BaseLink]:
    """The bases a repo names in its card data `base_model`, with the relation from
    `base_model_relation`, else inferred: adapter files mean an adapter, several bases a merge,
    otherwise a fine-tune. Then `extra` (base id, relation) pairs the registry records that the card
    does not name."""
    raw = facts.card_data.get("base_model")
    names = (
        [raw]
        if isinstance(raw, str)
        else [b for b in raw if isinstance(b, str)]
        if isinstance(raw, list)
        else []
    )
    names = list(
        dict.fromkeys(name.strip() for name in names if name and name.strip() and name.strip() != facts.id)
    )
    relation = facts.card_data.get("base_model_relation")
    if relation not in KNOWN_RELATIONS:
        if any(name in facts.siblings for name in _ADAPTER_FILES):
            relation = "adapter"
        elif len(names) > 1:
            relation = "merge"
        else:
            relation = "finetune"
    links = [BaseLink(name, str(relation)) for name in names]
    named = {name.lower() for name in names} | {facts.id.lower()}
    for base_id, base_relation in extra:
        if base_id.lower() not in named and base_relation in KNOWN_RELATIONS:
            named.add(base_id.lower())
            links.append(BaseLink(base_id, base_relation))
    return links
