"""`check --author`: every public repo of an organisation or user, from the Hub's listing, and the verdict
that stands for a listing that failed or found nothing."""

from __future__ import annotations

from hubgate.check.session import Session
from hubgate.hub.answers import HubAnswer
from hubgate.inputs.refs import RepoRef, RepoType
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.decide import error_verdict
from hubgate.verdicts.verdict import Status, Verdict


def list_author(
    session: Session, author: str, repo_type: RepoType = "model"
) -> tuple[list[RepoRef], dict[tuple[str, str], HubAnswer], str | None]:
    """Every public repo of an organisation or user, with its gate mode, from the Hub's listing
    (a page holds up to 1,000 repos). Returns refs in listing order, their metadata answers for
    `run_check(known=...)`, and the error that cut the listing short, if any."""
    expand = [("expand[]", name) for name in ("gated", "private", "disabled", "cardData")]
    items, error = session.service.list_all(
        f"/api/{repo_type}s", [("author", author), ("limit", "1000"), *expand]
    )
    refs, known = [], {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ref = RepoRef(item["id"], repo_type, item["id"], origin=f"--author {author}")
            refs.append(ref)
            known[ref.key] = HubAnswer(status=200, body=item)
    return refs, known, (scrub(error.describe(), session.token.value) if error is not None else None)


def author_problem(session: Session, author: str, repo_type: RepoType, error: str | None) -> Verdict:
    """The verdict for an organisation listing that failed (`error`) or listed nothing (`not-found`)."""
    ref = RepoRef(f"--author {author}", repo_type, author)
    if error is not None:
        return error_verdict(ref, session.ctx, f"listing {author}'s {repo_type}s: {error}")
    return Verdict(
        input=ref.input,
        model_id=None,
        repo_type=repo_type,
        status=Status.NOT_FOUND,
        url=f"{session.ctx.endpoint}/{author}",
        message=f"the Hub lists no public {repo_type}s for {author}",
        next_step="Check the organisation or user name (it is case-sensitive).",
    )
