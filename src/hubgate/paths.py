"""What the model registry and the GPU catalogue share: where their folders are, and how a problem in
one of their files is reported (`file:line: field: message`). Light: no YAML, no pydantic."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_REGISTRY = "HUBGATE_REGISTRY"  # the user's folders, os.pathsep-separated, for models and GPUs alike


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


def bundled_dir() -> Path | None:
    """The registry shipped with hubgate: inside the installed package, else the source checkout's."""
    installed = Path(__file__).resolve().parent / "_registry"  # beside this file, in the package
    if installed.is_dir():
        return installed
    source = Path(__file__).resolve().parents[2] / "registry"  # src/hubgate/paths.py -> repo
    return source if source.is_dir() else None


def env_dirs() -> list[Path]:
    """The folders HUBGATE_REGISTRY names."""
    raw = os.environ.get(ENV_REGISTRY, "")
    return [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]


def display_path(path: Path) -> str:
    """A path as a user would type it: relative to the working directory when under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
