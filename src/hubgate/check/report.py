"""A run's results and the versioned JSON contract built from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from hubgate.hub.token import TokenInfo
from hubgate.verdicts.exit_codes import exit_code_for_verdicts, fails
from hubgate.verdicts.verdict import ACTION_NEEDED, PROBLEMS, USABLE, Status, Verdict

if TYPE_CHECKING:
    from hubgate.check.collections import CollectionOutcome

REPORT_SCHEMA_VERSION = 2  # 2 added `places` (hubgate check --scan); 1 had the same keys otherwise


@dataclass
class Report:
    endpoint: str
    checked_at: datetime
    token: TokenInfo
    verdicts: list[Verdict]
    requests: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    # Per bucket, as the Hub last announced it: {"remaining": r, "limit": q, "reset_in": t}.
    quotas: dict[str, dict[str, Any]] = field(default_factory=dict)
    budget: dict[str, int] | None = None  # --budget caps
    cache: dict[str, int] | None = None  # metadata cache {"hits", "misses"}; None without a cache
    listing_pages: int = 0  # author listing pages read in place of per-repo metadata requests
    scan_skipped: list[tuple[str, str]] = field(default_factory=list)  # --scan: (path, reason) left out
    collections: list[CollectionOutcome] = field(default_factory=list)  # the collection inputs, expanded
    scan_where: str | None = None  # --scan: what was read (`3 files under src, notebooks`)
    # Why the run stopped asking the Hub (unreachable, or silent), when it did: the one cause of the
    # `error` verdicts that carry it.
    hub_down: str | None = None
    # What fails the run (statuses and finding kinds) and where that came from (`--fail-on ...`, the
    # policy file's key, or the default); None when the caller decides the exit code otherwise.
    failing: frozenset[str] | None = None
    failing_from: str = ""

    def summary(self) -> dict[str, int]:
        counts = Counter(v.status.value for v in self.verdicts)
        return {status.value: counts[status.value] for status in Status if counts[status.value]}

    def failed_by_finding(self, verdict: Verdict) -> list[str]:
        """The kinds of `verdict`'s findings that fail the run, for a repo its status leaves usable."""
        if self.failing is None or verdict.status not in USABLE:
            return []
        return sorted({f.kind for f in verdict.findings if f.kind in self.failing})

    def usable(self) -> list[Verdict]:
        """Usable now, and not failing the run: a finding the policy selects puts a repo under action."""
        return [v for v in self.verdicts if v.status in USABLE and not self.failed_by_finding(v)]

    def action_needed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status in ACTION_NEEDED or self.failed_by_finding(v)]

    def exit_code(self) -> int | None:
        """The exit code `failing` gives this report, or None when it is not known here."""
        return None if self.failing is None else exit_code_for_verdicts(self.verdicts, self.failing)

    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if self.failing is not None and fails(v, self.failing)]

    def headline(self, cause: str, together: list[Verdict]) -> str:
        """One line for errors with one cause: `the Hub at URL is unreachable: ...; 21 repos not checked`."""
        count = f"{len(together)} repo{'' if len(together) == 1 else 's'} not checked"
        if cause != self.hub_down:
            return f"{count}: {cause.removeprefix('no verdict: ')}"
        refused = f"cannot connect to {self.endpoint}: "
        if cause.startswith(refused):
            return f"the Hub at {self.endpoint} is unreachable: {cause.removeprefix(refused)}; {count}"
        return f"the Hub at {self.endpoint} {cause.removeprefix(self.endpoint + ' ')}; {count}"

    def causes(self) -> list[tuple[str, list[Verdict]]]:
        """`error` verdicts that share one cause, as (cause, verdicts), for a headline each in place of
        one identical block per repo: the Hub that stopped answering (or never did), and any other
        message two or more errors share. Errors with a cause of their own are not listed."""
        errors = [v for v in self.verdicts if v.status == Status.ERROR]
        groups: dict[str, list[Verdict]] = {}
        for verdict in errors:
            down = self.hub_down is not None and self.hub_down in verdict.message
            groups.setdefault(self.hub_down if down and self.hub_down else verdict.message, []).append(
                verdict
            )
        return [
            (cause, members)
            for cause, members in groups.items()
            if len(members) > 1 or cause == self.hub_down
        ]

    def problems(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status in PROBLEMS]


def token_json(info: TokenInfo) -> dict[str, Any]:
    return {
        "source": info.source,
        "user": info.user,
        "name": info.name,
        "role": info.role,
        "can_read_gated": info.can_read_gated,
        "valid": info.valid,
    }


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "input": verdict.input,
        "id": verdict.model_id,
        "repo_type": verdict.repo_type,
        "status": verdict.status.value,
        # false, "auto", "manual"; true when gated in a mode the Hub did not name; null when unknown
        "gated": (verdict.gated_mode or True) if verdict.is_gated else verdict.is_gated,
        "private": verdict.private,
        "url": verdict.url,
        "message": verdict.message,
        "next_step": verdict.next_step,
        "requires": [
            {
                "id": r.id,
                "relation": r.relation,
                "status": r.status.value,
                "needed": r.needed,
                "depth": r.depth,
            }
            for r in verdict.requires
        ],
        "suggestions": list(verdict.suggestions),
        "alternatives": [_plain(alt) for alt in verdict.alternatives],
        "registry": verdict.registry,
        "fit": verdict.fit,
        "places": [place.to_json() for place in verdict.places],
        "findings": [_plain(finding, drop_none=True) for finding in verdict.findings],
        "revision": verdict.revision,
        "sha": verdict.sha,
        "cost": _plain(verdict.cost) if verdict.cost is not None else None,
        "collection": verdict.collection,
    }


def _plain(value: Any, drop_none: bool = False) -> Any:
    """A verdict's part as JSON data: dataclasses as objects (their None fields left out with
    `drop_none`), tuples as lists, enums as their values."""
    if is_dataclass(value) and not isinstance(value, type):
        items = ((f.name, getattr(value, f.name)) for f in fields(value))
        return {name: _plain(item, drop_none) for name, item in items if not (drop_none and item is None)}
    if isinstance(value, tuple | list):
        return [_plain(item, drop_none) for item in value]
    return value.value if isinstance(value, Enum) else value


def report_json(report: Report) -> dict[str, Any]:
    """Schema version 2 (documented in README.md, "JSON output"). Add keys; never rename or remove."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "endpoint": report.endpoint,
        "checked_at": report.checked_at.isoformat(timespec="seconds"),
        "token": token_json(report.token),
        "summary": report.summary(),
        "models": [verdict_json(v) for v in report.verdicts],
        "collections": [outcome.to_json() for outcome in report.collections],
        # Errors with one cause (the Hub unreachable): the headline the text formats print, with the ids.
        "headlines": [
            {
                "headline": report.headline(cause, together),
                "cause": cause,
                "ids": [v.model_id or v.input for v in together],
            }
            for cause, together in report.causes()
        ],
        "requests": {
            "by_bucket": dict(sorted(report.requests.items())),
            "retries": report.retries,
            "quota_left": dict(sorted(report.quotas.items())),
            "budget": report.budget,
            "metadata_cache": report.cache,
            "listing_pages": report.listing_pages,
        },
    }
