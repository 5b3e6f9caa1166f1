"""What hubgate keeps between runs to skip work it did before: JSON files in the user cache dir, each
stored with the key it answers for and a digest of its bytes, written atomically. Whatever they hold can
be worked out again, so a kept file that is missing, stale, damaged or unwritable is only a miss, never
a failure: the registry's compiled YAML and summary, and the validated policy file, use it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MAX_KEPT_BYTES = 64 * 2**20  # the bundled registry compiles to well under 1 MiB


def default_cache_dir() -> Path:
    """hubgate's cache folder: HUBGATE_CACHE_DIR, else the user cache dir."""
    explicit = os.environ.get("HUBGATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hubgate", appauthor=False))


def kept_file(folder: Path, kind: str, key: str) -> Path:
    """Where the kept data of `kind` for `key` lives; the key takes in hubgate's version, so an upgrade
    never reads what an older hubgate wrote."""
    from hubgate._version import __version__

    digest = hashlib.sha256(f"{key}|{__version__}".encode()).hexdigest()[:20]
    return folder / f"{kind}-{digest}.json"


def read_kept(path: Path, key: Any) -> Any | None:
    """The data kept at `path` for `key` (any JSON value), or None: missing, stale or damaged."""
    from hubgate.inputs.bounded import UnreadableFile, decode_text, load_json, read_capped

    try:
        # hubgate wrote it, but a damaged or replaced file is only a miss. The digest catches flipped
        # bytes that still parse, which would otherwise be taken for what was worked out.
        digest, _, body = read_capped(path, MAX_KEPT_BYTES, what="kept file", pipes=False).partition(b"\n")
        if digest.decode("ascii") == hashlib.sha256(body).hexdigest():
            kept = load_json(decode_text(body, str(path)), str(path))
            if kept.get("key") == json.loads(_dumps(key)):
                return kept["data"]
    except (UnreadableFile, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def write_kept(path: Path, key: Any, data: Any) -> None:
    """Keep `data` for `key`; a folder that cannot be written is skipped without a word."""
    body = _dumps({"key": key, "data": data}).encode()
    payload = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):  # dates in YAML and TOML, read back as the strings the schemas accept
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
