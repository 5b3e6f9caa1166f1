"""Which token to use, where it came from, and what the Hub says it may do. Values never leave here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

# Order users expect (docs/hub.md, "Tokens"); names in the wild come after the official ones.
TOKEN_ENV_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_TOKEN", "HUGGINGFACE_API_KEY")
# Real tokens are `hf_` plus 34 letters and digits; the length keeps words like hf_transfer intact.
_TOKEN_PATTERN = re.compile(r"\b(?:hf|api_org)_[A-Za-z0-9]{30,}\b")


@dataclass(frozen=True)
class ResolvedToken:
    """A token and the place it was found. `repr` never shows the value."""

    value: str | None = field(repr=False)
    source: str  # "--token", "HF_TOKEN", ..., "stored login", "none", "--anonymous"

    @property
    def present(self) -> bool:
        return self.value is not None


def resolve_token(explicit: str | None = None, *, anonymous: bool = False) -> ResolvedToken:
    """--token, then the environment variables in order, then the login stored by `hf auth login`."""
    if anonymous:
        return ResolvedToken(None, "--anonymous")
    if explicit is not None and explicit.strip():
        return ResolvedToken(explicit.strip(), "--token")
    for name in TOKEN_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return ResolvedToken(value, name)
    from huggingface_hub import get_token

    stored = get_token()
    if stored:
        return ResolvedToken(stored, "stored login")
    return ResolvedToken(None, "none")


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


def looks_like_token(text: str) -> bool:
    """True when the text holds something shaped like a Hugging Face access token."""
    return _TOKEN_PATTERN.search(text) is not None


def scrub(text: str, *secrets: str | None) -> str:
    """Remove token values (the given ones and anything shaped like an HF token) from text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "hf_***")
    return _TOKEN_PATTERN.sub("hf_***", text)
