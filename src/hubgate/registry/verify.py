"""`registry verify`: compare a registry entry with what the Hub says now. `compare` is pure (an entry and
the Hub's metadata answer in, drifts out); `verify_models` asks the Hub, one metadata request per model,
through the run's one Hub client and its worker pool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from hubgate.hub.answers import HubAnswer, RepoFacts, facts_from_metadata
from hubgate.hub.service import HubService
from hubgate.hub.workers import run_all
from hubgate.inputs.refs import RepoRef
from hubgate.inputs.secrets import scrub
from hubgate.registry.index import Registry
from hubgate.registry.kinds import Provider
from hubgate.registry.schema import ModelEntry
from hubgate.verdicts.findings import card_license, download_size, license_of


class DriftKind(StrEnum):
    DRIFT = "drift"  # the registry says one thing, the Hub another: the data needs an update
    GAP = "gap"  # the registry leaves the fact empty; the Hub knows it
    MISSING = "missing"  # the Hub shows no such repo (deleted, renamed without redirect, or private)
    RENAMED = "renamed"  # the Hub answers under another id
    ERROR = "error"  # no usable answer from the Hub


@dataclass(frozen=True)
class Drift:
    """One way a registry entry differs from what the Hub says now (or, `error`, why it could not be
    compared). Not a pre-flight `Finding` (verdicts/findings.py), which is a concern about a repo itself."""

    model_id: str
    field: str  # gated | license | parameters | model_id | (repo)
    kind: DriftKind
    registry: Any
    hub: Any
    message: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


# Fields verify compares, in report order.
FIELDS = ("model_id", "gated", "license", "parameters", "download_bytes")
# The Hub's size without per-file sizes counts the safetensors tensors only (no headers, no small files).
SIZE_TOLERANCE = 0.02


def hub_license(facts: RepoFacts | dict[str, Any]) -> str | None:
    """The licence tag as check's pre-flight `license` finding reads it (card, else a `license:` tag), so
    that verify and check never disagree on a repo's licence. A card dict alone: its tag."""
    return card_license(facts) if isinstance(facts, dict) else license_of(facts)[0]


def hub_parameters(body: Any) -> int | None:
    """The safetensors parameter count the Hub publishes (public even on gated repos)."""
    from hubgate.hub.answers import params_from_safetensors

    data = body if isinstance(body, dict) else {}
    return params_from_safetensors(data.get("safetensors"))[0]


def compare(entry: ModelEntry, answer: HubAnswer) -> list[Drift]:
    """Every difference between `entry` and the Hub's metadata answer for its model_id."""
    model_id = entry.model_id
    if answer.status in (401, 404):
        return [
            Drift(
                model_id,
                "(repo)",
                DriftKind.MISSING,
                model_id,
                None,
                f"the Hub shows no {model_id} ({answer.describe()}): deleted, renamed or private",
            )
        ]
    if answer.status != 200 or not isinstance(answer.body, dict):
        return [
            Drift(model_id, "(repo)", DriftKind.ERROR, None, None, f"no usable answer: {answer.describe()}")
        ]
    facts = facts_from_metadata(model_id, answer.body)
    found: list[Drift] = []
    if facts.id != model_id:
        found.append(
            Drift(
                model_id,
                "model_id",
                DriftKind.RENAMED,
                model_id,
                facts.id,
                f"the Hub answers as {facts.id}: rename the entry and keep {model_id} in legacy_ids",
            )
        )
    hub_gated: Any = (facts.gate_mode or True) if facts.gated else False
    found += _differs(model_id, "gated", entry.gated, hub_gated)
    if entry.license is not None or hub_license(facts) is not None:
        registry_licence = entry.license.id.lower() if entry.license and entry.license.id else None
        found += _differs(model_id, "license", registry_licence, hub_license(facts))
    found += _differs(model_id, "parameters", entry.specs.parameters, hub_parameters(answer.body))
    found += _size_differs(model_id, entry.specs.download_bytes, download_size(facts)[0])
    return found


def _size_differs(model_id: str, registry: int | None, hub: int | None) -> list[Drift]:
    """Download size, the same figure check's `size` finding uses; within SIZE_TOLERANCE is no drift. An
    entry that records no size is not a gap: sizes change with every upload, few entries keep one."""
    if hub is None or registry is None or abs(hub - registry) <= SIZE_TOLERANCE * registry:
        return []
    return _differs(model_id, "download_bytes", registry, hub)


def _differs(model_id: str, field: str, registry: Any, hub: Any) -> list[Drift]:
    if hub is None or registry == hub:  # the Hub does not say (no safetensors, no licence tag): no claim
        return []
    if registry is None:
        return [
            Drift(model_id, field, DriftKind.GAP, None, hub, f"{field}: not recorded; the Hub says {hub!r}")
        ]
    message = f"{field}: the registry says {registry!r}, the Hub says {hub!r}"
    if field in ("parameters", "download_bytes") and isinstance(registry, int) and isinstance(hub, int):
        message += f" ({(hub - registry) / registry:+.2%})"
    return [Drift(model_id, field, DriftKind.DRIFT, registry, hub, message)]


@dataclass
class Selection:
    """What `verify` is asked about: Hub models to verify, API models skipped, names not in the registry."""

    entries: list[ModelEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def select(registry: Registry, names: Sequence[str] | None) -> Selection:
    """The entries `names` give (ids or aliases, each once), else every entry; API models are skipped."""
    chosen: list[ModelEntry] = []
    unknown: list[str] = []
    for name in names or ():
        entry = registry.get(name)
        if entry is None:
            unknown.append(name)
        elif entry not in chosen:
            chosen.append(entry)
    if not names:
        chosen = list(registry.models.values())
    hub = [e for e in chosen if e.provider is Provider.huggingface]
    return Selection(hub, [e.model_id for e in chosen if e.provider is not Provider.huggingface], unknown)


def verify_models(
    service: HubService, entries: Sequence[ModelEntry], *, jobs: int, secret: str | None = None
) -> list[Drift]:
    """Every finding, in entry order: one metadata request per model, `jobs` at a time, through `service`
    (paced, counted, bounded). One model's failure never stops the others; `secret` never appears."""

    def verify(entry: ModelEntry) -> list[Drift]:
        try:
            return compare(entry, service.metadata(RepoRef(entry.model_id, "model", entry.model_id)))
        except Exception as exc:
            return [
                Drift(entry.model_id, "(repo)", DriftKind.ERROR, None, None, f"{type(exc).__name__}: {exc}")
            ]

    found = run_all(service, verify, entries, jobs=jobs, name="hubgate-verify")
    return [
        Drift(f.model_id, f.field, f.kind, f.registry, f.hub, scrub(f.message, secret))
        for findings in found
        for f in findings
    ]


def counts(findings: Sequence[Drift]) -> dict[str, int]:
    return {kind.value: sum(f.kind is kind for f in findings) for kind in DriftKind}


def drifted(findings: Sequence[Drift]) -> bool:
    """The registry needs an update: a drift, a missing or a renamed repo."""
    return any(f.kind in (DriftKind.DRIFT, DriftKind.MISSING, DriftKind.RENAMED) for f in findings)
