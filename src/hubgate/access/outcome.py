"""Pure: what an ask-access answer means (docs/hub.md, "Asking for access"; uncertain: status first,
words second)."""

from __future__ import annotations

from enum import StrEnum

from hubgate.hub.answers import HubAnswer


class Outcome(StrEnum):
    SENT_GRANTED = "sent-granted"
    SENT_PENDING = "sent-pending"
    WOULD_SEND = "would-send"  # --dry-run
    ALREADY_PENDING = "already-pending"
    ALREADY_GRANTED = "already-granted"
    FORM_INCOMPLETE = "form-incomplete"
    REFUSED = "refused"
    SKIPPED = "skipped"  # the verdict says a request would not help (not found, rejected, ...)
    ERROR = "error"


FAILED = frozenset({Outcome.FORM_INCOMPLETE, Outcome.REFUSED, Outcome.ERROR})


def classify_answer(answer: HubAnswer, gate_mode: str | None) -> tuple[Outcome, str]:
    """The outcome of one POST ask-access and the words to show (the Hub's, when it gave some)."""
    words = answer.describe()
    status = answer.status
    if status is None:
        return Outcome.ERROR, words
    if 200 <= status < 300:
        said = answer.body.get("status") if isinstance(answer.body, dict) else None
        if said == "accepted" or (said is None and gate_mode == "auto"):
            return Outcome.SENT_GRANTED, "request sent; access granted"
        return Outcome.SENT_PENDING, "request sent; awaiting the authors' review"
    text = (answer.message or "").lower()
    if status == 409 or (status == 400 and "already" in text):
        return Outcome.ALREADY_PENDING, words
    if status == 422 or (status == 400 and any(w in text for w in ("required", "missing", "field"))):
        return Outcome.FORM_INCOMPLETE, words
    if status in (400, 401, 403, 404):
        return Outcome.REFUSED, words
    return Outcome.ERROR, words
