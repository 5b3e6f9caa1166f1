"""Request access to every repo that needs it: check, read each gate form, fill it, send (or not)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hubgate.access.form import (
    PROMPT_TERMS,
    Filled,
    FormField,
    GateForm,
    distinct_fields,
    fill,
    form_of,
    is_terms,
)
from hubgate.access.groups import cover, settle_covered
from hubgate.access.request_outcome import SENT_GRANTED_WORDS, SENT_PENDING_WORDS, Outcome, classify_answer
from hubgate.check.extras import Extras
from hubgate.check.run import run_check
from hubgate.check.session import Session
from hubgate.hub.answers import RepoFacts, facts_from_metadata
from hubgate.hub.collections import gating_group_of
from hubgate.inputs.refs import AnyRef, RepoRef
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.decide import from_probe
from hubgate.verdicts.verdict import Status, Verdict

# What a verdict says about asking: only `not-requested` (a reset request included) needs a request.
_ALREADY = {
    Status.GRANTED: Outcome.ALREADY_GRANTED,
    Status.OPEN: Outcome.ALREADY_GRANTED,
    Status.PENDING: Outcome.ALREADY_PENDING,
}


@dataclass
class RequestResult:
    input: str
    repo_id: str | None
    repo_type: str
    outcome: Outcome
    message: str
    gate_mode: str | None = None
    url: str | None = None
    prompt: str | None = None
    button: str | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    sent: dict[str, Any] | None = None  # the body sent (or, with --dry-run, that would be sent)
    missing: list[str] = field(default_factory=list)
    # A gating group (the Hub said so): the lead's one request covers the others (`covered_by` the lead).
    gating_group: str | None = None
    covers: list[str] = field(default_factory=list)  # on the lead: the group's other repos in this run
    covered_by: str | None = None  # on the others: the repo whose request covers them
    lead_outcome: Outcome | None = None  # on the others: what the lead's request came to

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "id": self.repo_id,
            "repo_type": self.repo_type,
            "outcome": self.outcome.value,
            "message": self.message,
            "gated": self.gate_mode,
            "url": self.url,
            "prompt": self.prompt,
            "button": self.button,
            "fields": self.fields,
            "sent": self.sent,
            "missing": self.missing,
            "gating_group": self.gating_group,
            "covers": self.covers,
            "covered_by": self.covered_by,
        }


def needs_request(verdict: Verdict) -> bool:
    return verdict.status == Status.NOT_REQUESTED


def _plain(verdict: Verdict, outcome: Outcome, message: str) -> RequestResult:
    return RequestResult(
        verdict.input, verdict.model_id, verdict.repo_type, outcome, message, verdict.gated_mode, verdict.url
    )


def request_all(
    session: Session,
    refs: Sequence[AnyRef],
    *,
    field_values: dict[str, Any],
    accept_terms: bool = False,
    dry_run: bool = False,
    ask_value: Callable[[FormField], Any] | None = None,
    confirm: Callable[[list[RequestResult]], bool] | None = None,
    jobs: int = 8,
) -> tuple[list[RequestResult], list[Verdict]]:
    """Outcomes in input order, and the verdicts they came from. Nothing is sent with `dry_run`.

    Sending shares the user's name and email with each repo's authors, and agrees to what each gate
    shows: the caller must have the user's say. `ask_value` is asked once per distinct field `field_values`
    leaves empty. `confirm` is asked once for the whole batch, with the requests ready to send (their prompts
    and checkboxes to show): a yes sends them all and accepts their terms, a no sends none (`not-sent`).
    Without `confirm`, the caller vouches that the user said to send (the CLI's --yes), and a form with
    a prompt or checkboxes is sent only with `accept_terms`.

    Each request the Hub acknowledges (access/request_outcome.py) is confirmed with one file probe
    (resolvers bucket): the gate then says granted or pending, or that no request was recorded (`error`)."""
    report = run_check(session, refs, jobs=jobs, extras=Extras(follow_bases=False, suggest=False))
    groups = {c.name for c in report.collections if c.gating_group}
    results: list[RequestResult | None] = []
    todo: list[tuple[int, Verdict, RepoFacts, GateForm]] = []
    members: dict[int, str] = {}  # index in results -> the gating group the Hub says the repo is in
    for verdict in report.verdicts:
        if verdict.status in _ALREADY:
            results.append(_plain(verdict, _ALREADY[verdict.status], verdict.message))
        elif not needs_request(verdict) or verdict.model_id is None:
            outcome = Outcome.ERROR if verdict.status in (Status.ERROR, Status.INVALID) else Outcome.SKIPPED
            results.append(_plain(verdict, outcome, f"{verdict.status.value}: {verdict.message}"))
        else:
            ref = RepoRef(input=verdict.input, repo_id=verdict.model_id, repo_type=verdict.repo_type)
            meta = session.service.metadata(ref)
            if not meta.ok:
                results.append(_plain(verdict, Outcome.ERROR, meta.describe()))
                continue
            facts = facts_from_metadata(ref.repo_id, meta.body)
            group = gating_group_of(meta.body) or (
                verdict.collection if verdict.collection in groups else None
            )
            if group is not None:
                members[len(results)] = group
            todo.append((len(results), verdict, facts, form_of(facts.card_data)))
            results.append(None)

    # One request per gating group, on its first repo; the others are covered by it, never sent.
    covered = cover(todo, members, lambda verdict, lead, group: _covered(verdict, lead, group, dry_run))
    for index, result in covered.items():
        results[index] = result
    todo = [item for item in todo if item[0] not in covered]

    field_values = dict(field_values)
    if ask_value is not None:
        for form_field in distinct_fields([form for _, _, _, form in todo]):
            if field_values.get(form_field.name) in (None, ""):
                field_values[form_field.name] = ask_value(form_field)

    # On a terminal the batch's one yes covers the terms it shows; a dry run asks nothing, so it has none.
    terms_ok = accept_terms or (confirm is not None and not dry_run)
    ready: list[tuple[RequestResult, Verdict, RepoFacts]] = []
    for index, verdict, facts, form in todo:
        filled = fill(form, field_values, accept_terms=terms_ok)
        result = _plain(verdict, Outcome.WOULD_SEND, "would send the request")
        result.prompt, result.button = form.prompt, form.button
        result.fields = [
            {"name": f.name, "type": f.kind, "options": list(f.options), "optional": f.optional}
            for f in form.fields
        ]
        result.sent, result.missing = filled.values, list(filled.missing)
        if index in members:
            result.gating_group = members[index]
            result.covers = [
                r.repo_id or r.input for r in covered.values() if r.gating_group == members[index]
            ]
            if result.covers:
                result.message = (
                    f"would send one request for gating group {members[index]}: "
                    f"it covers {len(result.covers) + 1} repos"
                )
        results[index] = result
        if filled.missing:
            result.outcome, result.message = Outcome.FORM_INCOMPLETE, _incomplete(form, filled)
            continue
        ready.append((result, verdict, facts))

    done = [r for r in results if r is not None]
    if dry_run or not ready:
        return settle_covered(done), report.verdicts
    if confirm is not None and not confirm([result for result, _, _ in ready]):
        for result, _, _ in ready:
            result.outcome, result.message = Outcome.NOT_SENT, "not sent: you answered no"
        return settle_covered(done), report.verdicts

    for result, verdict, facts in ready:
        answer = session.service.post(f"/api/{verdict.repo_type}s/{verdict.model_id}/ask-access", result.sent)
        outcome, message = classify_answer(answer, verdict.gated_mode)
        if outcome in (Outcome.SENT_GRANTED, Outcome.SENT_PENDING):
            outcome, message = _confirmed(session, verdict, facts, outcome, message)
        result.outcome, result.message = outcome, scrub(message, session.token.value)
        if result.covers and outcome in (Outcome.SENT_GRANTED, Outcome.SENT_PENDING):
            result.message += f" (one request for gating group {result.gating_group}: it covers {len(result.covers) + 1} repos)"
    return settle_covered(done), report.verdicts


def _covered(verdict: Verdict, lead: Verdict, group: str, dry_run: bool) -> RequestResult:
    result = _plain(
        verdict,
        Outcome.COVERED,
        f"{'would be covered' if dry_run else 'covered'} by the gating group's one request, on {lead.model_id}",
    )
    result.gating_group, result.covered_by = group, lead.model_id
    return result


def _incomplete(form: GateForm, filled: Filled) -> str:
    terms = [name for name in filled.missing if is_terms(form, name)]
    why = list(filled.problems) + [f"no answer for {name}" for name in filled.missing if name not in terms]
    if terms:
        shown = [name for name in terms if name != PROMPT_TERMS]
        if PROMPT_TERMS in terms:
            shown.append("the gate's prompt" if form.prompt else "the gate's checkboxes")
        why.append(
            f"terms not accepted ({', '.join(shown)}): pass --accept-terms, or answer yes on a terminal"
        )
    return "; ".join(why)


def _confirmed(
    session: Session, verdict: Verdict, facts: RepoFacts, outcome: Outcome, message: str
) -> tuple[Outcome, str]:
    """The gate's own word after an acknowledged request: granted, pending, or no request recorded."""
    ref = RepoRef(input=verdict.input, repo_id=facts.id, repo_type=verdict.repo_type)
    after = from_probe(ref, facts, session.service.probe(ref.repo_type, facts), session.ctx)
    if after.status in (Status.GRANTED, Status.OPEN):
        return Outcome.SENT_GRANTED, SENT_GRANTED_WORDS
    if after.status == Status.PENDING:
        return Outcome.SENT_PENDING, SENT_PENDING_WORDS
    if after.status == Status.NOT_REQUESTED:
        return Outcome.ERROR, (
            f"the Hub acknowledged the request, but its gate still says no request was made ({after.message})"
        )
    if after.status == Status.ERROR:
        return outcome, f"{message} (not confirmed: {after.message})"
    return Outcome.ERROR, f"request sent, but the repo now says {after.status.value}: {after.message}"


def pending_verdicts(results: Sequence[RequestResult], verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The verdicts to record in the watch state: repos whose request now awaits review."""
    by_input = {v.input: v for v in verdicts}
    out = []
    for result in results:
        verdict = by_input.get(result.input)
        awaits = result.outcome == Outcome.SENT_PENDING or (
            result.outcome == Outcome.COVERED and result.lead_outcome == Outcome.SENT_PENDING
        )
        if awaits and verdict is not None:
            out.append(
                replace(
                    verdict,
                    status=Status.PENDING,
                    message="request sent by hubgate; awaiting the authors' review",
                    next_step="Wait for the authors' review; `hubgate watch` reports when it lands.",
                )
            )
    return out
