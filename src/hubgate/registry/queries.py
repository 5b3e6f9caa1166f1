"""Queries over the registry, named as the seed registry offers them, plus the filters of `registry list`.

Each function takes an optional `registry`; without one it uses the default registry (bundled, then
HUBGATE_REGISTRY's folders), loaded once on first use.
"""

from __future__ import annotations

import difflib
import re
import threading
from typing import Any

from hubgate.registry.index import Registry
from hubgate.registry.kinds import AccessMethod, ModelType, Provider
from hubgate.registry.loader import load_registry
from hubgate.registry.schema import ModelEntry

_LOCK = threading.Lock()
_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The bundled registry merged with HUBGATE_REGISTRY's folders; loaded once, raises RegistryError."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = load_registry()
    return _DEFAULT


def set_default_registry(registry: Registry | None) -> None:
    """Replace the default registry (None: load it again on next use)."""
    global _DEFAULT
    with _LOCK:
        _DEFAULT = registry


def _reg(registry: Registry | None) -> Registry:
    return registry if registry is not None else default_registry()


def get_model_info(model_id: str, registry: Registry | None = None) -> ModelEntry | None:
    """The entry an id, legacy id (gpt2) or alias (mistral_7b) names, case-insensitively; else None.
    A recorded misspelling is not resolved: see `misspellings_map` / `suggest`."""
    return _reg(registry).get(model_id)


def resolve_alias_map(registry: Registry | None = None) -> dict[str, str]:
    """Alias or legacy id (as written in the registry) -> model_id, e.g. {'gpt2': 'openai-community/gpt2'}."""
    return _reg(registry).alias_map()


def misspellings_map(registry: Registry | None = None) -> dict[str, str]:
    """Ids that documents wrote but that do not exist on the Hub -> the model_id that was meant."""
    return _reg(registry).misspellings_map()


def list_models_by_provider(provider: str | Provider, registry: Registry | None = None) -> list[ModelEntry]:
    wanted = Provider(str(provider).lower())
    return [entry for entry in _reg(registry).models.values() if entry.provider is wanted]


def list_models_by_type(model_type: str | ModelType, registry: Registry | None = None) -> list[ModelEntry]:
    wanted = ModelType(str(model_type).lower())
    return [entry for entry in _reg(registry).models.values() if entry.type is wanted]


def get_free_models(registry: Registry | None = None) -> list[ModelEntry]:
    """Models whose cost says there is a free tier."""
    return [
        entry for entry in _reg(registry).models.values() if entry.cost is not None and entry.cost.free_tier
    ]


def get_local_models(registry: Registry | None = None) -> list[ModelEntry]:
    """Models whose weights can be run locally (access_method local or both)."""
    return [
        entry
        for entry in _reg(registry).models.values()
        if entry.access_method in (AccessMethod.local, AccessMethod.both)
    ]


def search_models(text: str, registry: Registry | None = None) -> list[ModelEntry]:
    """Entries where every word of `text` occurs (case-insensitively) in the id, a name, the family,
    description, use cases, tags, type or licence; those matching in an id or name come first."""
    words = [word for word in re.split(r"\s+", text.lower().strip()) if word]
    if not words:
        return []
    ranked: list[tuple[int, str, ModelEntry]] = []
    for entry in _reg(registry).models.values():
        names = " ".join([*entry.names(), entry.name]).lower()
        other = " ".join(
            [
                entry.family or "",
                entry.description or "",
                *entry.use_cases,
                *entry.tags,
                entry.type.value,
                entry.license.id or "" if entry.license else "",
                entry.license.name or "" if entry.license else "",
                entry.specs.architecture or "",
            ]
        ).lower()
        if all(word in names or word in other for word in words):
            score = sum(word in names for word in words)
            ranked.append((-score, entry.model_id.lower(), entry))
    return [entry for *_, entry in sorted(ranked, key=lambda item: item[:2])]


def suggest(name: str, registry: Registry | None = None, limit: int = 3) -> list[str]:
    """What `name` probably meant: a recorded misspelling's model first, then close ids and aliases."""
    reg = _reg(registry)
    found: list[str] = []
    meant = reg.misspelling_of(name)
    if meant:
        found.append(meant)
    names = {candidate.lower(): candidate for candidate in reg.all_names()}
    for close in difflib.get_close_matches(name.lower(), list(names), n=limit * 2, cutoff=0.6):
        model_id = reg.resolve(names[close])
        label = names[close] if model_id == names[close] else f"{names[close]} ({model_id})"
        if model_id not in found and label not in found:
            found.append(label)
    return found[:limit]


