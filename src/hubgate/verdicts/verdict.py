"""Pure verdict logic: Hub answers in, verdicts out (docs/hub.md, "Gate answers" and "Missing, private,
disabled, redirected"). No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from hubgate.hub.answers import HubAnswer, RepoFacts
from hubgate.hub.token import TokenInfo
from hubgate.inputs.refs import InvalidRef, RepoRef, RepoType
from hubgate.inputs.scan.model import Place
from hubgate.verdicts.findings import Finding

if TYPE_CHECKING:
    from hubgate.hub.cache import CachedRepo


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


class Requirement(BaseModel):
    """A base model up the chain (`base_model` in the card data). `needed`: loading the model needs
    the base's files too (adapters, all the way up); merges and full fine-tunes do not."""

    model_config = ConfigDict(frozen=True)

    id: str
    relation: str  # adapter, quantized, merge, finetune
    status: Status
    needed: bool
    depth: int = 1
    message: str = ""
    next_step: str | None = None


class Alternative(BaseModel):
    """An open model of the same type and a similar size (from the registry, confirmed on the Hub)."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: Status
    license: str | None = None
    parameters: int | None = None


# Every text a verdict carries: scrubbed of tokens before it leaves the runner, escaped before rendering.
TEXT_FIELDS = ("input", "model_id", "requested_id", "url", "message", "next_step", "origin")


class Cost(BaseModel):
    """The requests one repo's verdict took, per bucket (retries included; listing pages shared by many
    repos are not anyone's own). `via`: where its metadata came from: `metadata` (its own api request),
    `listing` (its author's listing, shared), `cache` (file probes only, the commit-bound facts from the
    cache) or `none` (the probe alone decided)."""

    model_config = ConfigDict(frozen=True)

    api: int = 0
    resolvers: int = 0
    resolvers_anonymous: int = 0
    via: str = "metadata"


class Verdict(BaseModel):
    """The access verdict for one input. `model_id` is the canonical id the Hub answered with."""

    model_config = ConfigDict(frozen=True)

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
    origin: str | None = Field(default=None, description="file:line the input came from")
    requires: tuple[Requirement, ...] = ()
    suggestions: tuple[str, ...] = ()  # for not-found: ids the user may have meant
    alternatives: tuple[Alternative, ...] = ()  # for blocked models: open models to use meanwhile
    registry: dict[str, Any] | None = None  # the registry's facts on this model, when it knows it
    fit: dict[str, Any] | None = None  # GPU fit (hubgate.fit.FitResult.to_dict()), with `check --gpu`
    places: tuple[Place, ...] = ()  # with `check --scan`: every place in the code that names this repo
    findings: tuple[Finding, ...] = ()  # pre-flight concerns (verdicts/findings.py)
    revision: str | None = None  # the revision the input pinned (branch, tag or commit)
    sha: str | None = None  # the commit the Hub answered for (the pinned revision, else the default branch)
    cost: Cost | None = None  # the requests this verdict took (None: not inspected, e.g. invalid input)

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


def with_places(verdicts: list[Verdict], places: dict[tuple[str, str], tuple[Place, ...]]) -> list[Verdict]:
    """Verdicts with the places a scan found for their repo (matched on the id as it was asked for)."""
    placed = []
    for verdict in verdicts:
        found = places.get((verdict.repo_type, verdict.requested_id or "")) or places.get(
            (verdict.repo_type, verdict.model_id or "")
        )
        placed.append(verdict.model_copy(update={"places": found}) if found else verdict)
    return placed


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


class NeedsProbe(BaseModel):
    """Metadata did not decide: the files' gate must be asked (a HEAD on a file)."""

    facts: Any


# Message texts are the second signal, after status and X-Error-Code (docs/hub.md, "Gate answers").
_PENDING_RE = re.compile(r"awaiting a review|pending", re.IGNORECASE)
_REJECTED_RE = re.compile(r"\brejected\b", re.IGNORECASE)
_RESET_RE = re.compile(r"\breset\b", re.IGNORECASE)
_NOT_REQUESTED_RE = re.compile(r"not in the authorized list|ask for access|request access", re.IGNORECASE)
_TOKEN_SCOPE_RE = re.compile(r"public gated repositor", re.IGNORECASE)
# Organization token policies (docs/hub.md, "Tokens"; wording uncertain): admin approval of
# fine-grained tokens, and organizations that accept fine-grained tokens only.
_ORG_APPROVAL_RE = re.compile(r"approv|administrator|\badmins?\b", re.IGNORECASE)
_FINE_GRAINED_RE = re.compile(r"fine[- ]grained", re.IGNORECASE)
_ORG_POLICY_RE = re.compile(r"organi[sz]ation|\bpolicy\b|\btoken\b", re.IGNORECASE)
_DISABLED_RE = re.compile(r"access to this resource is disabled", re.IGNORECASE)
_INVALID_CREDENTIALS_RE = re.compile(r"invalid credentials|invalid user token", re.IGNORECASE)


