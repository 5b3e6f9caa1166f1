"""A run's results and the versioned JSON contract built from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hubgate.hub.token import TokenInfo

if TYPE_CHECKING:
    from hubgate.check.collections import CollectionOutcome
from hubgate.verdicts.verdict import ACTION_NEEDED, PROBLEMS, USABLE, Status, Verdict

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

    def summary(self) -> dict[str, int]:
        counts = Counter(v.status.value for v in self.verdicts)
        return {status.value: counts[status.value] for status in Status if counts[status.value]}

    def usable(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status in USABLE]

    def action_needed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status in ACTION_NEEDED]

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
        "alternatives": [alt.model_dump(mode="json") for alt in verdict.alternatives],
        "registry": verdict.registry,
        "fit": verdict.fit,
        "places": [place.to_json() for place in verdict.places],
        "findings": [finding.model_dump(mode="json", exclude_none=True) for finding in verdict.findings],
        "revision": verdict.revision,
        "sha": verdict.sha,
        "cost": verdict.cost.model_dump() if verdict.cost is not None else None,
        "collection": verdict.collection,
    }


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
        "requests": {
            "by_bucket": dict(sorted(report.requests.items())),
            "retries": report.retries,
            "quota_left": dict(sorted(report.quotas.items())),
            "budget": report.budget,
            "metadata_cache": report.cache,
            "listing_pages": report.listing_pages,
        },
    }
