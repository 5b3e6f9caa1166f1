"""What the Hub answered, reduced to plain data so that verdicts can be computed without I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HubAnswer:
    """One Hub call's outcome after retries: an HTTP answer, or a failure with no answer."""

    status: int | None  # None: no HTTP answer (timeout, dropped connection...) after retries
    error_code: str | None = None  # X-Error-Code
    message: str | None = None  # X-Error-Message, else the body's error text
    body: Any = field(default=None, repr=False)  # parsed JSON on success
    failure: str | None = None  # why there is no answer
    location: str | None = None  # redirect target, when the answer is a 3xx not followed
    commit: str | None = None  # X-Repo-Commit: the commit a file answer (or its EntryNotFound) is about
    media_type: str | None = None  # Content-Type, where the caller reads the body itself (a POST's answer)
    held: bool = False  # not sent: the Hub holds its bucket and the caller asked to give way, not wait

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    @property
    def files_readable(self) -> bool:
        """A file probe the gate let through: the file, or 404 EntryNotFound (only that file is missing)."""
        return self.ok or (self.status == 404 and self.error_code == "EntryNotFound")

    def describe(self) -> str:
        """The Hub's own words, for `error` verdicts."""
        if self.status is None:
            return self.failure or "no answer from the Hub"
        parts = [f"HTTP {self.status}"]
        if self.error_code:
            parts.append(f"[{self.error_code}]")
        if self.message:
            parts.append(self.message)
        return " ".join(parts)


def answer_from_response(response: Any, *, expect_json: bool) -> HubAnswer:
    """An HTTP response (huggingface_hub's session) as a HubAnswer: errors classified by the library
    (`hf_raise_for_status`) in the Hub's own words, a file answer with the commit it is about, and a
    success that no Hub would give (a proxy's 200) as a failure."""
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import hf_raise_for_status

    status = response.status_code
    path = urlsplit(str(response.url)).path
    if response.request.method == "HEAD" and 200 <= status < 400 and not _hub_file_headers(response.headers):
        # A proxy or a wrong HF_ENDPOINT answers 200 to anything: only the Hub's own headers prove a file.
        return HubAnswer(
            status=None,
            failure=f"HTTP {status} without the Hub's file headers (X-Repo-Commit, ETag): "
            f"not an answer from a Hugging Face Hub; check HF_ENDPOINT ({path})",
        )
    commit = response.headers.get("X-Repo-Commit") if response.request.method == "HEAD" else None
    if response.is_redirect:
        return HubAnswer(status=status, location=response.headers.get("Location"), commit=commit)
    try:
        hf_raise_for_status(response)
    except HfHubHTTPError as exc:
        # The Hub's own words only: huggingface_hub's fallback ("403 Forbidden: None.") says nothing.
        message = response.headers.get("X-Error-Message") or exc.server_message
        return HubAnswer(
            status=status,
            error_code=response.headers.get("X-Error-Code"),
            message=_one_line(message),
            commit=commit,
        )
    if response.request.method == "HEAD":
        return HubAnswer(status=status, commit=commit)
    if not expect_json:
        ranged = "Range" in response.request.headers
        return HubAnswer(status=status, body=response.content if ranged else None)
    try:
        body = response.json()
    except ValueError:
        return HubAnswer(status=None, failure=f"HTTP {status} with a body that is not JSON ({path})")
    return HubAnswer(status=status, body=body)


def _hub_file_headers(headers: Any) -> bool:
    return any(headers.get(name) for name in ("X-Repo-Commit", "X-Linked-Etag", "ETag"))


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


GateMode = str  # "auto" | "manual"; other strings are reported as the Hub sent them


@dataclass(frozen=True)
class ScanStatus:
    """The Hub's own scans of a repo's files (`securityRepoStatus`). `done` False: not scanned yet, which
    is never clean. `flagged`: (path, level) for each file the Hub flags (`unsafe`, `caution`, any level)."""

    done: bool
    flagged: tuple[tuple[str, str], ...] = ()


