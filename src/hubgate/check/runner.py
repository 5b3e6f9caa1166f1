"""Check many repos concurrently: input refs in, a Report out. The CLI and the Python API both use it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hubgate.check.inspection import Evidence, Inspections
from hubgate.check.listings import AuthorListings
from hubgate.check.report import Report
from hubgate.hub.answers import HubAnswer, RepoFacts
from hubgate.hub.cache import MetadataCache
from hubgate.hub.pacing import RatePacer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy, validate_endpoint
from hubgate.hub.tally import Budget
from hubgate.hub.token import ResolvedToken, TokenInfo, anonymous_info, resolve_token, token_info_from_whoami
from hubgate.hub.workers import run_all
from hubgate.inputs.policy import Rules
from hubgate.inputs.refs import InvalidRef, RepoRef, RepoType, parse_ref
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.findings import findings_for
from hubgate.verdicts.lineage import BLOCKING_RELATIONS, MAX_BASES, MAX_DEPTH, base_links
from hubgate.verdicts.verdict import (
    ACTION_NEEDED,
    PROBLEMS,
    TEXT_FIELDS,
    USABLE,
    Alternative,
    Context,
    Requirement,
    Status,
    Verdict,
    error_verdict,
    invalid_verdict,
    with_alternatives,
    with_findings,
    with_requirements,
    with_suggestions,
    without_missing_suggestions,
)

if TYPE_CHECKING:
    from hubgate.fit import GpuSpec
    from hubgate.registry.loader import Registry

DEFAULT_JOBS = 8


@dataclass(frozen=True)
class FitRequest:
    """`check --gpu`: judge each checked model on these GPUs (resolved in the catalogue beforehand)."""

    gpus: tuple[GpuSpec, ...]
    dtype: str | None = None
    context: int | None = None
    batch: int = 1


@dataclass(frozen=True)
class Joins:
    """What a check adds beside the access verdicts. `registry`: the loaded registry, or None for none."""

    registry: Registry | None = None
    follow_bases: bool = True
    suggest: bool = True
    alternatives: bool = True
    fit: FitRequest | None = None
    rules: Rules | None = field(default_factory=Rules)  # pre-flight findings under these rules; None: none


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


def suggestions_for(session: Session, ref: RepoRef, registry: Registry | None = None) -> list[str]:
    """Candidates for an id the Hub does not know. A misspelling the registry records answers at once;
    otherwise close registry ids join the Hub's search (one or two api requests), ranked by similarity."""
    from hubgate.verdicts.suggest import MAX_SUGGESTIONS, case_first, rank

    from_registry: list[str] = []
    if registry is not None and ref.repo_type == "model":
        from hubgate.registry.joins import misspelling_suggestions

        from_registry = misspelling_suggestions(registry, ref.repo_id)
        if registry.misspelling_of(ref.repo_id) is not None:
            return from_registry[:MAX_SUGGESTIONS]
    from_hub = [c for c in hub_search(session, ref) if c not in from_registry]
    return case_first(ref.repo_id, from_registry + rank(ref.repo_id, from_hub))[:MAX_SUGGESTIONS]


def hub_search(session: Session, ref: RepoRef) -> list[str]:
    """Ids the Hub's search finds for a name, ranked; a shorter term is tried when the first finds none."""
    from hubgate.verdicts.suggest import rank, search_terms

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


def requirements_of(
    inspections: Inspections, facts: RepoFacts, registry: Registry | None = None
) -> list[Requirement]:
    """Walk `base_model` (the card's, and the registry's) up the chain, breadth first, bounded in depth
    and count, cycles cut."""

    def links(of: RepoFacts) -> list:  # type: ignore[type-arg]
        if registry is None:
            return base_links(of)
        from hubgate.registry.joins import registry_bases

        return base_links(of, registry_bases(registry, of.id))

    seen = {facts.id}
    found: list[Requirement] = []
    frontier = [(link, link.relation in BLOCKING_RELATIONS, 1) for link in links(facts)]
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
                (up, needed and up.relation in BLOCKING_RELATIONS, depth + 1) for up in links(base_facts)
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
    caller: str = "cli",
    budget: Budget | None = None,
) -> Session:
    """Resolve the endpoint and identify the token (one whoami-v2, which also primes the pacer).
    `caller`: "api" words next steps for Python code instead of command-line options."""
    service = HubService(
        endpoint or default_endpoint(), token.value, policy=policy, pacer=pacer, budget=budget
    )
    info = identify_token(service, token)
    return Session(service, Context(endpoint=service.endpoint, token=info, caller=caller), token)