def invalid_verdict(ref: InvalidRef) -> Verdict:
    where = f" ({ref.origin})" if ref.origin else ""
    return Verdict(
        input=ref.input,
        model_id=None,
        status=Status.INVALID,
        message=f"not a repo id{where}: {ref.reason}",
        next_step="Fix the entry: use org/name, a https://huggingface.co/... URL or hf://org/name.",
        origin=ref.origin,
    )


def from_metadata(ref: RepoRef, meta: HubAnswer, ctx: Context) -> Verdict | NeedsProbe:
    """First call: the repo's metadata. Decides every case it can, so no access probe is spent."""
    from hubgate.hub.answers import facts_from_metadata, metadata_shape_problem

    if meta.status == 200:
        problem = metadata_shape_problem(meta.body)
        if problem is not None:
            # A proxy or a wrong HF_ENDPOINT can answer 200 to anything: never read that as "open".
            failure = f"HTTP 200 but {problem}: not a Hub answer; check HF_ENDPOINT"
            return _verdict(
                ref, ctx, Status.ERROR, facts=None, answer=HubAnswer(status=None, failure=failure)
            )
        facts = facts_from_metadata(ref.repo_id, meta.body)
        if facts.disabled:
            return _verdict(ref, ctx, Status.DISABLED, facts=facts)
        if ctx.token.valid is False:
            return _verdict(ref, ctx, Status.TOKEN_INVALID, facts=facts)
        if not facts.gated and not facts.private:
            return _verdict(ref, ctx, Status.OPEN, facts=facts)
        if facts.gated and not ctx.token.present:
            return _verdict(ref, ctx, Status.NEEDS_LOGIN, facts=facts)
        return NeedsProbe(facts=facts)
    return classify_error(ref, meta, ctx, facts=None)


def from_probe(ref: RepoRef, facts: RepoFacts, probe: HubAnswer, ctx: Context) -> Verdict:
    """Second call, for gated or private repos: may this token read the files?"""
    if probe.ok:
        return _verdict(ref, ctx, Status.GRANTED, facts=facts)
    if probe.status == 404 and probe.error_code == "EntryNotFound":
        # The repo's files are readable (only the probed file is missing): the gate let us through.
        return _verdict(ref, ctx, Status.GRANTED, facts=facts)
    return classify_error(ref, probe, ctx, facts=facts)


def from_file_probes(
    ref: RepoRef, cached: CachedRepo, probe: HubAnswer, anonymous: HubAnswer | None, ctx: Context
) -> tuple[Verdict, RepoFacts | None] | None:
    """Resolver-first: a verdict from file probes and the commit-bound facts cached for this repo, or None
    when they do not decide it (then its metadata must). `probe`: a HEAD on a file with the token;
    `anonymous`: the same HEAD without it, asked when the token could read the files.

    Decided here: readable at the cached commit (open when anonymous callers can read it too, granted when
    they meet the gate or cannot see the repo), and the answers that need no metadata (not found,
    disabled, no such revision). Everything else, including any blocked gated repo (its gate mode words
    the next step) and every unfamiliar answer, goes to the metadata."""
    from hubgate.hub.answers import facts_from_metadata

    if ctx.token.valid is False:
        return None
    if probe.files_readable:
        if probe.commit is None or probe.commit != cached.sha:
            return None  # a new commit (or no proof of which): the cached facts may be stale
        if not ctx.token.present:
            gated = private = False
        elif anonymous is None:
            return None
        elif anonymous.files_readable:
            gated = private = False
        elif anonymous.status == 401 and anonymous.error_code == "GatedRepo":
            if cached.gate_mode is None:
                return None  # gated since the facts were cached: let the metadata name the mode
            gated, private = True, False
        elif (anonymous.status == 401 and anonymous.error_code in (None, "RepoNotFound")) or (
            anonymous.status == 404 and anonymous.error_code == "RepoNotFound"
        ):
            gated, private = False, True
        else:
            return None
        facts = facts_from_metadata(ref.repo_id, cached.metadata_body(gated=gated, private=private))
        status = Status.GRANTED if gated or private else Status.OPEN
        return _verdict(ref, ctx, status, facts=facts), facts
    if probe.status is None or probe.status == 429 or probe.status >= 500:
        return None
    decided = classify_error(ref, probe, ctx, facts=None)
    if decided.status in (Status.NOT_FOUND, Status.DISABLED, Status.REVISION_NOT_FOUND):
        return decided, None
    return None


