"""The words of a verdict: its one-line message and its next step, for each status. Pure."""

from __future__ import annotations

from hubgate.hub.answers import HubAnswer, RepoFacts
from hubgate.inputs.refs import RepoRef
from hubgate.verdicts.verdict import Context, Status


def wording(
    status: Status,
    ref: RepoRef,
    ctx: Context,
    *,
    repo_id: str,
    url: str,
    facts: RepoFacts | None,
    answer: HubAnswer | None = None,
    reset: bool = False,
    scope: str | None = None,
) -> tuple[str, str | None]:
    """(message, next step) for a repo of this status. `reset`: a not-requested gate whose earlier request
    the authors reset; `scope`: the organization token policy a token-scope verdict shows."""
    kind = ref.repo_type
    gate = gate_phrase(facts)
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
            message, next_step = org_policy_words(scope, repo_id, ctx, hub_words)
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
    return message, next_step


def gate_phrase(facts: RepoFacts | None) -> str:
    if facts is None or not facts.gated:
        return ""
    if facts.gate_mode == "auto":
        return "gated (auto: access is immediate once you accept the terms)"
    if facts.gate_mode == "manual":
        return "gated (manual: the authors review each request, hours to days)"
    return f"gated ({facts.gate_mode or 'mode not reported'})"


def org_policy_words(scope: str, repo_id: str, ctx: Context, hub_words: str) -> tuple[str, str]:
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