def check_all(
    session: Session,
    refs: Sequence[RepoRef | InvalidRef],
    *,
    jobs: int = DEFAULT_JOBS,
    on_result: Callable[[Verdict], None] | None = None,
    follow_bases: bool = True,
    suggest: bool = True,
    known: dict[tuple[str, str], HubAnswer] | None = None,
    joins: Joins | None = None,
    cache: MetadataCache | None = None,
    batch: bool = True,
) -> Report:
    """Check every ref concurrently; one failing check never stops the others. Results keep input order.
    With `follow_bases`, each model's `base_model` chain is checked too (each base once per run).
    `known`: metadata answers already in hand (from an organisation listing), by ref key.
    `joins`: registry facts, alternatives and GPU fit beside each verdict (its own `follow_bases` and
    `suggest` replace the keyword arguments). `cache`: commit-bound metadata from earlier runs (and this
    run's, for the next); `batch`: read the metadata of authors with several repos in the run from their
    listing."""

    joins = joins if joins is not None else Joins(follow_bases=follow_bases, suggest=suggest)
    rules = joins.rules
    if rules is not None and (rules.max_size is not None or rules.disk_free is not None):
        session.service.file_sizes = True  # size limits judged on exact file sizes, same request count
    listings = None
    if batch and session.ctx.token.valid is not False and not session.service.file_sizes:
        listings = AuthorListings(session.service, refs)
    inspections = Inspections(session, Evidence(known=known or {}, listings=listings, cache=cache))

    def task(ref: RepoRef | InvalidRef) -> Verdict:
        if isinstance(ref, InvalidRef):
            verdict = invalid_verdict(ref)
        else:
            try:
                verdict = _checked(session, inspections, joins, ref)
            except Exception as exc:  # a join failing must not lose the verdict of the others
                verdict = error_verdict(ref, session.ctx, f"{type(exc).__name__}: {exc}")
        verdict = _scrubbed(verdict, session.token.value)
        if on_result is not None:
            on_result(verdict)
        return verdict

    verdicts = without_missing_suggestions(run_all(session.service, task, refs, jobs=jobs))
    return Report(
        endpoint=session.ctx.endpoint,
        checked_at=datetime.now(UTC),
        token=session.ctx.token,
        verdicts=verdicts,
        requests=dict(session.service.stats.sent),
        retries=session.service.stats.retries,
        quotas={
            bucket: {"remaining": q.remaining, "limit": q.limit, "reset_in": q.reset_in}
            for bucket, q in session.service.pacer.last_quotas.items()
        },
        budget=session.service.budget.caps if session.service.budget is not None else None,
        cache={"hits": cache.hits, "misses": cache.misses} if cache is not None else None,
        listing_pages=listings.pages if listings is not None else 0,
    )


def _checked(session: Session, inspections: Inspections, joins: Joins, ref: RepoRef) -> Verdict:
    """One ref's verdict with everything `joins` asks for beside it."""
    registry = joins.registry
    verdict, facts = inspections.get(ref)
    if verdict.input != ref.input:  # inspected first as another model's base
        verdict = verdict.model_copy(update={"input": ref.input, "origin": ref.origin})
    entry = None
    if registry is not None and ref.repo_type == "model":
        from hubgate.registry.joins import entry_for, with_registry

        entry = entry_for(registry, verdict.model_id, ref.repo_id, ref.input)
        verdict = with_registry(verdict, entry)
    api_only = entry is not None and entry.provider.value != "huggingface"
    if joins.rules is not None and facts is not None and ref.repo_type == "model":
        verdict = with_findings(verdict, findings_for(facts, joins.rules))
    if joins.suggest and verdict.status == Status.NOT_FOUND and not api_only:
        verdict = with_suggestions(verdict, suggestions_for(session, ref, registry))
    if joins.follow_bases and facts is not None:
        try:
            verdict = with_requirements(verdict, requirements_of(inspections, facts, registry))
        except Exception as exc:
            verdict = error_verdict(
                ref, session.ctx, f"while following base models: {type(exc).__name__}: {exc}"
            )
    if joins.alternatives and registry is not None and verdict.status in ACTION_NEEDED:
        verdict = with_alternatives(verdict, alternatives_for(inspections, registry, verdict, facts))
    if joins.fit is not None and ref.repo_type == "model" and not api_only and verdict.status not in PROBLEMS:
        verdict = verdict.model_copy(update={"fit": fit_of(joins, verdict, facts)})
    return verdict


