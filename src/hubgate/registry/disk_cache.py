"""The registry's disk cache: a folder's parsed YAML, and the summary a check reads, kept as JSON and reused
while no file changed. The YAML stays the truth: a cache that is damaged, replaced or unwritable is only a
miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hubgate.paths import Problem
from hubgate.registry.folders import registry_files
from hubgate.registry.kinds import REGISTRY_SCHEMA_VERSION

ENV_CACHE = "HUBGATE_REGISTRY_CACHE"  # a folder for the compiled cache, or "off"
MAX_CACHE_BYTES = 64 * 2**20  # the bundled layer compiles to well under 1 MiB


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
    """Where the cache of `kind` for `key` lives; the key takes in the schema and hubgate's versions, so an
    upgrade never reads what an older hubgate wrote."""
    from hubgate._version import __version__

    digest = hashlib.sha256(f"{key}|{REGISTRY_SCHEMA_VERSION}|{__version__}".encode()).hexdigest()[:20]
    return cache_dir / f"{kind}-{digest}.json"


def read_cached(path: Path, files: list[list[Any]]) -> Any | None:
    """The data cached at `path` for these `files` (their signature), or None: missing, stale or damaged."""
    from hubgate.inputs.bounded import UnreadableFile, decode_text, load_json, read_capped

    try:
        # hubgate wrote it, but a damaged or replaced cache is only a miss: the YAML is the truth.
        # The digest catches flipped bytes that still parse, which would otherwise be blamed on the
        # YAML files, run after run, until someone deleted the cache by hand.
        digest, _, body = read_capped(path, MAX_CACHE_BYTES, what="registry cache", pipes=False).partition(
            b"\n"
        )
        if digest.decode("ascii") == hashlib.sha256(body).hexdigest():
            cached = load_json(decode_text(body, str(path)), str(path))
            if cached.get("files") == files:
                return cached["data"]
    except (UnreadableFile, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def write_cached(path: Path, files: list[list[Any]], data: Any) -> None:
    """Keep `data` for these `files`; a cache that cannot be written is skipped without a word."""
    body = json.dumps({"files": files, "data": data}, default=_json_default, separators=(",", ":")).encode()
    _write_atomically(path, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_layer(
    folder: Path, cache_dir: Path | None
) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """The parsed YAML of every file of one folder, from the cache when no file changed."""
    files = registry_files(folder)
    rows = signature(files)
    where = cache_file(cache_dir, "layer", str(folder.resolve())) if cache_dir else None
    if where is not None:
        cached = read_cached(where, rows)
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
        write_cached(where, rows, [[str(p), d] for p, d in parsed])
    return parsed, problems


def _write_atomically(target: Path, payload: bytes) -> None:
    """Write via a temporary file and rename; a cache that cannot be written is silently skipped."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
