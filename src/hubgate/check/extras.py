"""The extras of a check: what it adds beside each access verdict (registry facts, pre-flight findings,
did-you-mean suggestions, the base-model chain, open alternatives, GPU fit), each asked for in `Extras`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from hubgate.check.evidence import Inspections
from hubgate.check.session import Session
from hubgate.hub.answers import RepoFacts
from hubgate.inputs.policy import PreflightRules
from hubgate.inputs.refs import RepoRef, parse_ref
from hubgate.verdicts.attach import with_alternatives, with_findings, with_requirements, with_suggestions
from hubgate.verdicts.decide import error_verdict
from hubgate.verdicts.findings import Finding, findings_for
from hubgate.verdicts.lineage import BLOCKING_RELATIONS, MAX_BASES, MAX_DEPTH, base_links
from hubgate.verdicts.verdict import (
    ACTION_NEEDED,
    PROBLEMS,
    USABLE,
    Alternative,
    Requirement,
    Status,
    Verdict,
)

if TYPE_CHECKING:
    from hubgate.fit import GpuSpec
    from hubgate.hub.cache import MetadataCache
    from hubgate.registry.summary import RegistrySummary


@dataclass(frozen=True)
class FitRequest:
    """`check --gpu`: judge each checked model on these GPUs (resolved in the catalogue beforehand)."""

    gpus: tuple[GpuSpec, ...]
    dtype: str | None = None
    context: int | None = None
    batch: int = 1


@dataclass(frozen=True)
class Extras:
    """What a check adds beside the access verdicts. `registry`: the registry's summary, or None for none."""

    registry: RegistrySummary | None = None
    follow_bases: bool = True
    suggest: bool = True
    alternatives: bool = True
    fit: FitRequest | None = None
    rules: PreflightRules | None = field(
        default_factory=PreflightRules
    )  # pre-flight findings under these rules; None: none
    hashes: bool = False  # the weights' LFS hashes (an ML-BOM): `blobs=true`, still one request per model


def verdict_with_extras(session: Session, inspections: Inspections, extras: Extras, ref: RepoRef) -> Verdict:
    """One ref's verdict with every extra `extras` asks for beside it."""
    registry = extras.registry
    verdict, facts = inspections.get(ref)
    if verdict.input != ref.input:  # inspected first as another model's base
        verdict = replace(verdict, input=ref.input, origin=ref.origin)
    entry = None
    if registry is not None and ref.repo_type == "model":
        from hubgate.registry.check_extras import entry_for, with_registry

        entry = entry_for(registry, verdict.model_id, ref.repo_id, ref.input)
        verdict = with_registry(verdict, entry)
    api_only = entry is not None and entry.provider.value != "huggingface"
    if facts is not None:
        from hubgate.verdicts.card import card_facts

        verdict = replace(verdict, card=card_facts(facts))
    if extras.rules is not None and facts is not None and ref.repo_type == "model":
        verdict = with_findings(verdict, with_scanners(session, facts, findings_for(facts, extras.rules)))
    if extras.suggest and verdict.status == Status.NOT_FOUND and not api_only:
        verdict = with_suggestions(verdict, suggestions_for(session, ref, registry, inspections.cache))
    if extras.follow_bases and facts is not None:
        try:
            verdict = with_requirements(verdict, requirements_of(inspections, facts, registry))
        except Exception as exc:
            verdict = error_verdict(
                ref, session.ctx, f"while following base models: {type(exc).__name__}: {exc}"
            )
    if extras.alternatives and registry is not None and verdict.status in ACTION_NEEDED:
        verdict = with_alternatives(verdict, alternatives_for(inspections, registry, verdict, facts))
    if (
        extras.fit is not None
        and ref.repo_type == "model"
        and not api_only
        and verdict.status not in PROBLEMS
    ):
        verdict = replace(verdict, fit=fit_of(extras, verdict, facts))
    return verdict


def with_scanners(session: Session, facts: RepoFacts, findings: list[Finding]) -> list[Finding]:
    """The hub-scan finding with the scanners that flagged each file: one paths-info request for the
    flagged files of a flagged repo (none for a clean one). Without that detail the finding stands as is."""
    from hubgate.hub.answers import flagging_scanners
    from hubgate.verdicts.findings import hub_scan

    flagged = [f for f in findings if f.kind == "hub-scan" and f.files]
    if not flagged or facts.sha is None:
        return findings
    answer = session.service.paths_info("model", facts.id, facts.sha, list(flagged[0].files))
    scanners = flagging_scanners(answer.body) if answer.ok else {}
    if not scanners:
        return findings
    named = hub_scan(facts, scanners)
    return [named if f.kind == "hub-scan" and named is not None else f for f in findings]


