"""Decisions: what a repo's Hub answers mean for this token (docs/hub.md, "Gate answers" and "Missing,
private, disabled, redirected"). Pure: Hub answers in, verdicts out, with the words of verdicts/wording.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hubgate.hub.answers import HubAnswer, RepoFacts
from hubgate.hub.token import TokenInfo
from hubgate.inputs.refs import InvalidRef, RepoRef
from hubgate.verdicts.verdict import Context, Status, Verdict
from hubgate.verdicts.wording import wording

if TYPE_CHECKING:
    from hubgate.hub.cache import CachedRepo


@dataclass(frozen=True, kw_only=True)
class NeedsProbe:
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


def from_metadata(
    ref: RepoRef, meta: HubAnswer, ctx: Context, facts: RepoFacts | None = None
) -> Verdict | NeedsProbe:
    """First call: the repo's metadata. Decides every case it can, so no access probe is spent. `facts`:
    the answer's body as `facts_from_metadata` read it, when the caller has read it already."""
    from hubgate.hub.answers import facts_from_metadata, metadata_shape_problem

    if meta.status == 200:
        problem = metadata_shape_problem(meta.body)
        if problem is not None:
            # A proxy or a wrong HF_ENDPOINT can answer 200 to anything: never read that as "open".
            failure = f"HTTP 200 but {problem}: not a Hub answer; check HF_ENDPOINT"
            return _verdict(
                ref, ctx, Status.ERROR, facts=None, answer=HubAnswer(status=None, failure=failure)
            )
        facts = facts if facts is not None else facts_from_metadata(ref.repo_id, meta.body)
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


def error_verdict(ref: RepoRef, ctx: Context, reason: str) -> Verdict:
    """A check that failed before the Hub could answer (an exception in our own code path)."""
    return _verdict(ref, ctx, Status.ERROR, facts=None, answer=HubAnswer(status=None, failure=reason))


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
    message, next_step = wording(
        status, ref, ctx, repo_id=repo_id, url=url, facts=facts, answer=answer, reset=reset, scope=scope
    )
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
