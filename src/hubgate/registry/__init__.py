"""The model registry: facts about models as validated data, one YAML file per model.

    from hubgate.registry import get_model_info, ALL_MODELS
    get_model_info("gpt2").specs.parameters       # legacy ids and aliases resolve, case-insensitively

Importing this package is light: the schema (pydantic) and YAML load on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

_LAZY = {
    "get_model_info": "queries",
    "list_models_by_provider": "queries",
    "list_models_by_type": "queries",
    "search_models": "queries",
    "get_free_models": "queries",
    "get_local_models": "queries",
    "export_to_dict": "queries",
    "resolve_alias_map": "queries",
    "misspellings_map": "queries",
    "suggest": "queries",
    "parse_size": "queries",
    "default_registry": "queries",
    "set_default_registry": "queries",
    "load_registry": "loader",
    "Registry": "index",
    "RegistryError": "loader",
    "Problem": "loader",
    "Override": "index",
    "ModelEntry": "schema",
    "ModelType": "kinds",
    "Provider": "kinds",
    "AccessMethod": "kinds",
}

__all__ = [
    "ALL_MODELS",
    "AccessMethod",
    "ModelEntry",
    "ModelType",
    "Override",
    "Problem",
    "Provider",
    "Registry",
    "RegistryError",
    "default_registry",
    "export_to_dict",
    "get_free_models",
    "get_local_models",
    "get_model_info",
    "list_models_by_provider",
    "list_models_by_type",
    "load_registry",
    "misspellings_map",
    "parse_size",
    "resolve_alias_map",
    "search_models",
    "set_default_registry",
    "suggest",
]

if TYPE_CHECKING:
    from hubgate.registry.index import Override, Registry
    from hubgate.registry.kinds import AccessMethod, ModelType, Provider
    from hubgate.registry.loader import Problem, RegistryError, load_registry
    from hubgate.registry.queries import (
        default_registry,
        export_to_dict,
        get_free_models,
        get_local_models,
        get_model_info,
        list_models_by_provider,
        list_models_by_type,
        misspellings_map,
        parse_size,
        resolve_alias_map,
        search_models,
        set_default_registry,
        suggest,
    )
    from hubgate.registry.schema import ModelEntry


class _AllModels(Mapping[str, Any]):
    """model_id -> entry of the default registry, loaded on first access."""

    def _models(self) -> Mapping[str, Any]:
        from hubgate.registry.queries import default_registry

        return default_registry().models

    def __getitem__(self, key: str) -> Any:
        return self._models()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._models())

    def __len__(self) -> int:
        return len(self._models())

    def __repr__(self) -> str:
        return "<hubgate.registry.ALL_MODELS (loaded on first use)>"


ALL_MODELS: Mapping[str, Any] = _AllModels()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"hubgate.registry.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'hubgate.registry' has no attribute {name!r}")