def alternatives_for(
    inspections: Inspections, registry: Registry, verdict: Verdict, facts: RepoFacts | None
) -> list[Alternative]:
    """Up to three registry models of the blocked model's type and size that this token can use now.
    Each candidate is confirmed on the Hub, never taken on trust: its own access (one metadata request,
    once per run) and its own base chain, so an adapter on a gated base is not usable and anything built
    on the blocked model itself (a re-upload, quantization, fine-tune or adapter of it) is never offered."""
    from hubgate.hub.answers import params_from_safetensors
    from hubgate.registry.joins import MAX_ALTERNATIVES, alternative_candidates, describe_blocked

    model_id = verdict.model_id or verdict.requested_id or verdict.input
    hub_params = params_from_safetensors(facts.safetensors)[0] if facts is not None else None
    blocked = describe_blocked(registry, model_id, hub_params, facts.config if facts else None)
    found: list[Alternative] = []
    for candidate in alternative_candidates(registry, blocked):
        alt_verdict, alt_facts = inspections.get(RepoRef(candidate, "model", candidate))
        if alt_verdict.status not in USABLE:
            continue
        if alt_facts is not None:
            chain = requirements_of(inspections, alt_facts, registry)
            if any(base.id.lower() == model_id.lower() for base in chain):
                continue
            if with_requirements(alt_verdict, chain).status not in USABLE:
                continue
        entry = registry.models[candidate]
        found.append(
            Alternative(
                id=alt_verdict.model_id or candidate,
                status=alt_verdict.status,
                license=entry.license.id if entry.license else None,
                parameters=entry.specs.parameters,
            )
        )
        if len(found) == MAX_ALTERNATIVES:
            break
    return found


def fit_of(joins: Joins, verdict: Verdict, facts: RepoFacts | None) -> dict[str, Any] | None:
    """GPU fit from the registry and the metadata already fetched (no extra request); None for repos the
    Hub did not describe and the registry does not know."""
    from hubgate.fit import fit_facts, model_facts

    assert joins.fit is not None
    if facts is None and verdict.registry is None:
        return None
    body = (
        {
            "id": facts.id,
            "safetensors": facts.safetensors,
            "config": facts.config,
            "siblings": [{"rfilename": name} for name in facts.siblings],
        }
        if facts
        else None
    )
    request = joins.fit
    known = model_facts(
        verdict.model_id or verdict.input,
        body,
        registry=joins.registry,
        use_registry=joins.registry is not None,
    )
    result = fit_facts(known, list(request.gpus), request.dtype, request.context, request.batch)
    return result.to_dict()


def run_checks(
    refs: Sequence[RepoRef | InvalidRef],
    *,
    token: ResolvedToken,
    endpoint: str | None = None,
    jobs: int = DEFAULT_JOBS,
    policy: RetryPolicy | None = None,
    pacer: RatePacer | None = None,
    on_result: Callable[[Verdict], None] | None = None,
    joins: Joins | None = None,
    caller: str = "cli",
    cache: MetadataCache | None = None,
) -> Report:
    """Identify the token, then check every ref."""
    session = open_session(token, endpoint=endpoint, policy=policy, pacer=pacer, caller=caller)
    return check_all(session, refs, jobs=jobs, on_result=on_result, joins=joins, cache=cache)


def _scrubbed(verdict: Verdict, token: str | None) -> Verdict:
    """No token value in any text a verdict carries, whatever the Hub or an exception said."""
    return verdict.model_copy(
        update={
            name: scrub(value, token)
            for name in TEXT_FIELDS
            if isinstance(value := getattr(verdict, name), str)
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
    registry: Registry | bool = True,
    gpus: Sequence[str] = (),
    cache: bool = True,
) -> list[Verdict]:
    """Check several ids (any accepted form, registry aliases too); one Verdict per distinct input, in input
    order. `registry`: True for the default registry (bundled + HUBGATE_REGISTRY), a loaded Registry, or
    False for none. `gpus`: catalogue names to judge each model on (`Verdict.fit`). `cache`: keep and use
    commit-bound metadata between runs (HUBGATE_CACHE_DIR, else the user cache dir)."""
    from hubgate.inputs.sources import Entry, parse_entries

    loaded = _api_registry(registry)
    aliases = None
    if loaded is not None and repo_type == "model":
        from hubgate.registry.joins import input_aliases

        aliases = input_aliases(loaded)
    fit = None
    if gpus:
        from hubgate.fit import gpu_specs

        fit = FitRequest(gpus=tuple(gpu_specs(list(gpus))))
    endpoint = validate_endpoint(endpoint or default_endpoint(), "endpoint" if endpoint else "HF_ENDPOINT")
    refs = parse_entries(
        [Entry(i, None) for i in model_ids], default_type=repo_type, endpoint=endpoint, aliases=aliases
    )
    resolved = resolve_token(token, anonymous=anonymous)
    joins = Joins(registry=loaded, fit=fit)
    store = MetadataCache() if cache else None
    try:
        report = run_checks(
            refs, token=resolved, endpoint=endpoint, jobs=jobs, joins=joins, caller="api", cache=store
        )
    finally:
        if store is not None:
            store.close()
    return report.verdicts


def _api_registry(registry: Registry | bool) -> Registry | None:
    """True: the default registry, or, when its data has problems, the entries that validate."""
    if registry is False:
        return None
    if registry is not True:
        return registry
    from hubgate.registry.loader import RegistryError, load_registry
    from hubgate.registry.queries import default_registry

    try:
        return default_registry()
    except RegistryError:
        return load_registry(strict=False)


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
) -> tuple[list[RepoRef], dict[tuple[str, str], HubAnswer], str | None]:
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
