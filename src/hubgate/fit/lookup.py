"""`hubgate fit`'s models and where their facts come from: the registry first; the Hub's metadata for a
model the registry cannot size (one request); a GGUF repo per quant file (its file list, the `gguf`
expand and one header read). Without ids: the registry's own Hub models.

Every Hub request goes through the one Hub client, `hub.service.HubService` (its retries, pacer and
request tally), opened on first need: models the registry sizes send nothing and need no token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hubgate.fit.facts import (
    ModelFacts,
    merge,
    model_facts_from_metadata,
    model_facts_from_registry,
    model_facts_from_specs,
)
from hubgate.fit.gguf_files import gguf_facts_for
from hubgate.fit.judge import FitOptions, GpuSpec
from hubgate.fit.result import FitResult, fit_facts
from hubgate.inputs.refs import InvalidRef, parse_ref
from hubgate.registry.check_extras import api_model_hint

if TYPE_CHECKING:
    from hubgate.hub.service import HubService
    from hubgate.registry.summary import RegistrySummary

FITTING = ("fits", "tight")


@dataclass(frozen=True)
class FitRun:
    """The fits of one `hubgate fit`: every model looked up (`results`, all of them in JSON), the rows a
    table shows, the GPUs and serving options they were judged on, and what the exit code rests on."""

    results: list[FitResult]
    shown: list[FitResult]
    gpus: list[GpuSpec]
    options: FitOptions
    unknown: bool = False  # some model's size is not known
    hub_error: bool = False  # ... because the Hub could not be read, not because it has no figures

    @property
    def hidden(self) -> int:
        return len(self.results) - len(self.shown)


def fit_models(
    ids: Sequence[str],
    gpus: Sequence[GpuSpec],
    options: FitOptions,
    *,
    registry: RegistrySummary,
    hub: Callable[[], HubService],
    quant: str | None = None,
    show_all: bool = False,
) -> FitRun:
    """Fit `ids` on `gpus`; `hub()` opens the Hub client the first time a model needs it. Without ids, the
    registry's Hub models of known size, smallest first; the table keeps those that fit some GPU unless
    `show_all`. `quant` picks a GGUF repo's quant file(s) by label (Q4_K_M) or part of the name."""
    specs = list(gpus)
    if not ids:
        results = _registry_models(registry, specs, options)
        fitting = [r for r in results if any(g.verdict in FITTING for g in r.gpus)]
        return FitRun(results, results if show_all else fitting, specs, options)
    lookup = _Lookup(specs, options, registry, hub, quant)
    results = [result for raw in ids for result in lookup.fit(raw)]
    return FitRun(results, results, specs, options, lookup.unknown, lookup.hub_error)


def _registry_models(registry: RegistrySummary, gpus: list[GpuSpec], options: FitOptions) -> list[FitResult]:
    results = [
        fit_facts(model_facts_from_specs(model_id, entry.specs, entry.type.value), gpus, options=options)
        for model_id, entry in registry.models.items()
        if entry.specs.parameters and "/" in model_id  # API models and models of unknown size are left out
    ]
    results.sort(key=lambda r: (r.estimate.total_bytes or 0, r.id.lower()))
    return results


@dataclass
class _Lookup:
    """One run's lookups: the Hub client, opened once, and whether any model stayed unknown."""

    gpus: list[GpuSpec]
    options: FitOptions
    registry: RegistrySummary
    open_hub: Callable[[], HubService]
    quant: str | None
    unknown: bool = field(default=False, init=False)
    hub_error: bool = field(default=False, init=False)

    @cached_property
    def service(self) -> HubService:
        return self.open_hub()

    def fit(self, raw: str) -> list[FitResult]:
        """One model's fits: one, or one per quant file of a GGUF repo."""
        entry = self.registry.get(raw)
        api_hint = api_model_hint(entry) if entry is not None else None
        if api_hint is not None:
            self.unknown = True
            return [self._fit(ModelFacts(model_id=raw, notes=(f"parameter count unknown: {api_hint}",)))]
        known, canonical = model_facts_from_registry(raw, self.registry)
        if known is not None and known.params is not None:
            return [self._fit(self._quant_note(known))]
        # Not in the registry, or the registry does not know its size: ask the Hub.
        repo_id = canonical or raw
        body, problem, hub_error = self._metadata(repo_id)
        from_hub = model_facts_from_metadata(repo_id, body) if body is not None else None
        gguf: list[ModelFacts] = []
        if body is not None and not body.get("safetensors"):
            # GGUF repos (llama.cpp) are sized per quant file, even when they carry a config.json.
            gguf, gguf_problem = gguf_facts_for(self.service, body, self.quant)
            problem = gguf_problem or problem
            if gguf_problem and from_hub is not None:
                from_hub = replace(from_hub, params=None, stored_bytes=None)  # not the quant asked for
        facts = merge(known, from_hub)
        if gguf:
            return [self._fit(merge(one, facts) or one) for one in gguf]
        if facts is None or facts.params is None:
            reason = problem or "the Hub's metadata has no safetensors total and no usable config"
            base = facts or ModelFacts(model_id=repo_id)
            facts = replace(base, notes=(*base.notes, f"parameter count unknown: {reason}"))
            self.unknown = True
            self.hub_error = self.hub_error or hub_error
        return [self._fit(self._quant_note(facts))]

    def _fit(self, facts: ModelFacts) -> FitResult:
        return fit_facts(facts, self.gpus, options=self.options)

    def _quant_note(self, facts: ModelFacts) -> ModelFacts:
        if not self.quant:
            return facts
        return replace(facts, notes=(*facts.notes, "--quant applies to GGUF repos; this one has none"))

    def _metadata(self, raw: str) -> tuple[dict[str, Any] | None, str | None, bool]:
        """(body, why there is none, whether that is a Hub error rather than an answer)."""
        ref = parse_ref(raw, endpoint=self.service.endpoint)
        if isinstance(ref, InvalidRef):
            return None, f"not a model id: {ref.reason}", False
        if ref.repo_type != "model":
            return None, "datasets have no GPU fit", False
        answer = self.service.metadata(ref)
        if answer.ok and isinstance(answer.body, dict):
            return answer.body, None, False
        hub_error = answer.status is None or answer.status >= 500 or answer.status == 429
        if answer.status in (401, 404):
            return None, f"the Hub does not show this repo ({answer.describe()})", False
        return None, f"the Hub's metadata could not be read: {answer.describe()}", hub_error
