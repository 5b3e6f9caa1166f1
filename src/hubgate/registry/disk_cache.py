"""The registry's disk cache: a folder's parsed YAML, and the summary a check reads, kept as JSON (see
hubgate/keep.py) and reused while no file changed. The YAML stays the truth: a cache that is damaged,
replaced or unwritable is only a miss.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hubgate.keep import kept_file, read_kept, write_kept
from hubgate.paths import Problem
from hubgate.registry.folders import registry_files
from hubgate.registry.kinds import REGISTRY_SCHEMA_VERSION

ENV_CACHE = "HUBGATE_REGISTRY_CACHE"  # a folder for the compiled cache, or "off"


def registry_cache_dir() -> Path | None:
    raw = os.environ.get(ENV_CACHE)
    if raw is not None:
        return None if raw.strip().lower() in ("", "0", "off", "no", "false") else Path(raw).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("hubgate") / "registry"


def signature(files: Iterable[Path]) -> list[list[Any]]:
    """Each file's path, modification time and size: a cached answer stands while these stay the same."""
    rows = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # a dangling link: parse_file reports it
            rows.append([str(path), -1, -1])
            continue
        rows.append([str(path), stat.st_mtime_ns, stat.st_size])
    return rows


def cache_file(cache_dir: Path, kind: str, key: str) -> Path:
    """Where the registry's cache of `kind` for `key` lives (the schema's version is part of the key)."""
    return kept_file(cache_dir, kind, f"{key}|{REGISTRY_SCHEMA_VERSION}")


def read_layer(
    folder: Path, cache_dir: Path | None
) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """The parsed YAML of every file of one folder, from the cache when no file changed."""
    files = registry_files(folder)
    rows = signature(files)
    where = cache_file(cache_dir, "layer", str(folder.resolve())) if cache_dir else None
    if where is not None:
        cached = read_kept(where, rows)
        try:
            if cached is not None:
                return [(Path(p), data) for p, data in cached], []
        except (TypeError, ValueError):
            pass
    from hubgate.registry.yaml_reader import parse_file  # PyYAML only when the cache cannot answer

    parsed: list[tuple[Path, dict[str, Any]]] = []
    problems: list[Problem] = []
    for path in files:
        data, problem = parse_file(path)
        if problem:
            problems.append(problem)
        else:
            parsed.append((path, data))
    if where is not None and not problems:
        write_kept(where, rows, [[str(p), d] for p, d in parsed])
    return parsed, problems