def classify_error(ref: RepoRef, answer: HubAnswer, ctx: Context, facts: RepoFacts | None) -> Verdict:
    """Every non-success answer, from metadata or from the probe. Unknown answers are `error`."""
    status, code, text = answer.status, answer.error_code, answer.message or ""

    def verdict(kind: Status, **extra: Any) -> Verdict:
        return _verdict(ref, ctx, kind, facts=facts, answer=answer, **extra)

    if status is None or status == 429 or status >= 500:
        return verdict(Status.ERROR)
    if status == 451 or (status == 403 and _DISABLED_RE.search(text)):
        return verdict(Status.DISABLED)
    if code == "GatedRepo":
        if status == 401:
            # A token was sent yet the Hub answered as to an anonymous caller: it did not accept the token.
            return verdict(Status.TOKEN_INVALID if ctx.token.present else Status.NEEDS_LOGIN)
        if status == 403:
            if _PENDING_RE.search(text):
                return verdict(Status.PENDING)
            if _REJECTED_RE.search(text):
                return verdict(Status.REJECTED)
            if _RESET_RE.search(text):
                return verdict(Status.NOT_REQUESTED, reset=True)
            if _NOT_REQUESTED_RE.search(text):
                return verdict(Status.NOT_REQUESTED)
        return verdict(Status.ERROR)
    if status == 401:
        if ctx.token.present and (ctx.token.valid is False or _INVALID_CREDENTIALS_RE.search(text)):
            return verdict(Status.TOKEN_INVALID)
        if not ctx.token.present and code in (None, "RepoNotFound"):
            return verdict(Status.NOT_FOUND)
        return verdict(Status.ERROR)
    if code == "RepoNotFound" and status in (401, 404):
        return verdict(Status.NOT_FOUND)
    if code == "RevisionNotFound" and status == 404 and ref.revision is not None:
        return verdict(Status.REVISION_NOT_FOUND)
    if status == 403 and code is None:
        if _TOKEN_SCOPE_RE.search(text):
            return verdict(Status.TOKEN_SCOPE)
        policy = org_token_policy(ref, ctx.token, text)
        if policy is not None:
            return verdict(Status.TOKEN_SCOPE, scope=policy)
        if _FINE_GRAINED_RE.search(text) or (
            facts is not None and facts.gated and ctx.token.fine_grained_without_gated
        ):
            # Status first: a bare 403 on a gated repo for a token that whoami says cannot read gated repos.
            return verdict(Status.TOKEN_SCOPE)
    return verdict(Status.ERROR)


def org_token_policy(ref: RepoRef, token: TokenInfo, text: str) -> str | None:
    """Which organization token policy a bare 403 shows, from its words first and the token's context
    (whoami's orgs and the fine-grained token's scopes) second: "org-approval" (the org's admins have not
    approved this fine-grained token), "org-fine-grained-only" (the org refuses read/write tokens),
    "org-policy" (the org refused the token, the reason unclear), or None when it is not one."""
    if not token.present:
        return None
    org = ref.repo_id.split("/", 1)[0] if "/" in ref.repo_id else None
    in_org = org is not None and (org in token.orgs or org in token.scoped_orgs)
    classic = token.role in ("read", "write")
    if _ORG_APPROVAL_RE.search(text):
        return "org-approval"
    if _FINE_GRAINED_RE.search(text) and classic:
        return "org-fine-grained-only"
    if _ORG_POLICY_RE.search(text) or (in_org and not text.strip()):
        if token.role == "fineGrained" and in_org:
            return "org-approval"
        if classic and in_org:
            return "org-fine-grained-only"
        return "org-policy"
    return None