def scan_status(raw: Any) -> ScanStatus | None:
    """`securityRepoStatus` as ScanStatus; None when the answer had none (not asked, or not given)."""
    if not isinstance(raw, dict):
        return None
    flagged: list[tuple[str, str]] = []
    for item in raw.get("filesWithIssues") or []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            level = item.get("level")
            flagged.append((item["path"], str(level) if isinstance(level, str) and level else "flagged"))
    # A status that does not say the scans are done is read as not done: never as clean.
    return ScanStatus(done=raw.get("scansDone") is True, flagged=tuple(flagged))


@dataclass(frozen=True)
class RepoFacts:
    """The parts of a repo's metadata the verdict and the reports use."""

    id: str
    gated: bool
    gate_mode: GateMode | None
    private: bool
    disabled: bool
    card_data: dict[str, Any] = field(default_factory=dict, repr=False)
    safetensors: dict[str, Any] | None = field(default=None, repr=False)
    config: dict[str, Any] | None = field(default=None, repr=False)
    siblings: tuple[str, ...] = field(default=(), repr=False)
    sha: str | None = None
    tags: tuple[str, ...] = field(default=(), repr=False)
    # bytes per file, only for files the answer gave a size for (`blobs=true` answers, not expanded ones)
    sizes: dict[str, int] = field(default_factory=dict, repr=False)
    files_listed: bool = True  # False when the answer had no file list (an organisation listing)
    pipeline_tag: str | None = None
    library_name: str | None = None
    # sha256 per LFS file (weights), only where the answer listed them (`blobs=true` answers)
    hashes: dict[str, str] = field(default_factory=dict, repr=False)
    security: ScanStatus | None = None  # the Hub's own file scans, when the answer carried them


# The field a verdict cannot do without: every metadata answer (and listing item) carries it when asked.
REQUIRED_FIELDS = ("gated",)


def metadata_shape_problem(body: Any) -> str | None:
    """Why a 200 metadata answer is not the Hub's (`{}`, `null`, `[]`, no `id`, no gate field), or None."""
    if not isinstance(body, dict):
        kind = "null" if body is None else type(body).__name__.replace("dict", "object")
        return f"the body is {kind}, not a repo description"
    repo_id = body.get("id")
    if not isinstance(repo_id, str) or not repo_id.strip():
        return "the body has no repo `id`"
    missing = [name for name in REQUIRED_FIELDS if name not in body]
    if missing and body.get("disabled") is not True:
        return f"the body lacks {', '.join(f'`{m}`' for m in missing)}"
    gated = body.get("gated", False)
    if not (gated in (False, True, None, "false") or isinstance(gated, str)):
        return f"`gated` is {gated!r}, not false, auto or manual"
    return None


