"""Request access to every repo that needs it: check, read each gate form, fill it, send (or not)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hubgate.access.form import FormField, GateForm, distinct_fields, fill, form_of
from hubgate.access.outcome import Outcome, classify_answer
from hubgate.check.runner import Session, check_all
from hubgate.hub.answers import facts_from_metadata
from hubgate.hub.token import scrub
from hubgate.inputs.refs import InvalidRef, RepoRef
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
        }


def needs_request(verdict: Verdict) -> bool:
    return verdict.status == Status.NOT_REQUESTED


def _plain(verdict: Verdict, outcome: Outcome, message: str) -> RequestResult:
    return RequestResult(
        verdict.input, verdict.model_id, verdict.repo_type, outcome, message, verdict.gated_mode, verdict.url
    )


def request_all(
    session: Session,
    refs: Sequence[RepoRef | InvalidRef],
    *,
    answers: dict[str, Any],
    accept_terms: bool = False,
    dry_run: bool = False,
    ask_value: Callable[[FormField], Any] | None = None,
    confirm_terms: Callable[[str, GateForm], bool] | None = None,
    jobs: int = 8,
) -> tuple[list[RequestResult], list[Verdict]]:
    """Outcomes in input order, and the verdicts they came from. `ask_value` is asked once per
    distinct field no answer covers; `confirm_terms` once per repo whose form has terms, unless
    `accept_terms`. Nothing is sent with `dry_run`."""
    report = check_all(session, refs, jobs=jobs, follow_bases=False, suggest=False)
    results: list[RequestResult | None] = []
    todo: list[tuple[int, Verdict, GateForm]] = []
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
            todo.append(
                (len(results), verdict, form_of(facts_from_metadata(ref.repo_id, meta.body).card_data))
            )
            results.append(None)

    answers = dict(answers)
    if ask_value is not None:
        for form_field in distinct_fields([form for _, _, form in todo]):
            if answers.get(form_field.name) in (None, ""):
                answers[form_field.name] = ask_value(form_field)

    for index, verdict, form in todo:
        consent = accept_terms or (
            confirm_terms is not None
            and any(f.terms for f in form.fields)
            and confirm_terms(verdict.model_id or verdict.input, form)
        )
        filled = fill(form, answers, accept_terms=consent)
        result = _plain(verdict, Outcome.WOULD_SEND, "would send the request")
        result.prompt, result.button = form.prompt, form.button
        result.fields = [
            {"name": f.name, "type": f.kind, "options": list(f.options), "optional": f.optional}
            for f in form.fields
        ]
        result.sent, result.missing = filled.values, list(filled.missing)
        results[index] = result
        if filled.missing:
            terms = [f.name for f in form.fields if f.terms and f.name in filled.missing]
            why = list(filled.problems) + [
                f"no answer for {name}" for name in filled.missing if name not in terms
            ]
            if terms:
                why.append(f"terms not accepted ({', '.join(terms)}): pass --accept-terms or answer yes")
            result.outcome, result.message = Outcome.FORM_INCOMPLETE, "; ".join(why)
            continue
        if dry_run:
            continue
        answer = session.service.post(
            f"/api/{verdict.repo_type}s/{verdict.model_id}/ask-access", filled.values
        )
        outcome, message = classify_answer(answer, verdict.gated_mode)
        result.outcome, result.message = outcome, scrub(message, session.token.value)
    return [r for r in results if r is not None], report.verdicts


def pending_verdicts(results: Sequence[RequestResult], verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The verdicts to record in the watch state: repos whose request now awaits review."""
    by_input = {v.input: v for v in verdicts}
    out = []
    for result in results:
        verdict = by_input.get(result.input)
        if result.outcome == Outcome.SENT_PENDING and verdict is not None:
            out.append(
                verdict.model_copy(
                    update={
                        "status": Status.PENDING,
                        "message": "request sent by hubgate; awaiting the authors' review",
                        "next_step": "Wait for the authors' review; `hubgate watch` reports when it lands.",
                    }
                )
            )
    return out
