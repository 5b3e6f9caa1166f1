"""Pure: the outcome of one access request, and what the Hub's answer to the ask-access POST means
(docs/hub.md, "Asking for access"; uncertain: status first, words second).

What counts as "request sent" is explicit, because a wrong yes is worse than an error: the user would
wait for a review of a request the Hub never recorded. The Hub's documented behaviour says only "expect 200 on success",
so an answer is recognised as the Hub acknowledging the request when it is HTTP 200 and its body is one
of:

- empty (a bare acknowledgement);
- the text `OK` (as the Hub's auth-check answers 200), in any non-HTML media type;
- a JSON object whose `status` is `accepted` (the access is granted: an `auto` gate) or `pending`
  (awaiting the authors' review: a `manual` gate), as the loopback test Hub answers.

Anything else is `error` with the Hub's words, and nothing is recorded as pending: another 2xx status,
an HTML page (a login page, a proxy's or captive portal's page: `200 text/html`), a JSON body that is
not such an object (`{}`, `null`, a list, another `status`), other text, and any redirect (a POST
follows none). A recognised answer is then confirmed with one file probe (access/run.py), which
decides granted or pending from the gate itself.
"""

from __future__ import annotations

import html
import json
import re
from enum import StrEnum

from hubgate.hub.answers import HubAnswer


class Outcome(StrEnum):
    SENT_GRANTED = "sent-granted"
    SENT_PENDING = "sent-pending"
    WOULD_SEND = "would-send"  # --dry-run
    NOT_SENT = "not-sent"  # ready, but the user answered no to sending the batch
    ALREADY_PENDING = "already-pending"
    ALREADY_GRANTED = "already-granted"
    FORM_INCOMPLETE = "form-incomplete"
    REFUSED = "refused"
    SKIPPED = "skipped"  # the verdict says a request would not help (not found, rejected, ...)
    COVERED = "covered"  # in a gating group whose one request (on another of its repos) covers it
    ERROR = "error"


FAILED = frozenset({Outcome.FORM_INCOMPLETE, Outcome.REFUSED, Outcome.ERROR, Outcome.NOT_SENT})
SENT_GRANTED_WORDS = "request sent; access granted"
SENT_PENDING_WORDS = "request sent; awaiting the authors' review"
ACKNOWLEDGED = {"accepted": Outcome.SENT_GRANTED, "pending": Outcome.SENT_PENDING}


def acknowledgement(answer: HubAnswer) -> tuple[str | None, str | None]:
    """(what the Hub said, why it is not recognised) for a POST answer: "accepted", "pending" or "" (a
    bare acknowledgement) and None; or None and the reason, in words that quote the Hub."""
    status = answer.status
    if status is None:
        return None, answer.failure or "no answer from the Hub"
    media = (answer.media_type or "").split(";")[0].strip().lower()
    text = answer.body if isinstance(answer.body, str) else ""
    if status != 200:
        return None, f"HTTP {status}{_quoted(media, text)}: not the 200 the Hub answers a request with"
    if not text.strip():
        return "", None
    if media in ("text/html", "application/xhtml+xml") or text.lstrip().startswith("<"):
        return None, f"HTTP 200 with an HTML page{_quoted(media, text)}, not the Hub's answer to a request"
    if media == "application/json" or media.endswith("+json") or text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            data = text
        said = data.get("status") if isinstance(data, dict) else None
        if isinstance(said, str) and said in ACKNOWLEDGED:
            return said, None
        return None, f"HTTP 200 with {_json_shape(data)}, not the Hub's answer to a request"
    if text.strip() == "OK":
        return "", None
    return None, f"HTTP 200{_quoted(media, text)}, not the Hub's answer to a request"


def classify_answer(answer: HubAnswer, gate_mode: str | None) -> tuple[Outcome, str]:
    """The outcome of one POST ask-access and the words to show (the Hub's, when it gave some). A bare
    acknowledgement is read by the gate mode until the confirmation says better."""
    status = answer.status
    if status is None:
        return Outcome.ERROR, answer.describe()
    if 200 <= status < 300:
        said, problem = acknowledgement(answer)
        if said is None:
            return Outcome.ERROR, f"{problem}; the request may not have been recorded"
        outcome = ACKNOWLEDGED.get(said) or (
            Outcome.SENT_GRANTED if gate_mode == "auto" else Outcome.SENT_PENDING
        )
        return outcome, SENT_GRANTED_WORDS if outcome == Outcome.SENT_GRANTED else SENT_PENDING_WORDS
    if 300 <= status < 400:
        where = f" to {answer.location}" if answer.location else ""
        return Outcome.ERROR, (
            f"HTTP {status}: the Hub redirected the request{where}; not followed (a request is sent once, "
            "to the Hub only)"
        )
    words = answer.describe()
    text = (answer.message or "").lower()
    if status == 409 or (status == 400 and "already" in text):
        return Outcome.ALREADY_PENDING, words
    if status == 422 or (status == 400 and any(w in text for w in ("required", "missing", "field"))):
        return Outcome.FORM_INCOMPLETE, words
    if status in (400, 401, 403, 404):
        return Outcome.REFUSED, words
    return Outcome.ERROR, words


def _quoted(media: str, text: str) -> str:
    """The media type and the first words of a body, on one line (an HTML page: its title, else its text)."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    words = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    words = " ".join(html.unescape(words).split())
    words = "".join(ch for ch in words if ch.isprintable())
    if len(words) > 100:
        words = words[:99] + "…"
    parts = [media] if media else []
    if words:
        parts.append(f'"{words}"')
    return f" ({', '.join(parts)})" if parts else ""


def _json_shape(data: object) -> str:
    if isinstance(data, dict):
        if not data:
            return "an empty JSON object ({})"
        said = data.get("status")
        if said is not None:
            return f"a JSON object whose status is {json.dumps(said)[:60]}"
        return f"a JSON object without a status (keys: {', '.join(sorted(map(str, data))[:5])})"
    if data is None:
        return "JSON null"
    if isinstance(data, str):
        return "a body that is not JSON"
    return f"a JSON {type(data).__name__.replace('list', 'array')}"
