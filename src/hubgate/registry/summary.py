"""The registry as a check reads it: each entry's names and the facts a verdict carries, without pydantic.

Validating the YAML needs the schema (pydantic: about 0.12 s to import and build), but a check needs only
names, a licence, a size, a base. So the summary of a registry that validated without a problem is kept on
disk, keyed by its folders and their files' times and sizes, and read back without the schema while no
file changed. A registry with problems is never kept: its warning must show on every run, and the next
run validates again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubgate.keep import read_kept, write_kept
from hubgate.paths import Problem
from hubgate.registry.disk_cache import cache_file, registry_cache_dir, signature
from hubgate.registry.folders import registry_files, registry_layers
from hubgate.registry.kinds import AccessMethod, ModelType, Provider, Relation
from hubgate.registry.names import NamedEntries

if TYPE_CHECKING:
    from hubgate.registry.index import Registry
    from hubgate.registry.schema import ModelEntry


@dataclass(frozen=True, kw_only=True)
class SpecsSummary:
    """The specs a GPU fit and the alternatives read (hubgate.fit reads them by name)."""

    parameters: int | None = None
    context_window: int | None = None
    architecture: str | None = None
    torch_dtype: str | None = None
    num_layers: int | None = None
    hidden_size: int | None = None
    num_attention_heads: int | None = None
    num_kv_heads: int | None = None
    head_dim: int | None = None
    num_experts: int | None = None
    experts_per_token: int | None = None


@dataclass(frozen=True, kw_only=True)
class EntrySummary:
    """One validated entry, as a check reads it."""

    model_id: str
    name: str
    provider: Provider
    type: ModelType
    access_method: AccessMethod
    family: str | None = None
    aliases: tuple[str, ...] = ()
    legacy_ids: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    license_id: str | None = None
    license_name: str | None = None
    commercial_use: str | None = None
    gated: bool | str | None = None  # False, "auto", "manual", or None: never recorded
    gated_seen: str | None = None  # ISO date
    api_url: str | None = None
    base_id: str | None = None
    base_relation: Relation | None = None
    specs: SpecsSummary = field(default_factory=SpecsSummary)

    def names(self) -> list[str]:
        """The id and every other name that resolves to it."""
        return [self.model_id, *self.legacy_ids, *self.aliases]


@dataclass
class RegistrySummary(NamedEntries[EntrySummary]):
    """Entries by model_id, with the names that resolve to them; `problems` of the registry it summarises
    (their entries are left out)."""

    models: dict[str, EntrySummary]
    problems: list[Problem] = field(default_factory=list)


def summary_of(entry: ModelEntry) -> EntrySummary:
    licence, base, specs = entry.license, entry.base_model, entry.specs
    return EntrySummary(
        model_id=entry.model_id,
        name=entry.name,
        provider=entry.provider,
        type=entry.type,
        access_method=entry.access_method,
        family=entry.family,
        aliases=tuple(entry.aliases),
        legacy_ids=tuple(entry.legacy_ids),
        misspellings=tuple(entry.misspellings),
        license_id=licence.id if licence else None,
        license_name=licence.name if licence else None,
        commercial_use=licence.commercial_use if licence else None,
        gated=entry.gated,
        gated_seen=entry.gated_seen.isoformat() if entry.gated_seen else None,
        api_url=entry.api_endpoint.url if entry.api_endpoint else None,
        base_id=base.id if base else None,
        base_relation=base.relation if base else None,
        specs=SpecsSummary(**{spec.name: getattr(specs, spec.name) for spec in fields(SpecsSummary)}),
    )


def summarize(registry: Registry) -> RegistrySummary:
    """The summary of a loaded registry, its problems with it."""
    return RegistrySummary(
        {mid: summary_of(entry) for mid, entry in registry.models.items()}, list(registry.problems)
    )


def load_summary(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    bundled: bool = True,
    env: bool = True,
    cache_dir: Path | bool | None = True,
) -> RegistrySummary:
    """The summary of the bundled registry, HUBGATE_REGISTRY's folders and `paths`, merged as
    `load_registry` merges them; entries with problems are left out and the problems kept. From the cache
    when it was kept for these folders and no file in them changed; `cache_dir` as for `load_registry`."""
    layers = registry_layers(paths, bundled=bundled, env=env)
    cache = registry_cache_dir() if cache_dir is True else (cache_dir or None)
    where: Path | None = None
    rows: list[list[Any]] = []
    if cache is not None:
        # A folder's presence is part of the key: one deleted since must be reported, not read from here.
        rows = [
            [str(layer.resolve()), layer.is_dir(), signature(registry_files(layer) if layer.is_dir() else [])]
            for layer in layers
        ]
        where = cache_file(cache, "summary", "|".join(str(layer.resolve()) for layer in layers))
        cached = read_kept(where, rows)
        if cached is not None:
            try:
                return RegistrySummary({item["model_id"]: _from_json(item) for item in cached})
            except (TypeError, ValueError, KeyError, AttributeError):
                pass  # written by another build of the same version: validate again
    from hubgate.registry.loader import load_registry  # the schema, only when the cache cannot answer

    loaded = load_registry(paths, bundled=bundled, env=env, strict=False, cache_dir=cache or False)
    summary = summarize(loaded)
    if where is not None and not summary.problems:
        write_kept(where, rows, [asdict(entry) for entry in summary.models.values()])
    return summary


def _from_json(item: dict[str, Any]) -> EntrySummary:
    relation = item["base_relation"]
    values = item | {
        "provider": Provider(item["provider"]),
        "type": ModelType(item["type"]),
        "access_method": AccessMethod(item["access_method"]),
        "aliases": tuple(item["aliases"]),
        "legacy_ids": tuple(item["legacy_ids"]),
        "misspellings": tuple(item["misspellings"]),
        "base_relation": Relation(relation) if relation is not None else None,
        "specs": SpecsSummary(**item["specs"]),
    }
    return EntrySummary(**values)
