"""Collections as input: each `collections/ns/slug-id` expands, with one request, to the models and datasets it
lists; the other items (spaces, papers) are noted, not checked. A collection that cannot be read is one
verdict for that input; the other inputs go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from hubgate.check.session import Session
from hubgate.hub.collections import MAX_COLLECTION_ITEMS, CollectionFacts, collection_facts
from hubgate.inputs.refs import AnyRef, CollectionRef, InvalidRef, RepoRef, RepoType, parse_ref, visible
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.verdict import Status, Verdict


@dataclass
class CollectionOutcome:
    """One collection input: what it expanded to, or why it could not be read (`error`)."""

    name: str  # namespace/slug-id
    input: str
    origin: str | None = None
    title: str | None = None
    repos: list[str] = field(default_factory=list)  # the ids it added to the run, in order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (type, id): spaces, papers, ...
    cut: int = 0  # items past MAX_COLLECTION_ITEMS, not read
    gating_group: bool = False  # the Hub's answer says the collection is a gating group
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "collection": self.name,
            "input": self.input,
            "title": self.title,
            "repos": list(self.repos),
            "skipped": [{"type": kind, "id": item} for kind, item in self.skipped],
            "cut": self.cut,
            "gating_group": self.gating_group,
            "error": self.error,
        }

    def note(self) -> str:
        """One line: what the collection held and what was left out."""
        if self.error is not None:
            return f"not read ({self.error})"
        parts = [f"{len(self.repos)} repo{'s' if len(self.repos) != 1 else ''}"]
        if self.skipped:
            kinds: dict[str, int] = {}
            for kind, _ in self.skipped:
                kinds[kind] = kinds.get(kind, 0) + 1
            listed = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in kinds.items())
            parts.append(f"skipped {listed} (only models and datasets are checked)")
        if self.cut:
            parts.append(f"{self.cut} items past the first {MAX_COLLECTION_ITEMS:,} not read")
        if self.gating_group:
            parts.append("a gating group: one access request covers all its repos")
        return "; ".join(parts)


@dataclass
class Expansion:
    """The run's inputs with every collection replaced by its repos (or by its failure's verdict)."""

    items: list[RepoRef | InvalidRef | Verdict]
    collections: list[CollectionOutcome] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


def expand_collections(session: Session, refs: Sequence[AnyRef] | Expansion) -> Expansion:
    """Each collection read once (one api request), its repos in its place; a repo already in the run
    (given directly or by an earlier collection) is kept once, first occurrence wins."""
    if isinstance(refs, Expansion):
        return refs
    if not any(isinstance(ref, CollectionRef) for ref in refs):
        return Expansion(items=list(cast("Sequence[RepoRef | InvalidRef]", refs)))
    seen = {ref.key for ref in refs if isinstance(ref, RepoRef)}
    items: list[RepoRef | InvalidRef | Verdict] = []
    outcomes: list[CollectionOutcome] = []
    for ref in refs:
        if not isinstance(ref, CollectionRef):
            items.append(ref)
            continue
        outcome = CollectionOutcome(ref.name, ref.input, ref.origin)
        outcomes.append(outcome)
        answer = session.service.collection(ref.namespace, ref.slug)
        facts: CollectionFacts | str = (
            collection_facts(ref.name, answer.body) if answer.ok else answer.describe()
        )
        if isinstance(facts, str):
            outcome.error = scrub(facts, session.token.value)
            items.append(_unreadable(ref, answer.status, outcome.error, session))
            continue
        outcome.title, outcome.skipped = facts.title, list(facts.skipped)
        outcome.cut, outcome.gating_group = facts.cut, facts.gating_group
        for kind, repo_id in facts.repos:
            parsed = parse_ref(repo_id, default_type=cast("RepoType", kind))
            if not isinstance(parsed, RepoRef) or parsed.repo_id != repo_id or parsed.revision is not None:
                # The Hub's text goes into a request path: only a plain repo id is asked for.
                outcome.skipped.append(
                    (f"{kind} (not a repo id)", visible(scrub(repo_id, session.token.value)))
                )
                continue
            repo = RepoRef(
                repo_id,
                cast("RepoType", kind),
                repo_id,
                ref.origin,
                revision=ref.revision,
                collection=ref.name,
            )
            if repo.key in seen:
                continue
            seen.add(repo.key)
            outcome.repos.append(repo_id)
            items.append(repo)
    return Expansion(items, outcomes)


def with_group_steps(verdicts: list[Verdict], collections: Sequence[CollectionOutcome]) -> list[Verdict]:
    """A repo to ask for in a collection the Hub says is a gating group: its next step says one request
    covers the group (nothing is said where the Hub did not say so)."""
    groups = {c.name for c in collections if c.gating_group}
    if not groups:
        return verdicts
    return [
        replace(
            v,
            next_step=f"{v.next_step or ''} One request covers every repo of gating group "
            f"{v.collection}: `hubgate request collections/{v.collection}` sends one.".strip(),
        )
        if v.collection in groups and v.status == Status.NOT_REQUESTED
        else v
        for v in verdicts
    ]


def _unreadable(ref: CollectionRef, status: int | None, reason: str, session: Session) -> Verdict:
    """The one verdict of a collection that could not be read: missing (or private to others), or an error."""
    if status in (401, 404):
        anonymous = not session.token.present
        outcome = Status.NOT_FOUND
        message = (
            f"collection {ref.name} not found, or private"
            + (" (checked without a token)" if anonymous else " to this token's account")
            + f": {reason}"
        )
        next_step = "Check the collection's name on the Hub" + (
            "; a private one needs a token of an account that can see it." if anonymous else "."
        )
    else:
        outcome = Status.ERROR
        message = f"collection {ref.name} could not be read: {reason}"
        next_step = "Run again later; the other inputs were checked."
    return Verdict(
        input=ref.input,
        model_id=None,
        status=outcome,
        url=f"{session.ctx.endpoint}/collections/{ref.name}",
        origin=ref.origin,
        collection=ref.name,
        message=message,
        next_step=next_step,
    )
