"""Gating groups in a request run: where the Hub says repos share one gate (a gating-group collection), one
request on the first of them covers the rest. Without the Hub's word, every repo is asked for on its own:
repos of one organisation waiting together prove nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hubgate.access.request_outcome import Outcome
from hubgate.verdicts.verdict import Verdict


class GroupedResult(Protocol):
    """The parts of a request's result (access/run.py) a gating group settles."""

    repo_id: str | None
    outcome: Outcome
    message: str
    gating_group: str | None
    covers: list[str]
    covered_by: str | None
    lead_outcome: Outcome | None


Result = TypeVar("Result", bound=GroupedResult)


def cover(
    todo: Sequence[tuple[int, Verdict, Any, Any]],
    members: dict[int, str],
    covered: Callable[[Verdict, Verdict, str], Result],
) -> dict[int, Result]:
    """The results of the repos another request covers, by index: every member of a group but its first."""
    leads: dict[str, Verdict] = {}
    out: dict[int, Result] = {}
    for index, verdict, _, _ in todo:
        group = members.get(index)
        if group is None:
            continue
        if group not in leads:
            leads[group] = verdict
            continue
        out[index] = covered(verdict, leads[group], group)
    return out


def settle_covered(results: list[Result]) -> list[Result]:
    """Covered repos take their lead's fate: sent (granted or pending) stays covered; a lead not sent, refused
    or failed leaves them not sent too, with the reason."""
    leads = {r.repo_id: r for r in results if r.covers}
    for result in results:
        if result.outcome != Outcome.COVERED or result.covered_by not in leads:
            continue
        lead = leads[result.covered_by]
        result.lead_outcome = lead.outcome
        if lead.outcome in (Outcome.SENT_GRANTED, Outcome.SENT_PENDING, Outcome.WOULD_SEND):
            continue
        result.outcome = Outcome.NOT_SENT
        result.message = (
            f"not sent: the one request for gating group {result.gating_group} (on {lead.repo_id}) "
            f"was not sent: {lead.outcome.value}"
        )
    return results
