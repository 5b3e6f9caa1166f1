"""What a check attaches to an access verdict: the base chain, did-you-mean suggestions, pre-flight findings,
open alternatives and the places a scan found. Pure."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hubgate.verdicts.findings import Finding, unpinned
from hubgate.verdicts.verdict import USABLE, Alternative, Requirement, Status, Verdict

if TYPE_CHECKING:
    from hubgate.inputs.scan.model import Place


def with_places(verdicts: list[Verdict], places: dict[tuple[str, str], tuple[Place, ...]]) -> list[Verdict]:
    """Verdicts with the places a scan found for their repo (matched on the id as it was asked for, and
    the revision the places pin), and an `unpinned` finding where the code loads it without a revision."""
    placed = []
    for verdict in verdicts:
        at = f"@{verdict.revision}" if verdict.revision is not None else ""
        found = places.get((verdict.repo_type, f"{verdict.requested_id or ''}{at}")) or places.get(
            (verdict.repo_type, f"{verdict.model_id or ''}{at}")
        )
        if not found:
            placed.append(verdict)
            continue
        loose = unpinned(found, verdict.sha if verdict.status in USABLE else None)
        findings = (*verdict.findings, loose) if loose is not None else verdict.findings
        placed.append(replace(verdict, places=found, findings=findings))
    return placed


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
    return replace(verdict, **update)


def with_suggestions(verdict: Verdict, suggestions: list[str]) -> Verdict:
    if not suggestions:
        return verdict
    return replace(
        verdict,
        suggestions=tuple(suggestions),
        next_step=f"{_did_you_mean(suggestions)}{verdict.next_step or ''}".strip(),
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
        bare = replace(verdict, suggestions=(), next_step=step)
        kept.append(with_suggestions(bare, keep))
    return kept


def with_findings(verdict: Verdict, findings: list[Finding]) -> Verdict:
    return replace(verdict, findings=tuple(findings)) if findings else verdict


def with_alternatives(verdict: Verdict, alternatives: list[Alternative]) -> Verdict:
    """Attach open models to use while the blocked one waits; the next step stays the Hub's."""
    if not alternatives:
        return verdict
    return replace(verdict, alternatives=tuple(alternatives))
