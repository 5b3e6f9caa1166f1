"""Requests that await the authors' review, recorded in the watch state, so `hubgate watch` reports
when access lands."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hubgate.access.run import RequestResult, pending_verdicts
from hubgate.check.session import Session
from hubgate.verdicts.verdict import Verdict
from hubgate.watch.state import StateStore


def record_pending(
    session: Session, results: Sequence[RequestResult], verdicts: Sequence[Verdict], state: Path
) -> int:
    """Record the requests now pending under the token's account; how many were recorded (none when the
    token names no account). A state database that cannot be used raises `StateError`."""
    info = session.ctx.token
    pending = pending_verdicts(results, verdicts)
    if not pending or not info.valid or not info.user:
        return 0
    store = StateStore(state)
    store.record(info.user, session.ctx.endpoint, pending)
    store.close()
    return len(pending)