def facts_from_metadata(requested_id: str, body: Any) -> RepoFacts:
    """Pure: the JSON of /api/{models,datasets}/{id} to RepoFacts."""
    data = body if isinstance(body, dict) else {}
    raw_gated = data.get("gated", False)
    if raw_gated is False or raw_gated is None or raw_gated == "false":
        gated, mode = False, None
    elif raw_gated is True:
        gated, mode = True, None  # gated, but the Hub did not say how
    else:
        gated, mode = True, str(raw_gated)
    siblings = tuple(
        str(item["rfilename"])
        for item in data.get("siblings") or []
        if isinstance(item, dict) and "rfilename" in item
    )
    sizes = {
        str(item["rfilename"]): int(item["size"])
        for item in data.get("siblings") or []
        if isinstance(item, dict) and "rfilename" in item and isinstance(item.get("size"), int)
    }
    hashes = {
        str(item["rfilename"]): item["lfs"]["sha256"]
        for item in data.get("siblings") or []
        if isinstance(item, dict)
        and "rfilename" in item
        and isinstance(item.get("lfs"), dict)
        and isinstance(item["lfs"].get("sha256"), str)
        and re.fullmatch(r"[0-9a-f]{64}", item["lfs"]["sha256"])
    }
    tags = tuple(str(tag) for tag in data.get("tags") or [] if isinstance(tag, str))
    card = data.get("cardData")
    return RepoFacts(
        id=str(data.get("id") or data.get("modelId") or requested_id),
        gated=gated,
        gate_mode=mode,
        private=bool(data.get("private", False)),
        disabled=bool(data.get("disabled", False)),
        card_data=card if isinstance(card, dict) else {},
        safetensors=data.get("safetensors") if isinstance(data.get("safetensors"), dict) else None,
        config=data.get("config") if isinstance(data.get("config"), dict) else None,
        siblings=siblings,
        sha=data.get("sha") if isinstance(data.get("sha"), str) else None,
        files_listed="siblings" in data,
        tags=tags,
        sizes=sizes,
        pipeline_tag=_text(data.get("pipeline_tag")),
        library_name=_text(data.get("library_name")),
        hashes=hashes,
        security=scan_status(data.get("securityRepoStatus")),
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


# Files that stay readable on gated repos, so they prove nothing about access.
_UNGATED_FILES = {"README.md", ".gitattributes"}


def probe_file(facts: RepoFacts) -> str | None:
    """A real file whose download is gated, for a HEAD probe; None when the listing offers none."""
    candidates = [name for name in facts.siblings if name not in _UNGATED_FILES]
    for preferred in ("config.json", "model_index.json", "params.json"):
        if preferred in candidates:
            return preferred
    small = [
        name for name in candidates if not name.endswith((".safetensors", ".bin", ".gguf", ".pt", ".pth"))
    ]
    return next(iter(small or candidates), None)


# Bytes per element of the dtypes safetensors headers name (https://huggingface.co/docs/safetensors).
SAFETENSORS_BYTES: dict[str, float] = {
    "F64": 8,
    "I64": 8,
    "U64": 8,
    "F32": 4,
    "I32": 4,
    "U32": 4,
    "F16": 2,
    "BF16": 2,
    "I16": 2,
    "U16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "F8_E8M0": 1,
    "F4": 0.5,
}
FLOAT_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def params_from_safetensors(safetensors: Any) -> tuple[int | None, int | None, str | None]:
    """(parameter count, exact bytes, dominant float dtype) from the Hub's `safetensors` field:
    `{"total": N, "parameters": {"BF16": n, "F32": m}}`. Bytes are None when a dtype is not known."""
    if not isinstance(safetensors, dict):
        return None, None, None
    by_dtype = safetensors.get("parameters")
    by_dtype = {str(k).upper(): v for k, v in by_dtype.items()} if isinstance(by_dtype, dict) else {}
    by_dtype = {k: int(v) for k, v in by_dtype.items() if isinstance(v, int | float) and v >= 0}
    total = safetensors.get("total")
    if not isinstance(total, int) or total <= 0:
        total = sum(by_dtype.values()) or None
    exact: int | None = None
    if by_dtype and all(k in SAFETENSORS_BYTES for k in by_dtype):
        exact = int(sum(count * SAFETENSORS_BYTES[k] for k, count in by_dtype.items()))
    floats = {k: v for k, v in by_dtype.items() if k in FLOAT_DTYPES}
    dominant = FLOAT_DTYPES[max(floats, key=lambda k: floats[k])] if floats else None
    return total, exact, dominant


# Scanner states that do not flag a file (the Hub's names are uncertain: anything else flags it).
_CLEAR_SCAN_STATES = {"safe", "clean", "ok", "unscanned", "not-scanned", "queued", "pending", "skipped"}


def flagging_scanners(body: Any) -> dict[str, tuple[str, ...]]:
    """From a paths-info answer (`expand`), the scanners that flag each file: every entry of its
    `securityFileStatus` but the overall `status` whose own status is not a clear one."""
    found: dict[str, tuple[str, ...]] = {}
    for item in body if isinstance(body, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        detail = item.get("securityFileStatus")
        if not isinstance(detail, dict):
            continue
        names = []
        for name, value in detail.items():
            state = value.get("status") if isinstance(value, dict) else value
            if name != "status" and isinstance(state, str) and state.lower() not in _CLEAR_SCAN_STATES:
                names.append(str(name))
        found[item["path"]] = tuple(names)
    return found
