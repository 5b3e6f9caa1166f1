"""Which folders make the registry, where the entry files of a folder are, and where each entry's file
belongs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hubgate.paths import bundled_dir, env_dirs
from hubgate.registry.kinds import Provider

YAML_SUFFIXES = (".yaml", ".yml")


def registry_layers(
    paths: Sequence[str | os.PathLike[str]] | None = None, *, bundled: bool = True, env: bool = True
) -> list[Path]:
    """The folders merged into the registry, in order: the bundled one, HUBGATE_REGISTRY's, then `paths`."""
    layers: list[Path] = []
    if bundled and (found := bundled_dir()) is not None:
        layers.append(found)
    if env:
        layers += env_dirs()
    layers += [Path(p).expanduser() for p in paths or ()]
    # A folder named twice (`registry validate registry` in a checkout names the bundled one again) is one
    # layer: merging it over itself would report every entry as overriding itself.
    unique: dict[Path, Path] = {}
    for layer in layers:
        unique.setdefault(layer.resolve(), layer)
    return list(unique.values())


def models_root(folder: Path) -> Path:
    """Where the YAML files of a registry folder are: its `models/` if there is one, else itself."""
    sub = folder / "models"
    return sub if sub.is_dir() else folder


def registry_files(folder: Path) -> list[Path]:
    """The model files of a folder; a `gpus/` beside them is the GPU catalogue's, never read as models."""
    root = models_root(folder)
    gpus = folder / "gpus"
    return sorted(
        path
        for path in root.rglob("*")
        # Not only regular files: a link to a device or a FIFO is reported when read, never skipped.
        if path.suffix in YAML_SUFFIXES and not path.is_dir() and not path.is_relative_to(gpus)
    )


def expected_relpath(entry_id: str, provider: Provider) -> str:
    if provider is Provider.huggingface:
        return f"{entry_id}.yaml"
    return f"{provider.value}-api/{entry_id}.yaml"
