"""What a verdict is: the statuses, the Verdict model and what it carries, and the context every verdict needs.
Pure data; the decisions are in verdicts/decide.py, the words in verdicts/wording.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hubgate.hub.token import TokenInfo
from hubgate.inputs.refs import RepoType
from hubgate.verdicts.card import CardFacts
from hubgate.verdicts.findings import Finding

if TYPE_CHECKING:  # the scan package is loaded by `--scan` runs only
    from hubgate.inputs.scan.model import Place


class Status(StrEnum):
    OPEN = "open"
    GRANTED = "granted"
    NEEDS_LOGIN = "needs-login"
    NOT_REQUESTED = "not-requested"
    PENDING = "pending"
    REJECTED = "rejected"
    TOKEN_SCOPE = "token-scope"
    TOKEN_INVALID = "token-invalid"
    NOT_FOUND = "not-found"
    DISABLED = "disabled"
    REVISION_NOT_FOUND = "revision-not-found"
    INVALID = "invalid"
    ERROR = "error"


USABLE = frozenset({Status.OPEN, Status.GRANTED})
ACTION_NEEDED = frozenset(
    {
        Status.NEEDS_LOGIN,
        Status.NOT_REQUESTED,
        Status.PENDING,
        Status.REJECTED,
        Status.TOKEN_SCOPE,
        Status.TOKEN_INVALID,
    }
)
PROBLEMS = frozenset(
    {Status.NOT_FOUND, Status.DISABLED, Status.REVISION_NOT_FOUND, Status.INVALID, Status.ERROR}
)


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """A base model up the chain (`base_model` in the card data). `needed`: loading the model needs
    the base's files too (adapters, all the way up); merges and full fine-tunes do not."""

    id: str
    relation: str  # adapter, quantized, merge, finetune
    status: Status
    needed: bool
    depth: int = 1
    message: str = ""
    next_step: str | None = None


@dataclass(frozen=True, kw_only=True)
class Alternative:
    """An open model of the same type and a similar size (from the registry, confirmed on the Hub)."""

    id: str
    status: Status
    license: str | None = None
    parameters: int | None = None


# Every text a verdict carries: scrubbed of tokens before it leaves the check run, escaped before rendering.
TEXT_FIELDS = ("input", "model_id", "requested_id", "url", "message", "next_step", "origin", "collection")


@dataclass(frozen=True, kw_only=True)
class RequestCost:
    """The requests one repo's verdict took, per bucket (retries included; listing pages shared by many
    repos are not anyone's own). `via`: where its metadata came from: `metadata` (its own api request),
    `listing` (its author's listing, shared), `cache` (file probes only, the commit-bound facts from the
    cache) or `none` (the probe alone decided). `api_anonymous`: a metadata request sent without the token
    once the account's api quota was spent for the window (check/evidence.py)."""

    api: int = 0
    resolvers: int = 0
    resolvers_anonymous: int = 0
    api_anonymous: int = 0
    via: str = "metadata"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The access verdict for one input. `model_id` is the canonical id the Hub answered with."""

    input: str
    model_id: str | None
    requested_id: str | None = None  # the id parsed from the input; differs from model_id after a redirect
    repo_type: RepoType = "model"
    status: Status
    gated_mode: str | None = None  # "auto" | "manual" | None
    is_gated: bool | None = None  # None when the Hub did not tell (missing, private, errors)
    private: bool | None = None
    url: str | None = None
    message: str
    next_step: str | None = None
    origin: str | None = None  # file:line the input came from
    collection: str | None = None  # `namespace/slug-id` when the repo came from a collection input
    requires: tuple[Requirement, ...] = ()
    suggestions: tuple[str, ...] = ()  # for not-found: ids the user may have meant
    alternatives: tuple[Alternative, ...] = ()  # for blocked models: open models to use meanwhile
    registry: dict[str, Any] | None = None  # the registry's facts on this model, when it knows it
    fit: dict[str, Any] | None = None  # GPU fit (hubgate.fit.FitResult.to_dict()), with `check --gpu`
    places: tuple[Place, ...] = ()  # with `check --scan`: every place in the code that names this repo
    findings: tuple[Finding, ...] = ()  # pre-flight concerns (verdicts/findings.py)
    revision: str | None = None  # the revision the input pinned (branch, tag or commit)
    sha: str | None = None  # the commit the Hub answered for (the pinned revision, else the default branch)
    cost: RequestCost | None = (
        None  # the requests this verdict took (None: not inspected, e.g. invalid input)
    )
    card: CardFacts | None = None  # the model card's facts, for the ML-BOM (not in the JSON report)

    @property
    def has_access(self) -> bool:
        """True only when this token can download the files now."""
        return self.status in USABLE

    @property
    def redirected(self) -> bool:
        return None not in (self.model_id, self.requested_id) and self.model_id != self.requested_id

    @property
    def asked_as(self) -> str | None:
        """What the user typed, when it is not the id reported: a legacy id the Hub redirected (`gpt2`)
        or a registry alias (`mistral_7b`)."""
        if self.redirected:
            return self.requested_id
        typed = self.input.strip()
        if self.model_id and typed and "/" not in typed and typed != self.model_id:
            return typed
        return None


def with_texts(verdict: Verdict, change: Callable[[str], str]) -> Verdict:
    """The verdict with `change` applied to every text it carries (TEXT_FIELDS); the same verdict when
    no text changes."""
    changed: dict[str, Any] = {
        name: new
        for name in TEXT_FIELDS
        if isinstance(old := getattr(verdict, name), str) and (new := change(old)) != old
    }
    return replace(verdict, **changed) if changed else verdict


@dataclass(frozen=True)
class Context:
    """What every verdict needs besides the Hub's answers. `caller`: who reads the next steps, the CLI
    ("--repo-type dataset") or Python code ("repo_type='dataset'")."""

    endpoint: str
    token: TokenInfo
    caller: str = "cli"

    def option(self, cli: str, api: str) -> str:
        return api if self.caller == "api" else cli

    def page_url(self, repo_type: RepoType, repo_id: str) -> str:
        prefix = "datasets/" if repo_type == "dataset" else ""
        return f"{self.endpoint}/{prefix}{repo_id}"

    @property
    def token_settings_url(self) -> str:
        return f"{self.endpoint}/settings/tokens"
