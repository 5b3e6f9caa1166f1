"""Did you mean: ranking (pure) and the Hub's search through the loopback Hub."""

from __future__ import annotations

from hubgate.testhub import HubSim, Repo
from hubgate.verdicts.suggest import rank, search_terms


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
    assert rank("a/b", ["a/b"]) == []  # the id itself is not a suggestion
    assert rank("a/b", ["a/bc", "A/B"]) == [
        "A/B",
        "a/bc",
    ]  # the Hub's ids are case-sensitive: another case first
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


def test_a_wrong_case_id_suggests_the_right_case_first(run_cli, hub: HubSim) -> None:
    from tests.conftest import LLAMA2

    hub.add_repo(Repo("meta-llama/Llama-2-7b-chat-hf"))
    result = run_cli("check", "meta-llama/llama-2-7b-hf", "--json", "--anonymous", "--no-registry")
    (model,) = result.json()["models"]
    assert model["status"] == "not-found"
    assert model["suggestions"][0] == LLAMA2
    assert model["next_step"].startswith(f"Did you mean {LLAMA2}")


def test_an_id_not_found_in_the_same_run_is_never_suggested(run_cli, hub: HubSim) -> None:
    # The registry records Qwen/Qwen3-8B-Instruct as a misspelling of Qwen/Qwen3-8B, which this test Hub
    # does not have: checked in the same run, it is not-found, so it must not be offered.
    alone = run_cli("check", "Qwen/Qwen3-8B-Instruct", "--json", "--anonymous").json()["models"][0]
    assert "Qwen/Qwen3-8B" in alone["suggestions"]
    both = run_cli("check", "Qwen/Qwen3-8B-Instruct", "Qwen/Qwen3-8B", "--json", "--anonymous").json()
    first, second = both["models"]
    assert second["status"] == "not-found"
    assert "Qwen/Qwen3-8B" not in first["suggestions"]
    assert "Qwen/Qwen3-8B?" not in (first["next_step"] or "") and "Qwen/Qwen3-8B," not in (
        first["next_step"] or ""
    )