def _gate_phrase(facts: RepoFacts | None) -> str:
    if facts is None or not facts.gated:
        return ""
    if facts.gate_mode == "auto":
        return "gated (auto: access is immediate once you accept the terms)"
    if facts.gate_mode == "manual":
        return "gated (manual: the authors review each request, hours to days)"
    return f"gated ({facts.gate_mode or 'mode not reported'})"


def _verdict(
    ref: RepoRef,
    ctx: Context,
    status: Status,
    *,
    facts: RepoFacts | None,
    answer: HubAnswer | None = None,
    reset: bool = False,
    scope: str | None = None,
) -> Verdict:
    repo_id = facts.id if facts is not None else ref.repo_id
    url = ctx.page_url(ref.repo_type, repo_id)
    kind = ref.repo_type
    gate = _gate_phrase(facts)
    manual = facts is not None and facts.gate_mode == "manual"
    hub_words = answer.describe() if answer is not None else ""
    login = "run `hf auth login` or set HF_TOKEN"

    message: str
    next_step: str | None = None
    match status:
        case Status.OPEN:
            message = f"public {kind}, not gated"
        case Status.GRANTED:
            message = f"{gate or 'private'}; this token can download the files"
        case Status.NEEDS_LOGIN:
            message = f"{gate or 'gated'}; no token was sent"
            then = f"request access at {url}" if manual else f"accept the terms at {url}"
            next_step = f"Log in ({login}), then {then}."
        case Status.NOT_REQUESTED:
            if reset:
                message = f"{gate}; your earlier request was reset by the authors"
                next_step = f"Submit a new access request at {url}."
            elif manual:
                message = f"{gate}; access not requested yet"
                next_step = f"Request access at {url}; the authors review requests (hours to days)."
            else:
                message = f"{gate or 'gated'}; terms not accepted yet"
                next_step = f"Accept the terms at {url}; access is immediate."
        case Status.PENDING:
            message = f"{gate or 'gated'}; your request is awaiting the authors' review"
            next_step = "Wait for the authors' review; re-check later (from cron, for example)."
        case Status.REJECTED:
            message = f"{gate or 'gated'}; the authors rejected your request"
            next_step = f"Contact the authors via {url} (community tab) or use another model."
        case Status.TOKEN_SCOPE if scope is not None:
            message, next_step = _org_policy_words(scope, repo_id, ctx, hub_words)
        case Status.TOKEN_SCOPE:
            message = (
                "this fine-grained token may not read gated repos "
                "(whether your account was granted access cannot be seen until it may)"
            )
            next_step = (
                'Enable "Read access to contents of all public gated repos you can access" for this token at '
                f"{ctx.token_settings_url}, or use a read token."
            )
        case Status.TOKEN_INVALID:
            message = f"the Hub rejected the token from {ctx.token.source} (invalid, expired or revoked)"
            anonymous = ctx.option("rerun with --anonymous", "pass anonymous=True")
            next_step = (
                f"Create a new token at {ctx.token_settings_url} and {login}; "
                f"or unset {ctx.token.source} / {anonymous} for public repos."
            )
        case Status.NOT_FOUND:
            message = f"no such {kind}, or it is private and " + (
                "this token cannot see it" if ctx.token.present else "no token was sent"
            )
            repo_type = ctx.option("--repo-type", "repo_type=")
            next_step = (
                f"Check the id (and {repo_type}); if it is private, {login} with an account that can see it."
            )
            if kind == "model":
                next_step += ctx.option(
                    " A dataset? use --repo-type dataset or datasets/org/name.",
                    " A dataset? pass repo_type='dataset' or datasets/org/name.",
                )
        case Status.DISABLED:
            message = f"this {kind} has been disabled on the Hub"
            next_step = "Pick another repo: disabled repos cannot be downloaded."
        case Status.REVISION_NOT_FOUND:
            message = f"this {kind} has no revision {ref.revision!r} (branch, tag or commit)"
            next_step = f"Pin an existing revision: see the branches, tags and commits at {url}/tree/main."
        case Status.ERROR:
            message = f"no verdict: {hub_words or 'unexpected answer'}"
            next_step = "Re-run later; if it persists, check your network and HF_ENDPOINT."
        case _:
            raise ValueError(f"unexpected status {status}")
    return Verdict(
        input=ref.input,
        model_id=repo_id,
        requested_id=ref.repo_id,
        repo_type=ref.repo_type,
        status=status,
        gated_mode=facts.gate_mode if facts is not None and facts.gated else None,
        is_gated=facts.gated if facts is not None else None,
        private=facts.private if facts is not None else None,
        url=url,
        message=message,
        next_step=next_step,
        origin=ref.origin,
        revision=ref.revision,
        sha=facts.sha if facts is not None else None,
    )


