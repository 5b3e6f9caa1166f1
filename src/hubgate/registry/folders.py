"""Where the entry files of a registry folder are, and where each entry's file belongs."""

from __future__ import annotations

from pathlib import Path

from hubgate.registry.schema import Provider

YAML_SUFFIXES = (".yaml", ".yml")


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
