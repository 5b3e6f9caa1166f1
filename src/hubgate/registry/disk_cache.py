"""The registry's compiled disk cache: a folder's parsed YAML kept as JSON, reused while no file changed.
The YAML stays the truth: a cache that is damaged, replaced or unwritable is only a miss."""

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
from hubgate.registry.schema import REGISTRY_SCHEMA_VERSION

ENV_CACHE = "HUBGATE_REGISTRY_CACHE"  # a folder for the compiled cache, or "off"
MAX_CACHE_BYTES = 64 * 2**20  # the bundled layer compiles to well under 1 MiB


def registry_cache_dir() -> Path | None:
    raw = os.environ.get(ENV_CACHE)
    if raw is not None:
        return None if raw.strip().lower() in ("", "0", "off", "no", "false") else Path(raw).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("hubgate") / "registry"


def _signature(files: Iterable[Path]) -> list[list[Any]]:
    rows = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # a dangling link: parse_file reports it
            rows.append([str(path), -1, -1])
            continue
        rows.append([str(path), stat.st_mtime_ns, stat.st_size])
    return rows


def _cache_file(cache_dir: Path, folder: Path) -> Path:
    from hubgate._version import __version__

    key = hashlib.sha256(f"{folder.resolve()}|{REGISTRY_SCHEMA_VERSION}|{__version__}".encode()).hexdigest()[
        :20
    ]
    return cache_dir / f"layer-{key}.json"


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_layer(
    folder: Path, cache_dir: Path | None
) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """The parsed YAML of every file of one folder, from the cache when no file changed."""
    files = registry_files(folder)
    signature = _signature(files)
    cache_file = _cache_file(cache_dir, folder) if cache_dir else None
    if cache_file is not None:
        from hubgate.inputs.bounded import UnreadableFile, decode_text, load_json, read_capped

        try:
            # hubgate wrote it, but a damaged or replaced cache is only a miss: the YAML is the truth.
            # The digest catches flipped bytes that still parse, which would otherwise be blamed on the
            # YAML files, run after run, until someone deleted the cache by hand.
            digest, _, body = read_capped(
                cache_file, MAX_CACHE_BYTES, what="registry cache", pipes=False
            ).partition(b"\n")
            if digest.decode("ascii") == hashlib.sha256(body).hexdigest():
                cached = load_json(decode_text(body, str(cache_file)), str(cache_file))
                if cached.get("files") == signature:
                    return [(Path(p), data) for p, data in cached["data"]], []
        except (UnreadableFile, ValueError, KeyError, TypeError, AttributeError):
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
    if cache_file is not None and not problems:
        body = json.dumps(
            {"files": signature, "data": [[str(p), d] for p, d in parsed]},
            default=_json_default,
            separators=(",", ":"),
        ).encode()
        _write_atomically(cache_file, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
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
