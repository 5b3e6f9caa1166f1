"""What the registry adds to a check, as pure functions: aliases, facts, did-you-mean, registry bases and
alternatives to a blocked model. Small registries written in tmp_path, plus a few facts of the bundled one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hubgate.hub.answers import facts_from_metadata
from hubgate.registry.alternatives import (
    MAX_SIZE_RATIO,
    Blocked,
    alternative_candidates,
    describe_blocked,
    type_group,
)
from hubgate.registry.check_extras import (
    api_model_hint,
    entry_for,
    input_aliases,
    misspelling_suggestions,
    registry_bases,
    registry_json,
    with_registry,
)
from hubgate.registry.kinds import ModelType, Provider
from hubgate.registry.loader import load_registry
from hubgate.registry.summary import RegistrySummary, summarize
from hubgate.render.table import facts_line
from hubgate.verdicts.lineage import base_links
from hubgate.verdicts.verdict import Status, Verdict
from tests.registry.test_registry_schema import write_entry

API_URL = "https://api.example.invalid/v1/chat"


def entry(
    root: Path,
    model_id: str,
    *,
    params: int | None = None,
    gated: Any = "unset",
    base: tuple[str, str] | None = None,
    **fields: Any,
) -> None:
    """One registry file; every number set gets its `sources` line, as the schema demands."""
    sources: dict[str, str] = dict(fields.pop("sources", {}))
    if params is not None:
        fields["specs"] = {**fields.get("specs", {}), "parameters": params}
    if "specs" in fields:
        sources["specs"] = "test"
    if gated != "unset":
        fields["gated"] = gated
        if gated is not None:
            sources["gated"] = "test"
    if base is not None:
        fields["base_model"] = {"id": base[0], "relation": base[1]}
    fields.setdefault("type", "chat")
    write_entry(root, model_id, sources=sources, **fields)


def load(root: Path) -> RegistrySummary:
    return summarize(load_registry([root], bundled=False, env=False, cache_dir=None))


@pytest.fixture(scope="module")
def bundled() -> RegistrySummary:
    return summarize(load_registry(env=False, cache_dir=None))


@pytest.fixture
def small(tmp_path: Path) -> RegistrySummary:
    entry(
        tmp_path,
        "acme/Big-Chat-7B",
        params=7_241_732_096,
        gated="manual",
        gated_seen="2026-01-02",
        family="big",
        aliases=["Big_7B", "bigchat-v1"],
        legacy_ids=["bigchat"],
        misspellings=["acme/Big-Chat-7B-Instruct"],
        specs={"context_window": 32768},
        license={"id": "apache-2.0", "name": "Apache License 2.0", "commercial_use": "yes"},
    )
    entry(tmp_path, "acme/tiny-base", type="completion", base=("acme/Big-Chat-7B", "adapter"))
    entry(
        tmp_path,
        "gpt-x",
        aliases=["gptx"],
        misspellings=["gpt-xx"],
        api_endpoint={"url": API_URL},
    )
    entry(tmp_path, "gpt-y")  # an API model without an endpoint
    return load(tmp_path)


def verdict(status: Status, model_id: str = "acme/tiny-base", **extra: Any) -> Verdict:
    return Verdict(
        input=model_id,
        model_id=model_id,
        status=status,
        message="no such model",
        next_step="Check the id.",
        **extra,
    )


# Aliases and lookups ----------------------------------------------------------------------------------


def test_input_aliases_are_lower_cased_short_names_of_hub_models_only(small: RegistrySummary) -> None:
    assert input_aliases(small) == {"big_7b": "acme/Big-Chat-7B", "bigchat-v1": "acme/Big-Chat-7B"}
    # the legacy id (the Hub redirects it) and the API model's alias are not inputs to rewrite
    assert small.resolve("bigchat") == "acme/Big-Chat-7B" and small.resolve("gptx") == "gpt-x"


def test_input_aliases_of_the_bundled_registry(bundled: RegistrySummary) -> None:
    aliases = input_aliases(bundled)
    assert aliases["mistral_7b"] == "mistralai/Mistral-7B-Instruct-v0.1"
    assert all(key == key.lower() for key in aliases)
    assert "gpt2" not in aliases and "distilgpt2" not in aliases  # legacy ids stay with the Hub
    assert all(bundled.models[target].provider is Provider.huggingface for target in aliases.values())


def test_entry_for_takes_the_first_name_the_registry_knows(small: RegistrySummary) -> None:
    found = entry_for(small, None, "", "acme/nothing", "BIG_7b", "acme/tiny-base")
    assert found is not None and found.model_id == "acme/Big-Chat-7B"
    first = entry_for(small, "acme/tiny-base", "big_7b")
    assert first is not None and first.model_id == "acme/tiny-base"
    assert entry_for(small, None, "acme/nothing") is None
    assert entry_for(small, "acme/Big-Chat-7B-Instruct") is None  # a misspelling is not an entry


# Facts beside a verdict ------------------------------------------------------------------------------


def test_registry_json_carries_every_fact(small: RegistrySummary) -> None:
    assert registry_json(small.models["acme/Big-Chat-7B"]) == {
        "model_id": "acme/Big-Chat-7B",
        "name": "Big-Chat-7B",
        "provider": "huggingface",
        "type": "chat",
        "family": "big",
        "parameters": 7_241_732_096,
        "context_window": 32768,
        "license": "apache-2.0",
        "license_name": "Apache License 2.0",
        "commercial_use": "yes",
        "gated": "manual",
        "gated_seen": "2026-01-02",
        "access_method": "local",
    }


def test_registry_json_unknown_facts_are_null(small: RegistrySummary) -> None:
    data = registry_json(small.models["acme/tiny-base"])
    assert data["type"] == "completion" and data["access_method"] == "local"
    for key in (
        "family",
        "parameters",
        "context_window",
        "license",
        "license_name",
        "commercial_use",
        "gated",
        "gated_seen",
    ):
        assert data[key] is None, key
    api = registry_json(small.models["gpt-x"])
    assert (api["provider"], api["access_method"], api["license"]) == ("openai", "api", None)


def test_registry_json_licence_without_an_id(tmp_path: Path) -> None:
    entry(tmp_path, "acme/odd", license={"name": "Custom terms", "commercial_use": False})
    data = registry_json(load(tmp_path).models["acme/odd"])
    assert (data["license"], data["license_name"], data["commercial_use"]) == (None, "Custom terms", "no")


def test_facts_line(small: RegistrySummary, bundled: RegistrySummary) -> None:
    assert (
        facts_line(registry_json(small.models["acme/Big-Chat-7B"]))
        == "7.24B params · apache-2.0 · 32k context"
    )
    assert facts_line(registry_json(small.models["acme/tiny-base"])) == ""
    assert facts_line({"license": "mit"}) == "mit"
    assert facts_line({"parameters": 124_439_808, "context_window": 1024}) == "124.44M params · 1k context"
    assert facts_line({"parameters": None, "license": None, "context_window": 131072}) == "128k context"
    gpt2 = bundled.get("gpt2")
    assert gpt2 is not None
    assert facts_line(registry_json(gpt2)) == "124.44M params · mit · 1k context"


def test_with_registry_attaches_facts_and_leaves_the_verdict_alone(small: RegistrySummary) -> None:
    base = verdict(Status.NOT_FOUND)
    assert with_registry(base, None) is base
    joined = with_registry(base, small.models["acme/tiny-base"])
    assert joined.registry == registry_json(small.models["acme/tiny-base"])
    assert (joined.message, joined.next_step, joined.status) == (base.message, base.next_step, base.status)


def test_with_registry_names_the_api_of_an_api_model_when_not_found(small: RegistrySummary) -> None:
    joined = with_registry(verdict(Status.NOT_FOUND, "gpt-x"), small.models["gpt-x"])
    assert joined.message == (
        f"no such model (gpt-x is an openai API model at {API_URL}, not a Hugging Face repo.)"
    )
    assert (
        joined.next_step
        == f"Call it through the openai API ({API_URL}), or check a Hugging Face model instead."
    )
    assert joined.registry is not None and joined.registry["provider"] == "openai"
    bare = with_registry(verdict(Status.NOT_FOUND, "gpt-y"), small.models["gpt-y"])
    assert bare.message == "no such model (gpt-y is an openai API model, not a Hugging Face repo.)"
    assert bare.next_step == "Call it through the openai API, or check a Hugging Face model instead."


def test_with_registry_adds_no_api_hint_to_a_verdict_the_hub_answered(small: RegistrySummary) -> None:
    found = verdict(Status.OPEN, "gpt-x")  # a Hub repo that happens to carry an API model's name
    joined = with_registry(found, small.models["gpt-x"])
    assert (joined.message, joined.next_step) == (found.message, found.next_step)
    assert joined.registry is not None


def test_api_model_hint(small: RegistrySummary) -> None:
    assert api_model_hint(small.models["acme/Big-Chat-7B"]) is None
    assert api_model_hint(small.models["gpt-x"]) == (
        f"gpt-x is an openai API model at {API_URL}, not a Hugging Face repo."
    )


# Did you mean ----------------------------------------------------------------------------------------


def test_recorded_misspelling_comes_first_in_the_bundled_registry(bundled: RegistrySummary) -> None:
    found = misspelling_suggestions(bundled, "Qwen/Qwen3-8B-Instruct")
    assert found[0] == "Qwen/Qwen3-8B"
    assert len(found) == len(set(found))
    assert misspelling_suggestions(bundled, "qwen/qwen3-8b-INSTRUCT")[0] == "Qwen/Qwen3-8B"


def test_recorded_misspelling_beats_a_closer_name(tmp_path: Path) -> None:
    entry(tmp_path, "acme/alpha-chat", misspellings=["acme/zeta"])
    entry(tmp_path, "acme/zeta-chat")
    registry = load(tmp_path)
    assert misspelling_suggestions(registry, "acme/zeta") == ["acme/alpha-chat", "acme/zeta-chat"]
    # no record: by likeness alone, so the closer name comes first
    assert misspelling_suggestions(registry, "acme/zeta-chta") == ["acme/zeta-chat", "acme/alpha-chat"]


def test_misspelling_suggestions_leave_out_api_models(
    small: RegistrySummary, bundled: RegistrySummary
) -> None:
    assert misspelling_suggestions(small, "gpt-xy") == []  # gpt-x is close, but not a Hub repo
    assert misspelling_suggestions(bundled, "gpt-4o-minii") == []
    assert all(
        bundled.models[s].provider is Provider.huggingface for s in misspelling_suggestions(bundled, "gpt-4")
    )
    assert misspelling_suggestions(bundled, "zzzz/qqqqqq") == []


# Registry bases ---------------------------------------------------------------------------------------


def test_registry_bases(small: RegistrySummary, bundled: RegistrySummary) -> None:
    assert registry_bases(small, "acme/tiny-base") == [("acme/Big-Chat-7B", "adapter")]
    assert registry_bases(small, "ACME/TINY-BASE") == [("acme/Big-Chat-7B", "adapter")]
    assert registry_bases(small, "acme/Big-Chat-7B") == []
    assert registry_bases(small, "acme/nothing") == []
    assert registry_bases(bundled, "FinGPT/fingpt-mt_llama2-7b_lora") == [
        ("meta-llama/Llama-2-7b-hf", "adapter")
    ]
    assert registry_bases(bundled, "fingpt_llama2") == [("meta-llama/Llama-2-7b-hf", "adapter")]  # by alias


def test_base_links_add_registry_pairs_after_the_card_names() -> None:
    facts = facts_from_metadata("me/lora", {"id": "me/lora", "cardData": {"base_model": "c/d"}})
    links = base_links(
        facts, [("e/f", "adapter"), ("C/D", "adapter"), ("e/f", "merge"), ("me/LORA", "adapter")]
    )
    assert [(link.base_id, link.relation) for link in links] == [("c/d", "finetune"), ("e/f", "adapter")]
    dropped = base_links(facts, [("g/h", "derivative"), ("i/j", "")])
    assert [(link.base_id, link.relation) for link in dropped] == [("c/d", "finetune")]
    bare = facts_from_metadata("me/lora", {"id": "me/lora", "cardData": {}})
    only_registry = base_links(bare, [("meta-llama/Llama-3.2-1B-Instruct", "adapter")])
    assert [(link.base_id, link.relation) for link in only_registry] == [
        ("meta-llama/Llama-3.2-1B-Instruct", "adapter")
    ]
    assert base_links(bare) == [] and base_links(bare, []) == []


# The blocked model ------------------------------------------------------------------------------------


def test_type_group_puts_chat_and_instruct_together() -> None:
    assert type_group(ModelType.chat) == type_group("instruct") == "assistant"
    assert type_group("completion") == "completion"
    assert type_group(ModelType.embedding) == "embedding"
    with pytest.raises(ValueError):
        type_group("sculpture")


def test_describe_blocked_from_the_registry(small: RegistrySummary, tmp_path: Path) -> None:
    # the registry records no architecture here: the Hub's config says it is not a causal LM
    assert describe_blocked(small, "big_7b", 1, {"architectures": ["BertModel"]}) == Blocked(
        "acme/Big-Chat-7B", "assistant", 7_241_732_096, causal=False
    )
    # the registry has no size: the Hub's safetensors count fills it
    assert describe_blocked(small, "acme/tiny-base", 999, None) == Blocked(
        "acme/tiny-base", "completion", 999
    )
    assert describe_blocked(small, "acme/tiny-base", None, None).parameters is None


@pytest.mark.parametrize(
    ("model_id", "config", "group", "causal"),
    [
        ("acme/Foo-7B-Instruct", None, "assistant", None),
        ("acme/foo-chat-v2", {"architectures": ["LlamaForCausalLM"]}, "assistant", True),
        ("google/gemma-7b-it", None, "assistant", None),
        ("acme/foo-7b", {"architectures": ["LlamaForCausalLM"]}, "completion", True),
        ("acme/foo-7b", {"architectures": ["BertModel"]}, None, False),
        ("acme/foo-7b", {}, None, None),
        ("acme/foo-7b", None, None, None),
        ("chat/foo-7b", None, None, None),  # only the name part counts
        ("acme/italian-7b", None, None, None),  # `it` counts only as a whole part of the name
        ("acme/foo_chat", None, "assistant", None),
    ],
)
def test_describe_blocked_from_the_hub_name_and_config(
    small: RegistrySummary,
    model_id: str,
    config: dict[str, Any] | None,
    group: str | None,
    causal: bool | None,
) -> None:
    assert describe_blocked(small, model_id, 5_000, config) == Blocked(model_id, group, 5_000, causal)


def test_an_encoder_decoder_never_stands_in_for_a_causal_lm() -> None:
    """Flan-T5 is typed instruct like Llama 3.2 1B Instruct, but it is an encoder-decoder."""
    bundled = summarize(load_registry(env=False, cache_dir=None))
    blocked = describe_blocked(bundled, "meta-llama/Llama-3.2-1B-Instruct", None, None)
    assert blocked.causal is True
    candidates = alternative_candidates(bundled, blocked)
    assert candidates and "google/flan-t5-large" not in candidates
    assert "Qwen/Qwen3-1.7B" in candidates
    t5 = describe_blocked(bundled, "google/flan-t5-large", None, None)
    assert t5.causal is False and "Qwen/Qwen3-1.7B" not in alternative_candidates(bundled, t5)


# Alternatives -----------------------------------------------------------------------------------------

B = 1_000_000_000


@pytest.fixture
def market(tmp_path: Path) -> RegistrySummary:
    """A blocked 2B chat model and its neighbours (the registry still says it is open: a stale record)."""
    entry(tmp_path, "acme/blocked-chat", params=2 * B, gated=False)
    entry(tmp_path, "acme/instruct-2b", type="instruct", params=2_100_000_000, gated=False)
    entry(tmp_path, "acme/chat-1b", params=1 * B, gated=False)
    entry(tmp_path, "acme/chat-6b", params=6 * B, gated=False)  # exactly MAX_SIZE_RATIO times
    entry(tmp_path, "acme/chat-3b-unknown-gate", params=3 * B)  # gate not recorded: the Hub decides
    entry(tmp_path, "acme/chat-7b", params=7 * B, gated=False)  # too big
    entry(tmp_path, "acme/chat-600m", params=600_000_000, gated=False)  # too small
    entry(tmp_path, "acme/gated-auto", params=2 * B, gated="auto")
    entry(tmp_path, "acme/gated-manual", params=2 * B, gated="manual")
    entry(tmp_path, "acme/completion-2b", type="completion", params=2 * B, gated=False)
    entry(tmp_path, "acme/embedding-2b", type="embedding", params=2 * B, gated=False)
    entry(tmp_path, "acme/no-size-chat", gated=False)
    entry(tmp_path, "gpt-mini", params=2 * B, api_endpoint={"url": API_URL})
    entry(tmp_path, "acme/blocked-lora", params=2 * B, gated=False, base=("acme/blocked-chat", "adapter"))
    entry(tmp_path, "acme/blocked-ft", params=2 * B, gated=False, base=("ACME/Blocked-Chat", "finetune"))
    entry(tmp_path, "acme/quant-of-gated", params=2 * B, gated=False, base=("acme/gated-manual", "quantized"))
    entry(tmp_path, "acme/lora-of-unknown", params=2 * B, gated=False, base=("other/not-listed", "adapter"))
    entry(
        tmp_path, "acme/quant-of-open", params=1_500_000_000, gated=False, base=("acme/chat-1b", "quantized")
    )
    entry(
        tmp_path,
        "acme/ft-of-gated",
        params=2_500_000_000,
        gated=False,
        base=("acme/gated-manual", "finetune"),
    )
    return load(tmp_path)


def test_alternatives_same_group_similar_size_closest_first(market: RegistrySummary) -> None:
    blocked = describe_blocked(market, "acme/blocked-chat", None, None)
    assert blocked == Blocked("acme/blocked-chat", "assistant", 2 * B)
    found = alternative_candidates(market, blocked, limit=20)
    assert found == [
        "acme/instruct-2b",  # x1.05: instruct stands in for chat
        "acme/ft-of-gated",  # x1.25: a fine-tune carries its own weights
        "acme/quant-of-open",  # x1.33: a quantization of an open model
        "acme/chat-3b-unknown-gate",  # x1.5
        "acme/chat-1b",  # x2
        "acme/chat-6b",  # x3, the bound itself
    ]
    assert MAX_SIZE_RATIO == 3.0


def test_alternatives_leave_out_gated_copies_the_model_itself_and_other_kinds(
    market: RegistrySummary,
) -> None:
    found = set(alternative_candidates(market, Blocked("ACME/BLOCKED-CHAT", "assistant", 2 * B), limit=50))
    for excluded in (
        "acme/blocked-chat",  # the blocked model itself, whatever the case
        "acme/blocked-lora",  # built on the blocked model
        "acme/blocked-ft",
        "acme/gated-auto",
        "acme/gated-manual",
        "acme/quant-of-gated",  # gated weights, re-uploaded
        "acme/lora-of-unknown",  # a base the registry cannot vouch for
        "acme/completion-2b",
        "acme/embedding-2b",
        "acme/no-size-chat",
        "gpt-mini",  # an API model
        "acme/chat-7b",
        "acme/chat-600m",
    ):
        assert excluded not in found, excluded
    assert "acme/instruct-2b" in found


def test_alternatives_limit_and_other_groups(market: RegistrySummary) -> None:
    blocked = Blocked("acme/blocked-chat", "assistant", 2 * B)
    assert alternative_candidates(market, blocked, limit=2) == ["acme/instruct-2b", "acme/ft-of-gated"]
    assert len(alternative_candidates(market, blocked)) == 6  # the default limit: twice what is shown
    assert alternative_candidates(market, Blocked("x/base", "completion", 2 * B)) == ["acme/completion-2b"]
    assert alternative_candidates(market, Blocked("x/enc", "embedding", 5 * B)) == ["acme/embedding-2b"]


@pytest.mark.parametrize(
    "blocked",
    [
        Blocked("x/y", "assistant", None),
        Blocked("x/y", "assistant", 0),
        Blocked("x/y", None, 2 * B),
        Blocked("x/y", "vision-encoder", 2 * B),
    ],
)
def test_no_alternatives_without_size_or_type(market: RegistrySummary, blocked: Blocked) -> None:
    assert alternative_candidates(market, blocked) == []


def test_alternatives_from_the_bundled_registry(bundled: RegistrySummary) -> None:
    llama32 = describe_blocked(bundled, "meta-llama/Llama-3.2-1B-Instruct", None, None)
    assert llama32.type_group == "assistant" and llama32.parameters == 1_235_814_400
    found = alternative_candidates(bundled, llama32)
    assert found[0] == "Qwen/Qwen3-1.7B"
    assert "Qwen/Qwen3-0.6B" in found
    assert "microsoft/Phi-3-mini-4k-instruct" not in found  # 3.09 times the size
    for model_id in found:
        candidate = bundled.models[model_id]
        assert candidate.gated in (False, None) and candidate.provider is Provider.huggingface
        assert type_group(candidate.type) == "assistant"
    # an adapter of gated Llama 2 is never an alternative to Llama 2's chat model
    llama2_chat = describe_blocked(bundled, "llama2_7b", None, None)
    assert "FinGPT/fingpt-mt_llama2-7b_lora" not in alternative_candidates(bundled, llama2_chat, limit=100)
