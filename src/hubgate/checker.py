"""Check many repos concurrently: input refs in, a Report out. The CLI and the Python API both use it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from hubgate.answers import HubAnswer, RepoFacts, facts_from_metadata
from hubgate.hub import HubService, RetryPolicy
from hubgate.lineage import BLOCKING_RELATIONS, MAX_BASES, MAX_DEPTH, base_links
from hubgate.ratelimit import RatePacer
from hubgate.refs import InvalidRef, RepoRef, RepoType, parse_ref
from hubgate.report import Report
from hubgate.token import (
    ResolvedToken,
    TokenInfo,
    anonymous_info,
    resolve_token,
    scrub,
    token_info_from_whoami,
)
from hubgate.verdict import (
    Context,
    NeedsProbe,
    Requirement,
    Status,
    Verdict,
    error_verdict,
    from_metadata,
    from_probe,
    invalid_verdict,
    with_requirements,
    with_suggestions,
)

DEFAULT_JOBS = 8


def default_endpoint() -> str:
    """HF_ENDPOINT as it is now (huggingface_hub reads it once, at import)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def identify_token(service: HubService, token: ResolvedToken) -> TokenInfo:
    """One whoami-v2 per run tells the account, the role and the gated-read permission."""
    if not token.present:
        return anonymous_info(token.source)
    answer = service.whoami()
    return token_info_from_whoami(token.source, answer.status, answer.body, answer.failure)


def inspect(
    service: HubService, ctx: Context, ref: RepoRef, meta: HubAnswer | None = None
) -> tuple[Verdict, RepoFacts | None]:
    """At most two requests: metadata (api bucket; skipped when `meta` came from a listing), then, for
    gated or private repos with a token, one access probe (a HEAD on a file: resolvers bucket;
    auth-check for datasets)."""
    meta = meta if meta is not None else service.metadata(ref)
    facts = facts_from_metadata(ref.repo_id, meta.body) if meta.status == 200 else None
    first = from_metadata(ref, meta, ctx)
    if isinstance(first, Verdict):
        return first, facts
    assert isinstance(first, NeedsProbe)
    return from_probe(ref, first.facts, service.probe(ref.repo_type, first.facts), ctx), facts


class _Inspections:
    """Each repo inspected once per run, even when it is the base of many models (Llama-2 under its
    adapters). Waiting threads wait on a single inspection, never on a chain, so cycles cannot deadlock."""

    def __init__(self, session: Session, known: dict[tuple[str, str], HubAnswer] | None = None) -> None:
        self._session = session
        self._known = known or {}
        self._lock = threading.Lock()
        self._done: dict[tuple[str, str], tuple[threading.Event, list[tuple[Verdict, RepoFacts | None]]]] = {}

    def get(self, ref: RepoRef) -> tuple[Verdict, RepoFacts | None]:
        with self._lock:
            entry = self._done.get(ref.key)
            owner = entry is None
            if owner:
                entry = (threading.Event(), [])
                self._done[ref.key] = entry
        assert entry is not None
        event, slot = entry
        if owner:
            try:
                meta = self._known.get(ref.key)
                slot.append(inspect(self._session.service, self._session.ctx, ref, meta))
            except Exception as exc:  # one repo's failure never stops the others
                slot.append((error_verdict(ref, self._session.ctx, f"{type(exc).__name__}: {exc}"), None))
            finally:
                event.set()
        event.wait()
        return slot[0]


def suggestions_for(session: Session, ref: RepoRef) -> list[str]:
    """Candidates for an id the Hub does not know, from the Hub's search (one or two api requests),
    ranked by similarity."""
    from hubgate.suggest import rank, search_terms

    candidates: list[str] = []
    for term in search_terms(ref.repo_id):
        answer = session.service.get(f"/api/{ref.repo_type}s", params=[("search", term), ("limit", "20")])
        if answer.ok and isinstance(answer.body, list):
            candidates += [
                item["id"]
                for item in answer.body
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]
        if rank(ref.repo_id, candidates):
            break
    return rank(ref.repo_id, candidates)


def requirements_of(inspections: _Inspections, facts: RepoFacts) -> list[Requirement]:
    """Walk `base_model` up the chain, breadth first, bounded in depth and count, cycles cut."""
    seen = {facts.id}
    found: list[Requirement] = []
    frontier = [(link, link.relation in BLOCKING_RELATIONS, 1) for link in base_links(facts)]
    while frontier and len(found) < MAX_BASES:
        link, needed, depth = frontier.pop(0)
        if link.base_id in seen or depth > MAX_DEPTH:
            continue
        seen.add(link.base_id)
        base = parse_ref(link.base_id)
        if not isinstance(base, RepoRef):
            continue
        verdict, base_facts = inspections.get(base)
        found.append(
            Requirement(
                id=verdict.model_id or link.base_id,
                relation=link.relation,
                status=verdict.status,
                needed=needed,
                depth=depth,
                message=verdict.message,
                next_step=verdict.next_step,
            )
        )
        if base_facts is not None:
            seen.add(base_facts.id)
            frontier += [
                (up, needed and up.relation in BLOCKING_RELATIONS, depth + 1) for up in base_links(base_facts)
            ]
    return found


