"""Turn what a user typed (ids, Hub URLs, hf:// URIs) into repo references. Pure: no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from hubgate.inputs.secrets import looks_like_token, scrub

RepoType = Literal["model", "dataset"]
REPO_TYPES: tuple[RepoType, ...] = ("model", "dataset")

_TYPE_PREFIXES: dict[str, RepoType] = {"models": "model", "datasets": "dataset"}
_UNSUPPORTED_TYPES = {"spaces": "space", "kernels": "kernel", "buckets": "bucket"}
_HUB_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_URL_RE = re.compile(r"^(?:https?|hf)://", re.IGNORECASE)


@dataclass(frozen=True)
class RepoRef:
    """A repository to check, as the user named it and as the Hub will be asked for it."""

    input: str
    repo_type: RepoType
    repo_id: str
    origin: str | None = None  # "file:line" when it came from a file
    revision: str | None = None  # `org/name@rev` or --revision: a branch, tag or commit
    collection: str | None = None  # `namespace/slug-id` when a collection input named this repo

    @property
    def key(self) -> tuple[str, str]:
        return (
            (self.repo_type, self.repo_id)
            if self.revision is None
            else (
                self.repo_type,
                f"{self.repo_id}@{self.revision}",
            )
        )


@dataclass(frozen=True)
class CollectionRef:
    """A Hub collection (`collections/ns/slug-id` or its URL): the check expands it to its models and
    datasets. `revision` (--revision) pins the repos it expands to."""

    input: str
    namespace: str
    slug: str
    origin: str | None = None
    revision: str | None = None

    @property
    def name(self) -> str:
        return f"{self.namespace}/{self.slug}"

    @property
    def key(self) -> tuple[str, str]:
        return ("collection", self.name)


@dataclass(frozen=True)
class InvalidRef:
    """An entry that is not a repository id; it still gets a verdict (`invalid`)."""

    input: str
    reason: str
    origin: str | None = None


# A namespace is a user or organisation name; a slug-id is the title's slug, a dash and a 24-digit hex id.
# Both bounded: the slug goes into a request path.
_NAMESPACE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def parse_collection(
    text: str, *, origin: str | None = None, endpoint: str | None = None, revision: str | None = None
) -> CollectionRef | InvalidRef | None:
    """`collections/ns/slug-id` or `https://huggingface.co/collections/ns/slug-id` (also hf.co and the
    endpoint's own host) as a collection; None when the text names no collection."""
    if looks_like_token(text):
        return None  # parse_ref refuses it without echoing it
    stripped = text.strip()
    if _URL_RE.match(stripped):
        parts = urlsplit(stripped)
        hosts = set(_HUB_HOSTS)
        if endpoint:
            hosts.add((urlsplit(endpoint).hostname or "").lower())
        if parts.scheme.lower() not in ("http", "https") or (parts.hostname or "").lower() not in hosts:
            return None
        path = parts.path
    else:
        path = stripped
    segments = [s for s in path.strip("/").split("/")]
    if not segments or segments[0] != "collections":
        return None
    if len(segments) != 3:
        return InvalidRef(visible(text), "a collection is named collections/NAMESPACE/SLUG-ID", origin)
    namespace, slug = segments[1], segments[2]
    if "@" in slug:
        return InvalidRef(visible(text), "a collection has no revision (--revision pins its repos)", origin)
    if not _NAMESPACE_RE.fullmatch(namespace) or not _SLUG_RE.fullmatch(slug):
        return InvalidRef(
            visible(text),
            "not a collection name: letters, digits, - _ . only, and at most 200 of them",
            origin,
        )
    return CollectionRef(text, namespace, slug, origin, revision)


def _validate_id(repo_id: str) -> str | None:
    """The library's own repo-id rules; returns the reason when the id is not valid."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        return str(exc)
    return None


def _legacy_from_url(text: str, endpoint: str | None) -> tuple[RepoType, str] | None:
    """`https://huggingface.co/gpt2` (single segment): parse_hf_uri refuses it, the Hub redirects it."""
    parts = urlsplit(text)
    hosts = set(_HUB_HOSTS)
    if endpoint:
        hosts.add((urlsplit(endpoint).hostname or "").lower())
    if parts.scheme.lower() != "hf" and (parts.hostname or "").lower() not in hosts:
        return None
    segments = [
        s for s in ((parts.netloc + parts.path) if parts.scheme == "hf" else parts.path).split("/") if s
    ]
    repo_type: RepoType = "model"
    if segments and segments[0] in _TYPE_PREFIXES:
        repo_type = _TYPE_PREFIXES[segments[0]]
        segments = segments[1:]
    if len(segments) >= 1 and (len(segments) == 1 or segments[1] in {"tree", "blob", "resolve", "raw"}):
        name = segments[0].split("@", 1)[0]
        if _validate_id(name) is None:
            return repo_type, name
    return None


def parse_ref(
    text: str,
    *,
    default_type: RepoType = "model",
    origin: str | None = None,
    endpoint: str | None = None,
    revision: str | None = None,
) -> RepoRef | InvalidRef:
    """Parse one entry: `org/name`, legacy `name`, `datasets/org/name`, a Hub URL or an `hf://` URI, each
    optionally pinned, `org/name@rev`; `revision` (--revision) pins entries that do not pin their own."""
    if looks_like_token(text):
        # Never echoed, never sent: a token pasted where an id or a revision belongs (`gpt2@hf_...`) is a
        # secret in the wrong place, and a request would carry it in its URL.
        return InvalidRef(scrub(text.strip()), "this looks like an access token, not a repo id", origin)
    stripped = text.strip()
    pinned: str | None = None
    if not _URL_RE.match(stripped) and "@" in stripped:
        stripped, _, pinned = stripped.partition("@")
        if not pinned:
            return InvalidRef(text, "empty revision after @", origin)
    ref = _parse_unpinned(
        text if pinned is None else stripped, default_type=default_type, origin=origin, endpoint=endpoint
    )
    if not isinstance(ref, RepoRef):
        return InvalidRef(visible(text), ref.reason, origin) if pinned else ref
    chosen = pinned or ref.revision or revision
    if chosen is None:
        return ref
    if looks_like_token(chosen):
        return InvalidRef(scrub(text), "this looks like an access token, not a revision", origin)
    if not REVISION_RE.fullmatch(chosen):
        return InvalidRef(text, f"not a revision: {chosen!r}", origin)
    return RepoRef(text, ref.repo_type, ref.repo_id, origin, revision=chosen)


# Branch and tag names (git refname rules, loosely) and commit shas; `refs/pr/1` for pull requests.
REVISION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}")


def _parse_unpinned(
    text: str,
    *,
    default_type: RepoType = "model",
    origin: str | None = None,
    endpoint: str | None = None,
) -> RepoRef | InvalidRef:
    raw = text
    text = text.strip()
    if not text:
        return InvalidRef(raw, "empty entry", origin)
    control = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")), None)
    if control is not None:
        return InvalidRef(
            visible(raw),
            f"contains the control character U+{ord(control):04X}; a repo id is plain letters, digits, - _ . /",
            origin,
        )
    if any(ch.isspace() for ch in text):
        return InvalidRef(raw, "a repo id has no spaces (one id per line?)", origin)

    if _URL_RE.match(text):
        from huggingface_hub.errors import HfUriError
        from huggingface_hub.utils import parse_hf_uri

        try:
            uri = parse_hf_uri(text, endpoint=endpoint)
        except HfUriError as exc:
            legacy = _legacy_from_url(text, endpoint)
            if legacy is not None:
                return RepoRef(raw, legacy[0], legacy[1], origin)
            return InvalidRef(raw, _short(str(exc)), origin)
        if uri.type not in REPO_TYPES:
            return InvalidRef(raw, f"{uri.type} repos are not checked (models and datasets only)", origin)
        return RepoRef(raw, uri.type, uri.id, origin, revision=uri.revision)

    segments = text.split("/")
    repo_type = default_type
    if len(segments) == 3 and segments[0] in _TYPE_PREFIXES:
        repo_type = _TYPE_PREFIXES[segments[0]]
        text = "/".join(segments[1:])
    elif len(segments) == 3 and segments[0] in _UNSUPPORTED_TYPES:
        kind = _UNSUPPORTED_TYPES[segments[0]]
        return InvalidRef(raw, f"{kind} repos are not checked (models and datasets only)", origin)
    reason = _validate_id(text)
    if reason is not None:
        return InvalidRef(raw, _short(reason), origin)
    return RepoRef(raw, repo_type, text, origin)


def visible(text: str, keep: str = "") -> str:
    """The text with control and formatting characters (ESC, NUL, bidi overrides) written as escapes;
    the characters in `keep` (say, newlines a renderer encodes itself) are left as they are."""
    if text.isprintable():  # no Cc/Cf character can be in it: the common case costs one C call
        return text
    return "".join(
        _escape(ch) if unicodedata.category(ch) in ("Cc", "Cf") and ch not in keep else ch for ch in text
    )


def _escape(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def _short(message: str) -> str:
    """Library messages span lines; a verdict message is one line."""
    return " ".join(message.split())


# Every input a run can be given: a repo, a collection of repos, or an entry that is neither.
AnyRef = RepoRef | InvalidRef | CollectionRef
