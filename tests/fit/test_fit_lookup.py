"""The fit lookup (`hubgate.fit.lookup.fit_models`): the registry first, the Hub through the one Hub client
for the rest, opened only when a model needs it; and the CLI's Hub client waits as `check`'s does."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.fit import gpu_specs
from hubgate.fit.judge import FitOptions
from hubgate.fit.lookup import fit_models
from hubgate.hub.service import HubService
from hubgate.registry.loader import load_registry
from hubgate.registry.summary import RegistrySummary, summarize
from hubgate.testhub import HubSim, Repo
from tests.fit.test_fit_cli import MOE_CONFIG
from tests.fit.test_fit_gguf import add_gguf_repo

GGUF_REPO = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> RegistrySummary:
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    return summarize(load_registry(strict=False))


def no_hub() -> HubService:
    raise AssertionError("the Hub was opened for models the registry sizes")


def test_registry_models_never_open_the_hub(registry: RegistrySummary) -> None:
    run = fit_models(
        ["meta-llama/Llama-2-7b-hf", "gpt-4"], gpu_specs(["l4"]), FitOptions(), registry=registry, hub=no_hub
    )
    llama, gpt4 = run.results
    assert llama.params_source == "registry" and llama.gpus[0].verdict == "fits"
    assert gpt4.reason is not None and "API model" in gpt4.reason
    assert (run.unknown, run.hub_error, run.hidden) == (True, False, 0)


def test_without_ids_the_table_keeps_what_fits(registry: RegistrySummary) -> None:
    t4 = gpu_specs(["t4"])
    run = fit_models([], t4, FitOptions(), registry=registry, hub=no_hub)
    assert run.hidden > 0 and len(run.shown) + run.hidden == len(run.results)
    assert all(any(g.verdict in ("fits", "tight") for g in r.gpus) for r in run.shown)
    sizes = [r.estimate.total_bytes or 0 for r in run.results]
    assert sizes == sorted(sizes)
    assert fit_models([], t4, FitOptions(), registry=registry, hub=no_hub, show_all=True).hidden == 0


def test_hub_requests_go_through_the_one_client_opened_once(
    hub: HubSim, registry: RegistrySummary, tmp_path: Path
) -> None:
    add_gguf_repo(hub, tmp_path)
    hub.add_repo(
        Repo("acme/config-only", config={**MOE_CONFIG, "model_type": "mistral", "num_local_experts": 1})
    )
    service = HubService(hub.url, None)
    opened: list[HubService] = []

    def open_hub() -> HubService:
        opened.append(service)
        return service

    run = fit_models(
        ["acme/config-only", GGUF_REPO, "Qwen/Qwen3-4B", "acme/not-there"],
        gpu_specs(["l4"]),
        FitOptions(),
        registry=registry,
        hub=open_hub,
        quant="Q4_K_M",
    )
    assert len(opened) == 1
    assert [r.id for r in run.results] == ["acme/config-only", GGUF_REPO, "Qwen/Qwen3-4B", "acme/not-there"]
    # Metadata of the three Hub ids, the GGUF tree and its `gguf` expand; one ranged read of the header.
    assert service.stats.sent == {"api": 5, "resolvers": 1}
    assert (run.unknown, run.hub_error) == (True, False)


def test_a_long_wait_for_the_hub_is_announced_as_in_check(run_cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    hub.add_repo(Repo("acme/limited", config={**MOE_CONFIG, "model_type": "mistral", "num_local_experts": 1}))
    hub.inject("^/api/models/acme/limited$", "status", status=429, retry_after=3)
    result = run_cli("fit", "acme/limited", "-g", "l4", "--anonymous", "--format", "json")
    assert result.code == 0, result.stderr
    waits = [line for line in result.stderr.splitlines() if line.startswith("hubgate: waiting")]
    assert len(waits) == 1 and "3 s" in waits[0], result.stderr
    assert result.json()["models"][0]["params_source"] == "config"
