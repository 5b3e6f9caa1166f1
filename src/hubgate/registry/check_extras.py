"""What the registry adds to an access check (its extras): aliases as inputs, facts beside each verdict,
did-you-mean from recorded misspellings and registry base models. Pure: the registry's summary in, plain
data out. Open alternatives to a blocked model are in registry/alternatives.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubgate.registry.kinds import Provider
from hubgate.registry.summary import EntrySummary, RegistrySummary
from hubgate.verdicts.verdict import Status, Verdict


def input_aliases(registry: RegistrySummary) -> dict[str, str]:
    """Short names (mistral_7b), lower-cased -> Hub model_id, for `sources.parse_entries(aliases=...)`.
    Legacy ids (gpt2) are left to the Hub, which redirects them and so shows what was asked; API models
    (provider openai) have no Hub repo to check."""
    return {
        alias.lower(): model_id
        for model_id, entry in registry.models.items()
        if entry.provider is Provider.huggingface
        for alias in entry.aliases
    }


def entry_for(registry: RegistrySummary, *names: str | None) -> EntrySummary | None:
    """The entry the first of `names` (canonical id, requested id, raw input) that the registry knows."""
    for name in names:
        if name and (entry := registry.get(name)) is not None:
            return entry
    return None


def registry_json(entry: EntrySummary) -> dict[str, Any]:
    """The facts a check report carries beside a verdict (JSON `registry`)."""
    return {
        "model_id": entry.model_id,
        "name": entry.name,
        "provider": entry.provider.value,
        "type": entry.type.value,
        "family": entry.family,
        "parameters": entry.specs.parameters,
        "context_window": entry.specs.context_window,
        "license": entry.license_id,
        "license_name": entry.license_name,
        "commercial_use": entry.commercial_use,
        "gated": entry.gated,
        "gated_seen": entry.gated_seen,
        "access_method": entry.access_method.value,
    }


def with_registry(verdict: Verdict, entry: EntrySummary | None) -> Verdict:
    """Attach the registry's facts; for an API model's name (gpt-4), say where it is served instead."""
    if entry is None:
        return verdict
    update: dict[str, Any] = {"registry": registry_json(entry)}
    hint = api_model_hint(entry)
    if hint is not None and verdict.status == Status.NOT_FOUND:
        update["message"] = f"{verdict.message} ({hint})"
        update["next_step"] = (
            f"Call it through the {entry.provider.value} API"
            + (f" ({entry.api_url})" if entry.api_url else "")
            + ", or check a Hugging Face model instead."
        )
    return replace(verdict, **update)


def misspelling_suggestions(registry: RegistrySummary, repo_id: str) -> list[str]:
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


def api_model_hint(entry: EntrySummary) -> str | None:
    """For an id that names an API model (gpt-4): where it is served instead of the Hub."""
    if entry.provider is Provider.huggingface:
        return None
    where = f" at {entry.api_url}" if entry.api_url else ""
    return f"{entry.model_id} is an {entry.provider.value} API model{where}, not a Hugging Face repo."


def registry_bases(registry: RegistrySummary, model_id: str) -> list[tuple[str, str]]:
    """(base id, relation) the registry records for `model_id`, beside the Hub's card data."""
    entry = registry.get(model_id)
    if entry is None or entry.base_id is None or entry.base_relation is None:
        return []
    return [(entry.base_id, entry.base_relation.value)]
