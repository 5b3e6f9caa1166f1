"""One `hubgate watch` run: check the repos not yet settled, record each verdict per account, and send
what changed to the notification targets (what could not be sent waits in the outbox for the next run)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubgate.check.collections import Expansion, expand_collections
from hubgate.check.extras import Extras
from hubgate.check.report import Report
from hubgate.check.run import DEFAULT_JOBS, run_check
from hubgate.check.session import Session
from hubgate.inputs.refs import AnyRef, RepoRef
from hubgate.verdicts.exit_codes import (
    EXIT_ACTION,
    EXIT_ERROR,
    EXIT_NOT_DELIVERED,
    EXIT_OK,
    exit_code_for_verdicts,
    parse_fail_on,
)
from hubgate.verdicts.verdict import Status, Verdict
from hubgate.watch.notify import DeliveryReport, deliver, post_json, run_command
from hubgate.watch.state import Change, StateStore

if TYPE_CHECKING:
    from hubgate.hub.cache import MetadataCache
    from hubgate.registry.summary import RegistrySummary

# Statuses that do not change without the user doing something: skipped unless --all.
SKIPPABLE = ("granted", "open", "rejected")


@dataclass
class Checked:
    """The verdicts of a watch run, before anything is recorded. `account` is None when the token could
    not be identified: nothing is recorded then (whose state would it be?)."""

    account: str | None
    endpoint: str
    report: Report
    skipped: list[str] = field(default_factory=list)


def check_unsettled(
    session: Session,
    store: StateStore,
    refs: Sequence[AnyRef],
    *,
    recheck_all: bool = False,
    registry: RegistrySummary | None = None,
    jobs: int = DEFAULT_JOBS,
    cache: MetadataCache | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Verdict], None] | None = None,
) -> Checked:
    """Check `refs`, leaving out (unless `recheck_all`) those the account's state says are granted, open
    or rejected. `on_start` hears how many are checked."""
    info = session.ctx.token
    account = info.user if info.valid else ("anonymous" if not info.present else None)
    skipped: list[str] = []
    expansion = expand_collections(session, refs)  # a collection's repos are settled one by one
    if account is not None and not recheck_all:
        known = store.known(account, session.ctx.endpoint)
        kept = []
        for ref in expansion.items:
            if isinstance(ref, RepoRef) and known.get(ref.key) in SKIPPABLE:
                skipped.append(ref.repo_id)
            else:
                kept.append(ref)
        expansion = Expansion(kept, expansion.collections)
    if on_start is not None:
        on_start(expansion.count)
    # Alternatives would spend requests on every cron run; registry facts and aliases cost none.
    extras = Extras(registry=registry, alternatives=False)
    report = run_check(session, expansion, jobs=jobs, extras=extras, on_result=on_result, cache=cache)
    return Checked(account, session.ctx.endpoint, report, skipped)


@dataclass
class WatchResult:
    checked: Checked
    changes: list[Change]  # every transition recorded, first sightings included
    deliveries: list[DeliveryReport]

    @property
    def real_changes(self) -> list[Change]:
        return [change for change in self.changes if not change.first_seen]

    @property
    def first_seen(self) -> list[Change]:
        return [change for change in self.changes if change.first_seen]

    def exit_code(self, *, on_change: bool = False) -> int:
        """As `check` (fail on `action`); with `on_change`, 0 when something changed and 1 when nothing
        did (3 on Hub errors). A notification not delivered is 4 (unless 3): cron must notice, and the
        change waits in the outbox for the next run."""
        verdicts = self.checked.report.verdicts
        if on_change:
            errors = any(v.status == Status.ERROR for v in verdicts)
            code = EXIT_OK if self.real_changes else (EXIT_ERROR if errors else EXIT_ACTION)
        else:
            code = exit_code_for_verdicts(verdicts, parse_fail_on("action"))
        if code != EXIT_ERROR and any(delivery.failed for delivery in self.deliveries):
            code = EXIT_NOT_DELIVERED
        return code


def record_and_notify(
    store: StateStore,
    checked: Checked,
    *,
    notify_url: str | None = None,
    on_change: str | None = None,
    timeout: float = 15.0,
) -> WatchResult:
    """Record the verdicts (when the account is known) and, when something changed, queue one
    notification per target in the same transaction; then send what is queued. `timeout` bounds each
    webhook POST, like every request of the run."""
    account, endpoint = checked.account, checked.endpoint

    def payload(changes: list[Change]) -> dict[str, Any]:
        lines = "; ".join(change.describe() for change in changes)
        return {
            "text": f"hubgate: {len(changes)} change(s) for {account} on {endpoint}: {lines}",
            "account": account,
            "endpoint": endpoint,
            "changes": [change.as_json() for change in changes],
        }

    changes: list[Change] = []
    if account is not None:
        targets = [t for t in (notify_url, on_change) if t]
        changes = store.record(
            account, endpoint, checked.report.verdicts, targets=targets, payload_for=payload
        )
    deliveries: list[DeliveryReport] = []
    if notify_url:
        # A webhook that answers after the timeout may have the notification already, and is sent it
        # again (same delivery id) on the next run only.
        deliveries.append(
            deliver(
                store,
                notify_url,
                "--notify-url",
                lambda body, delivery: post_json(notify_url, body, delivery=delivery, timeout=timeout),
            )
        )
    if on_change:
        deliveries.append(
            deliver(
                store,
                on_change,
                "--on-change",
                lambda body, delivery: run_command(on_change, body, delivery=delivery),
            )
        )
    return WatchResult(checked, changes, deliveries)