@dataclass
class Session:
    """One run's Hub service and what every verdict needs (endpoint, token info)."""

    service: HubService
    ctx: Context
    token: ResolvedToken


def open_session(
    token: ResolvedToken,
    *,
    endpoint: str | None = None,
    policy: RetryPolicy | None = None,
    pacer: RatePacer | None = None,
) -> Session:
    """Resolve the endpoint and identify the token (one whoami-v2, which also primes the pacer)."""
    endpoint = (endpoint or default_endpoint()).rstrip("/")
    service = HubService(endpoint, token.value, policy=policy, pacer=pacer)
    info = identify_token(service, token)
    return Session(service, Context(endpoint=endpoint, token=info), token)


def check_all(
    session: Session,
    refs: Sequence[RepoRef | InvalidRef],
    *,
    jobs: int = DEFAULT_JOBS,
    on_result: Callable[[Verdict], None] | None = None,
    follow_bases: bool = True,
    suggest: bool = True,
    known: dict[tuple[str, str], HubAnswer] | None = None,
) -> Report:
    """Check every ref concurrently; one failing check never stops the others. Results keep input order.
    With `follow_bases`, each model's `base_model` chain is checked too (each base once per run).
    `known`: metadata answers already in hand (from an organisation listing), by ref key."""

    inspections = _Inspections(session, known)

    def task(ref: RepoRef | InvalidRef) -> Verdict:
        if isinstance(ref, InvalidRef):
            verdict = invalid_verdict(ref)
        else:
            verdict, facts = inspections.get(ref)
            if verdict.input != ref.input:  # inspected first as another model's base
                verdict = verdict.model_copy(update={"input": ref.input, "origin": ref.origin})
            if suggest and verdict.status == Status.NOT_FOUND:
                verdict = with_suggestions(verdict, suggestions_for(session, ref))
            if follow_bases and facts is not None:
                try:
                    verdict = with_requirements(verdict, requirements_of(inspections, facts))
                except Exception as exc:
                    verdict = error_verdict(
                        ref, session.ctx, f"while following base models: {type(exc).__name__}: {exc}"
                    )
        verdict = _scrubbed(verdict, session.token.value)
        if on_result is not None:
            on_result(verdict)
        return verdict

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="hubgate") as pool:
        verdicts = list(pool.map(task, refs))
    return Report(
        endpoint=session.ctx.endpoint,
        checked_at=datetime.now(UTC),
        token=session.ctx.token,
        verdicts=verdicts,
        requests=dict(session.service.stats.sent),
        retries=session.service.stats.retries,
    )


def run_checks(
    refs: Sequence[RepoRef | InvalidRef],
    *,
    token: ResolvedToken,
    endpoint: str | None = None,
    jobs: int = DEFAULT_JOBS,
    policy: RetryPolicy | None = None,
    pacer: RatePacer | None = None,
    on_result: Callable[[Verdict], None] | None = None,
) -> Report:
    """Identify the token, then check every ref."""
    session = open_session(token, endpoint=endpoint, policy=policy, pacer=pacer)
    return check_all(session, refs, jobs=jobs, on_result=on_result)


def _scrubbed(verdict: Verdict, token: str | None) -> Verdict:
    """No token value in any text a verdict carries, whatever the Hub or an exception said."""
    return verdict.model_copy(
        update={
            "message": scrub(verdict.message, token),
            "next_step": scrub(verdict.next_step, token) if verdict.next_step else None,
            "input": scrub(verdict.input, token),
        }
    )


# -- Python API -----------------------------------------------------------------------------------


def check_models(
    model_ids: Iterable[str],
    *,
    token: str | None = None,
    anonymous: bool = False,
    repo_type: RepoType = "model",
    endpoint: str | None = None,
    jobs: int = DEFAULT_JOBS,
) -> list[Verdict]:
    """Check several ids (any accepted form); one Verdict per distinct input, in input order."""
    from hubgate.sources import Entry, parse_entries

    endpoint = (endpoint or default_endpoint()).rstrip("/")
    refs = parse_entries([Entry(i, None) for i in model_ids], default_type=repo_type, endpoint=endpoint)
    resolved = resolve_token(token, anonymous=anonymous)
    return run_checks(refs, token=resolved, endpoint=endpoint, jobs=jobs).verdicts


def check_model_access(
    model_id: str,
    *,
    token: str | None = None,
    anonymous: bool = False,
    repo_type: RepoType = "model",
    endpoint: str | None = None,
) -> Verdict:
    """Check one id. `info.is_gated and not info.has_access` tells a blocked gated model."""
    return check_models([model_id], token=token, anonymous=anonymous, repo_type=repo_type, endpoint=endpoint)[
        0
    ]


def list_author(
    session: Session, author: str, repo_type: RepoType = "model"
) -> tuple[list[RepoRef], dict, str | None]:
    """Every public repo of an organisation or user, with its gate mode, from the Hub's listing
    (a page holds up to 1,000 repos). Returns refs in listing order, their metadata answers for
    `check_all(known=...)`, and the error that cut the listing short, if any."""
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