def _org_policy_words(scope: str, repo_id: str, ctx: Context, hub_words: str) -> tuple[str, str]:
    """Message and next step for an organization's token policy; the Hub's own words stay in the message."""
    org = repo_id.split("/", 1)[0]
    said = f" (the Hub said: {hub_words})" if hub_words else ""
    if scope == "org-approval":
        return (
            f"the {org} organization has not approved this fine-grained token (pending, denied or revoked){said}",
            f"Ask an admin of {org} to approve the token in the organization's settings, "
            f"or use a token they have approved. Requesting access to the repo will not help.",
        )
    if scope == "org-fine-grained-only":
        return (
            f"the {org} organization accepts fine-grained tokens only; this is a "
            f"{ctx.token.role or 'read/write'} token{said}",
            f"Create a fine-grained token with read access to {org}'s repos at {ctx.token_settings_url} "
            f"and use it{ctx.option(' (--token or HF_TOKEN)', ' (token=...)')}.",
        )
    return (
        f"the {org} organization refused this token (an organization token policy){said}",
        f"Ask an admin of {org} which tokens it accepts (admin approval, fine-grained only), "
        f"then create or get one approved at {ctx.token_settings_url}.",
    )


def with_requirements(verdict: Verdict, requirements: list[Requirement]) -> Verdict:
    """Attach the base chain; a usable model whose needed base is not usable takes that base's status."""
    if not requirements:
        return verdict
    update: dict[str, Any] = {"requires": tuple(requirements)}
    blocking = [r for r in requirements if r.needed and r.status not in USABLE]
    if verdict.status in USABLE and blocking:
        base = blocking[0]
        update["status"] = base.status
        update["message"] = (
            f"{verdict.message}, but it is an {base.relation} on {base.id}, which is {base.status.value}: {base.message}"
        )
        update["next_step"] = f"For the base model {base.id}: {base.next_step or 'see its page'}"
    return verdict.model_copy(update=update)


def with_suggestions(verdict: Verdict, suggestions: list[str]) -> Verdict:
    if not suggestions:
        return verdict
    return verdict.model_copy(
        update={
            "suggestions": tuple(suggestions),
            "next_step": f"{_did_you_mean(suggestions)}{verdict.next_step or ''}".strip(),
        }
    )


def _did_you_mean(suggestions: list[str] | tuple[str, ...]) -> str:
    return f"Did you mean {', '.join(suggestions)}? "


def without_missing_suggestions(verdicts: list[Verdict]) -> list[Verdict]:
    """Never suggest an id that is itself `not-found` in the same run."""
    missing = {v.requested_id or v.input for v in verdicts if v.status == Status.NOT_FOUND}
    kept: list[Verdict] = []
    for verdict in verdicts:
        keep = [s for s in verdict.suggestions if s not in missing]
        if len(keep) == len(verdict.suggestions):
            kept.append(verdict)
            continue
        step = (verdict.next_step or "").removeprefix(_did_you_mean(verdict.suggestions)) or None
        bare = verdict.model_copy(update={"suggestions": (), "next_step": step})
        kept.append(with_suggestions(bare, keep))
    return kept


def with_findings(verdict: Verdict, findings: list[Finding]) -> Verdict:
    return verdict.model_copy(update={"findings": tuple(findings)}) if findings else verdict


def with_alternatives(verdict: Verdict, alternatives: list[Alternative]) -> Verdict:
    """Attach open models to use while the blocked one waits; the next step stays the Hub's."""
    if not alternatives:
        return verdict
    return verdict.model_copy(update={"alternatives": tuple(alternatives)})


def error_verdict(ref: RepoRef, ctx: Context, reason: str) -> Verdict:
    """A check that failed before the Hub could answer (an exception in our own code path)."""
    return _verdict(ref, ctx, Status.ERROR, facts=None, answer=HubAnswer(status=None, failure=reason))