def export_to_dict(registry: Registry | None = None, *, include_empty: bool = False) -> dict[str, Any]:
    """model_id -> the entry as JSON-ready data (unknown facts left out unless include_empty)."""
    return {
        model_id: entry.model_dump(mode="json", exclude_none=not include_empty)
        for model_id, entry in _reg(registry).models.items()
    }


_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$")
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


def parse_size(text: str) -> int:
    """A parameter count from 7B, 500M, 1.5e9, 7000000000 (ValueError otherwise)."""
    match = _SIZE.match(text.replace("_", "").replace(",", ""))
    if not match:
        raise ValueError(f"{text!r} is not a size such as 7B, 500M or 1.5e9")
    value = float(match.group(1)) * _SCALE[match.group(2).lower()]
    if value <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return round(value)


# `--gated` words -> the `gated` values they select ("yes" is either gate mode, "unknown" never recorded).
GATED_CHOICES: dict[str, set[Any]] = {
    "no": {False},
    "false": {False},
    "open": {False},
    "auto": {"auto"},
    "manual": {"manual"},
    "yes": {"auto", "manual"},
    "true": {"auto", "manual"},
    "any": {"auto", "manual"},
    "unknown": {None},
}


def parse_filters(
    *,
    provider: str | None = None,
    model_type: str | None = None,
    family: str | None = None,
    license_id: str | None = None,
    gated: str | None = None,
    max_params: str | None = None,
    min_params: str | None = None,
) -> dict[str, Any]:
    """`filter_models`' keyword arguments from words (sizes such as 7B); ValueError naming the filter as its
    option does, without the dashes (`max-params '7X' is not a size ...`)."""
    check_choices(provider, model_type, gated)
    sizes: dict[str, int | None] = {}
    for name, text in (("max-params", max_params), ("min-params", min_params)):
        try:
            sizes[name] = parse_size(text) if text is not None else None
        except ValueError as exc:
            raise ValueError(f"{name} {exc}") from None
    return {
        "provider": provider,
        "model_type": model_type,
        "family": family,
        "license_id": license_id,
        "gated": gated,
        "max_params": sizes["max-params"],
        "min_params": sizes["min-params"],
    }


def check_choices(provider: str | None, model_type: str | None, gated: str | None) -> None:
    """UnknownWord naming the filter (`provider 'x': use one of ...`) for a choice no entry can have."""
    from hubgate.inputs.words import UnknownWord

    given = {  # filter: (value, the words shown, every word accepted)
        "provider": (provider, [p.value for p in Provider], {p.value for p in Provider}),
        "type": (model_type, [t.value for t in ModelType], {t.value for t in ModelType}),
        "gated": (gated, ["no", "auto", "manual", "yes", "unknown"], set(GATED_CHOICES)),
    }
    for name, (value, shown, accepted) in given.items():
        if value is not None and value.lower() not in accepted:
            raise UnknownWord(f"{name} {value!r}: use one of {', '.join(shown)}", value, accepted)


def filter_models(
    registry: Registry | None = None,
    *,
    provider: str | None = None,
    model_type: str | None = None,
    family: str | None = None,
    license_id: str | None = None,
    gated: str | None = None,
    max_params: int | None = None,
    min_params: int | None = None,
) -> list[ModelEntry]:
    """Entries matching every filter given (case-insensitively); models whose size is unknown are left out
    by a size bound. ValueError for an unknown choice (see `check_choices`)."""
    check_choices(provider, model_type, gated)
    sized = max_params is not None or min_params is not None
    found = []
    for entry in _reg(registry).models.values():
        licence = (entry.license.id or "").lower() if entry.license else None
        params = entry.specs.parameters
        if (
            (provider and entry.provider.value != provider.lower())
            or (model_type and entry.type.value != model_type.lower())
            or (family and (entry.family or "").lower() != family.lower())
            or (license_id and licence != license_id.lower())
            or (gated and entry.gated not in GATED_CHOICES[gated.lower()])
            or (sized and params is None)
            or (max_params is not None and params is not None and params > max_params)
            or (min_params is not None and params is not None and params < min_params)
        ):
            continue
        found.append(entry)
    return found
