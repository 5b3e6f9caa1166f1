"""The loaded registry: validated entries by model_id, the file each came from, what overrides what, and the
index of names (ids, legacy ids, aliases, recorded misspellings) that resolve to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hubgate.paths import Problem
from hubgate.registry.names import NamedEntries
from hubgate.registry.schema import ModelEntry


@dataclass(frozen=True)
class Override:
    model_id: str
    replaced: Path
    by: Path

    def __str__(self) -> str:
        return f"{self.model_id}: {self.by} overrides {self.replaced}"


@dataclass
class Registry(NamedEntries[ModelEntry]):
    """Validated entries by model_id, with the file each came from and the names that resolve to them."""

    models: dict[str, ModelEntry]
    files: dict[str, Path]
    layers: list[Path] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def alias_map(self) -> dict[str, str]:
        """Every alias and legacy id, as written in the registry, -> its model_id."""
        return {
            name: model_id
            for model_id, entry in self.models.items()
            for name in (*entry.legacy_ids, *entry.aliases)
        }

    def misspellings_map(self) -> dict[str, str]:
        """Every recorded misspelling, as written, -> the model_id that was meant."""
        return self._index.misspellings_map()

    def all_names(self) -> list[str]:
        return [name for entry in self.models.values() for name in entry.names()]
