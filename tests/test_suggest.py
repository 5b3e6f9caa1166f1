"""Did you mean: ranking (pure) and the Hub's search through the loopback Hub."""

from __future__ import annotations

from hubgate.verdicts.suggest import rank, search_terms
from tests.hubsim import HubSim, Repo


def test_ranking_prefers_the_closest_name() -> None:
    candidates = [
        "Qwen/Qwen3-8B",
        "Qwen/Qwen3-8B-Base",
        "Qwen/Qwen3-14B",
        "someone/Qwen3-8B-Instruct-GGUF",
        "Qwen/Qwen2-7B",
    ]
    assert rank("Qwen/Qwen3-8B-Instruct", candidates) == [
        "someone/Qwen3-8B-Instruct-GGUF",
        "Qwen/Qwen3-8B-Base",
        "Qwen/Qwen3-8B",
    ]
    assert rank("meta-llama/Llama-2-7b", ["meta-llama/Llama-2-7b-hf", "totally/unrelated"]) == [
        "meta-llama/Llama-2-7b-hf"
    ]
    assert rank("a/b", ["a/b", "A/B"]) == []  # the id itself is not a suggestion
    assert rank("x/abc", ["y/zzz"]) == []


def test_search_terms_drop_a_suffix() -> None:
    assert search_terms("Qwen/Qwen3-8B-Instruct") == ["Qwen3-8B-Instruct", "Qwen3-8B"]
    assert search_terms("gpt2") == ["gpt2"]


def test_not_found_gets_suggestions_from_the_hub(run_cli, hub: HubSim) -> None:
    hub.add_repo(Repo("Qwen/Qwen3-8B"))
    hub.add_repo(Repo("Qwen/Qwen3-8B-Base"))
    hub.add_repo(Repo("Qwen/Qwen3-14B"))
    # Without the registry (which records this misspelling), the Hub's search answers alone.
    result = run_cli("check", "Qwen/Qwen3-8B-Instruct", "--json", "--anonymous", "--no-registry")
    (model,) = result.json()["models"]
    assert model["status"] == "not-found"
    assert model["suggestions"] == ["Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B"]
    assert model["next_step"].startswith("Did you mean Qwen/Qwen3-8B-Base, Qwen/Qwen3-8B?")
    assert hub.count(path="^/api/models$") == 2  # the full name found nothing, the shorter one did


def test_no_suggestions_when_nothing_is_close(run_cli, hub: HubSim) -> None:
    result = run_cli("check", "nobody/zzzz-unknown", "--json", "--anonymous")
    assert result.json()["models"][0]["suggestions"] == []