def suggestions_for(
    session: Session,
    ref: RepoRef,
    registry: RegistrySummary | None = None,
    cache: MetadataCache | None = None,
) -> list[str]:
    """Candidates for an id the Hub does not know. A misspelling the registry records answers at once;
    otherwise close registry ids join the Hub's search (one or two api requests, or none when `cache`
    holds what it found within the last day), ranked by similarity."""
    from hubgate.verdicts.suggest import MAX_SUGGESTIONS, case_first, rank

    from_registry: list[str] = []
    if registry is not None and ref.repo_type == "model":
        from hubgate.registry.check_extras import misspelling_suggestions

        from_registry = misspelling_suggestions(registry, ref.repo_id)
        if registry.misspelling_of(ref.repo_id) is not None:
            return from_registry[:MAX_SUGGESTIONS]
    account = (session.ctx.token.user or "") if session.ctx.token.present else ""
    found = None
    if cache is not None:
        found = cache.get_search(session.ctx.endpoint, ref.repo_type, ref.repo_id, account)
    if found is None:
        found, answered = hub_search(session, ref)
        if cache is not None and answered:
            cache.put_search(session.ctx.endpoint, ref.repo_type, ref.repo_id, account, found)
    from_hub = [c for c in found if c not in from_registry]
    return case_first(ref.repo_id, from_registry + rank(ref.repo_id, from_hub))[:MAX_SUGGESTIONS]


def hub_search(session: Session, ref: RepoRef) -> tuple[list[str], bool]:
    """Ids the Hub's search finds for a name, ranked; a shorter term is tried when the first finds none.
    The flag: every search was answered (a failed one is not worth remembering)."""
    from hubgate.verdicts.suggest import rank, search_terms

    candidates: list[str] = []
    answered = True
    for term in search_terms(ref.repo_id):
        answer = session.service.get(f"/api/{ref.repo_type}s", params=[("search", term), ("limit", "20")])
        answered = answered and answer.ok and isinstance(answer.body, list)
        if answer.ok and isinstance(answer.body, list):
            candidates += [
                item["id"]
                for item in answer.body
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]
        if rank(ref.repo_id, candidates):
            break
    return rank(ref.repo_id, candidates), answered


def requirements_of(
    inspections: Inspections, facts: RepoFacts, registry: RegistrySummary | None = None
) -> list[Requirement]:
    """Walk `base_model` (the card's, and the registry's) up the chain, breadth first, bounded in depth
    and count, cycles cut."""

    def links(of: RepoFacts) -> list:  # type: ignore[type-arg]
        if registry is None:
            return base_links(of)
        from hubgate.registry.check_extras import registry_bases

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


def alternatives_for(
    inspections: Inspections, registry: RegistrySummary, verdict: Verdict, facts: RepoFacts | None
) -> list[Alternative]:
    """Up to three registry models of the blocked model's type and size that this token can use now.
    Each candidate is confirmed on the Hub, never taken on trust: its own access (one metadata request,
    once per run) and its own base chain, so an adapter on a gated base is not usable and anything built
    on the blocked model itself (a re-upload, quantization, fine-tune or adapter of it) is never offered."""
    from hubgate.hub.answers import params_from_safetensors
    from hubgate.registry.alternatives import MAX_ALTERNATIVES, alternative_candidates, describe_blocked

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
                license=entry.license_id,
                parameters=entry.specs.parameters,
            )
        )
        if len(found) == MAX_ALTERNATIVES:
            break
    return found


def fit_of(extras: Extras, verdict: Verdict, facts: RepoFacts | None) -> dict[str, Any] | None:
    """GPU fit from the registry and the metadata already fetched (no extra request); None for repos the
    Hub did not describe and the registry does not know."""
    from hubgate.fit import fit_facts, model_facts

    assert extras.fit is not None
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
    request = extras.fit
    known = model_facts(
        verdict.model_id or verdict.input,
        body,
        registry=extras.registry,
        use_registry=extras.registry is not None,
    )
    result = fit_facts(known, list(request.gpus), request.dtype, request.context, request.batch)
    return result.to_dict()
