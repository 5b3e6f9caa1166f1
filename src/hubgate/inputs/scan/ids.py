"""Which strings may name a Hub repo. Pure and fast: a shape check, no huggingface_hub import (the scan
must never load the Hub client), so the rules mirror `validate_repo_id` (96 characters, letters,
digits, `-_.`, no `--` or `..`, not starting or ending with `-` or `.`)."""

from __future__ import annotations

import re

from hubgate.inputs.secrets import looks_like_token

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_FULL_RE = re.compile(rf"^{_PART}/{_PART}$")
_LEGACY_RE = re.compile(rf"^{_PART}$")
_HUB_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:(datasets|models|spaces)/)?"
    r"([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)"
)

# `load_dataset` builders that read local or remote files, not Hub repos.
PACKAGED_BUILDERS = frozenset(
    {"json", "csv", "parquet", "text", "arrow", "pandas", "sql", "generator", "imagefolder",
     "audiofolder", "videofolder", "webdataset", "xml", "hdf5", "pdffolder", "niftifolder", "spark"}
)  # fmt: skip


def _clean(part: str) -> bool:
    return "--" not in part and ".." not in part


def is_local_path(value: str) -> bool:
    """`./x`, `../x`, `/abs`, `~/x`, `C:\\x`, `x\\y`, or a file name with an extension we know."""
    return (
        value.startswith((".", "/", "~", "$"))
        or "\\" in value
        or re.match(r"^[A-Za-z]:", value) is not None
        or value.count("/") > 1
        or value.endswith((".py", ".json", ".yaml", ".yml", ".bin", ".pt", ".safetensors", ".gguf", ".txt"))
    )


def hub_id(value: str, *, legacy: bool) -> str | None:
    """The repo id `value` names, or None. `legacy`: a single name (`gpt2`) counts, as in a loading call
    where the library would ask the Hub for it; configs need `org/name`."""
    value = value.strip()
    if not value or is_local_path(value) or looks_like_token(value):
        return None  # a token in the code is a secret, not a repo the code loads: never listed
    if _FULL_RE.match(value):
        return value if _clean(value) else None
    if legacy and _LEGACY_RE.match(value) and _clean(value):
        return value
    return None


def hub_url(value: str) -> tuple[str, str] | None:
    """(repo_type, repo_id) for `https://huggingface.co/[datasets/]org/name[...]`; spaces are left out."""
    match = _HUB_URL_RE.match(value)
    if match is None or match.group(1) == "spaces" or match.group(2).split("/")[0] == "collections":
        return None  # a space is not checked; a collection URL names no repo (`collections/ns` is none)
    repo_id = match.group(2).removesuffix(".git")
    if hub_id(repo_id, legacy=True) is None:
        return None
    return ("dataset" if match.group(1) == "datasets" else "model"), repo_id


def revision_name(value: str) -> str | None:
    """`value` when it can name a branch, tag or commit; None for anything else (a token pasted there is
    never sent in a URL, nor shown)."""
    from hubgate.inputs.refs import REVISION_RE

    value = value.strip()
    if not value or looks_like_token(value) or not REVISION_RE.fullmatch(value):
        return None
    return value
