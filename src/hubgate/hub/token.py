"""Which token to use, where it came from, and what the Hub says it may do. Values never leave here:
every `ResolvedToken` holds its value in the scrubber (`hubgate.inputs.secrets`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from hubgate.inputs.secrets import hold, looks_like_token

# Order users expect (docs/hub.md, "Tokens"); names in the wild come after the official ones.
TOKEN_ENV_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_TOKEN", "HUGGINGFACE_API_KEY")


class TokenError(ValueError):
    """A token value that cannot go into an Authorization header (a line break, a space)."""


@dataclass(frozen=True)
class ResolvedToken:
    """A token and the place it was found. `repr` never shows the value."""

    value: str | None = field(repr=False)
    source: str  # "--token", "HF_TOKEN", ..., "stored login", "none", "--anonymous"

    def __post_init__(self) -> None:
        hold(self.value)  # every token the process holds is scrubbed from everything it writes

    @property
    def present(self) -> bool:
        return self.value is not None


def resolve_token(explicit: str | None = None, *, anonymous: bool = False) -> ResolvedToken:
    """--token, then the environment variables in order, then the login stored by `hf auth login`.
    A value that cannot be sent as a header raises TokenError (naming where it came from, never it)."""
    if anonymous:
        return ResolvedToken(None, "--anonymous")
    if explicit is not None and explicit.strip():
        return _checked(ResolvedToken(explicit.strip(), "--token"))
    for name in TOKEN_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return _checked(ResolvedToken(value, name))
    from huggingface_hub import constants, get_token

    check_login_file(constants.HF_TOKEN_PATH)
    stored = get_token()
    if stored:
        return _checked(ResolvedToken(stored.strip(), "stored login"))
    return ResolvedToken(None, "none")


# `hf auth login` writes a token of ~40 bytes, and a few of them into the stored-tokens file.
MAX_LOGIN_FILE_BYTES = 2**16


def check_login_file(path: str | os.PathLike[str]) -> None:
    """huggingface_hub reads its login files whole and blocks on a FIFO: this one bounded read first makes
    a link to `/dev/zero`, a FIFO, a huge or a binary file one line (`UnreadableFile`) instead of a hang
    or a traceback. A missing file is fine (no login)."""
    import stat

    from hubgate.inputs.bounded import UnreadableFile, decode_text, read_capped

    hint = "run `hf auth login` again to rewrite it, or set HF_TOKEN"
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UnreadableFile(
            os.fspath(path), f"cannot read the stored login ({exc.strerror})", hint
        ) from None
    if not stat.S_ISREG(mode):
        raise UnreadableFile(os.fspath(path), "the stored login is not a regular file", hint)
    try:
        decode_text(read_capped(path, MAX_LOGIN_FILE_BYTES, what="login file"), os.fspath(path))
    except UnreadableFile as exc:
        raise UnreadableFile(exc.where, f"stored login: {exc.problem}", hint) from None


def _checked(token: ResolvedToken) -> ResolvedToken:
    """A token with a line break or a space inside is refused at once: the HTTP client would fail on the
    header and every request would be retried for nothing."""
    value = token.value or ""
    bad = next((ch for ch in value if ch.isspace() or not ch.isprintable()), None)
    if bad is not None:
        what = "a line break" if bad in "\r\n" else ("a space" if bad.isspace() else "a control character")
        raise TokenError(f"the token from {token.source} has {what} inside it")
    return token


def held_environment_tokens() -> None:
    """Hold the token variables' values before anything is parsed: a token typed where an id or an
    option value belongs is scrubbed from the first line written, whatever its shape."""
    for name in TOKEN_ENV_VARS:
        hold(os.environ.get(name))


@dataclass(frozen=True)
class TokenInfo:
    """What one whoami-v2 call told about the token (or that there is none)."""

    source: str
    present: bool
    valid: bool | None = None  # None: unknown (no token, or whoami could not be reached)
    user: str | None = None
    name: str | None = None  # the token's display name, never its value
    role: str | None = None  # "read", "write", "fineGrained"
    can_read_gated: bool | None = None
    orgs: tuple[str, ...] = ()
    scoped_orgs: tuple[str, ...] = ()  # organizations a fine-grained token is scoped to
    error: str | None = None  # why `valid` is unknown

    @property
    def fine_grained_without_gated(self) -> bool:
        return self.role == "fineGrained" and self.can_read_gated is False


def token_info_from_whoami(source: str, status: int | None, body: Any, error: str | None = None) -> TokenInfo:
    """Pure: whoami-v2's answer (or failure) to TokenInfo."""
    if status == 401:
        return TokenInfo(source, True, valid=False, error="the Hub rejected this token (401 on whoami-v2)")
    if status != 200 or not isinstance(body, dict):
        reason = error or (f"whoami-v2 answered {status}" if status else "whoami-v2 could not be reached")
        return TokenInfo(source, True, valid=None, error=reason)
    if not isinstance(body.get("name"), str) or not body["name"]:
        # `200 {}` from a proxy or a wrong HF_ENDPOINT: nothing here says the token is valid.
        return TokenInfo(
            source,
            True,
            valid=None,
            error="whoami-v2 answered 200 without an account name (not a Hub answer)",
        )
    auth = body.get("auth") or {}
    access = auth.get("accessToken") or {}
    role = access.get("role")
    can_read_gated: bool | None
    if role in ("read", "write"):
        can_read_gated = True
    elif role == "fineGrained":
        can_read_gated = bool((access.get("fineGrained") or {}).get("canReadGatedRepos", False))
    else:
        can_read_gated = None
    orgs = tuple(
        str(org.get("name")) for org in body.get("orgs") or [] if isinstance(org, dict) and org.get("name")
    )
    scoped = (access.get("fineGrained") or {}).get("scoped") or []
    scoped_orgs = tuple(
        str(entity.get("name"))
        for item in scoped
        if isinstance(item, dict)
        and isinstance(entity := item.get("entity"), dict)
        and entity.get("type") == "org"
        and entity.get("name")
    )
    return TokenInfo(
        source,
        True,
        valid=True,
        user=body.get("name"),
        name=access.get("displayName"),
        role=role,
        can_read_gated=can_read_gated,
        orgs=orgs,
        scoped_orgs=scoped_orgs,
    )


def anonymous_info(source: str) -> TokenInfo:
    return TokenInfo(source, False)


def in_request(url: str, params: Any = None) -> bool:
    """True when a request's URL or query would carry a token: such a request is never sent."""
    if looks_like_token(url):
        return True
    items = params.items() if isinstance(params, dict) else (params or ())
    return any(looks_like_token(f"{key}={value}") for key, value in items)
